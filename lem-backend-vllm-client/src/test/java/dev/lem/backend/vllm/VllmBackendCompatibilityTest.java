package dev.lem.backend.vllm;

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

/** The {@code vllm} backend passes the compatibility kit against the scripted vLLM server (3-token chunks). */
class VllmBackendCompatibilityTest extends BackendCompatibilityKit {
    private static ScriptedServer server;

    @BeforeAll
    static void startServer() throws IOException {
        server = ScriptedServer.builder().eosAfter(3).chunkTokens(3).start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Override
    protected InferenceBackend createBackend(ExperimentConfig config) {
        return new VllmBackendProvider().create(BackendContext.of(config, new VllmBackendProvider(), tempDir, 0));
    }

    @Override
    protected Map<String, Object> settings() {
        return Map.of("backend", "vllm", "server.url", server.uri().toString(), "model", "test-model");
    }

    @Override
    protected Optional<String> failingPrompt() {
        return Optional.of("please FAIL-ME now");
    }
}
