package dev.lem.backend.trtllm;

import dev.lem.config.ExperimentConfig;
import dev.lem.serving.ScriptedServer;
import dev.lem.spi.BackendContext;
import dev.lem.spi.InferenceBackend;
import dev.lem.testkit.BackendCompatibilityKit;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The {@code trtllm} backend (trtllm-serve API) passes the compatibility kit against the scripted server. */
class TrtllmBackendCompatibilityTest extends BackendCompatibilityKit {
    private static ScriptedServer server;

    @BeforeAll
    static void startServer() throws IOException {
        server = ScriptedServer.builder().flavor(ScriptedServer.Flavor.TRTLLM).eosAfter(3).start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Override
    protected InferenceBackend createBackend(ExperimentConfig config) {
        return new TrtllmBackendProvider().create(BackendContext.of(config, new TrtllmBackendProvider(), tempDir, 0));
    }

    @Override
    protected Map<String, Object> settings() {
        return Map.of("backend", "trtllm", "server.url", server.uri().toString(), "server.model_name", "test-model");
    }

    @Override
    protected Optional<String> failingPrompt() {
        return Optional.of("please FAIL-ME now");
    }
}
