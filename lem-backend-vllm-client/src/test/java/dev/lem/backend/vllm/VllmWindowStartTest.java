package dev.lem.backend.vllm;

import dev.lem.serving.ScriptedServer;
import dev.lem.serving.WindowStartCheck;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The vllm backend's cycles hold nothing but their workload ({@link WindowStartCheck}): every preparation,
 * synthetic prompts sized with a slow {@code /tokenize} included, happens before each window opens.
 */
@Timeout(120)
class VllmWindowStartTest {
    @TempDir
    Path dir;
    private ScriptedServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "{0}, {1}, warm-up phase {2}")
    @MethodSource("dev.lem.serving.WindowStartCheck#cases")
    void eachCyclesFirstSendComesAsItsWindowOpens(String source, String pattern, boolean warmupPhase) throws Exception {
        server = WindowStartCheck.server(ScriptedServer.Flavor.VLLM);
        WindowStartCheck.check("vllm", server, dir, source, pattern, warmupPhase);
    }
}
