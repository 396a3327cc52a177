package dev.lem.serving;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The openai backend's cycles hold nothing but their workload: {@link WindowStartCheck}. */
@Timeout(120)
class OpenAiWindowStartTest {
    @TempDir
    Path dir;
    private ScriptedServer server;

    @BeforeEach
    void start() throws Exception {
        server = WindowStartCheck.server(ScriptedServer.Flavor.VLLM);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @ParameterizedTest(name = "{0}, {1}, warm-up phase {2}")
    @MethodSource("dev.lem.serving.WindowStartCheck#cases")
    void eachCyclesFirstSendComesAsItsWindowOpens(String source, String pattern, boolean warmupPhase) throws Exception {
        WindowStartCheck.check("openai", server, dir, source, pattern, warmupPhase);
    }
}
