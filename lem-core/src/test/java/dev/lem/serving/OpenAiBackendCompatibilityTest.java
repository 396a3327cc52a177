package dev.lem.serving;

import dev.lem.config.ExperimentConfig;
import dev.lem.spi.BackendContext;
import dev.lem.spi.InferenceBackend;
import dev.lem.testkit.BackendCompatibilityKit;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The generic {@code openai} backend passes the compatibility kit against the scripted vLLM-like server. */
class OpenAiBackendCompatibilityTest extends BackendCompatibilityKit {
    private static ScriptedServer server;

    @BeforeAll
    static void startServer() throws IOException {
        server = ScriptedServer.builder().eosAfter(3).start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Override
    protected InferenceBackend createBackend(ExperimentConfig config) {
        return new OpenAiBackendProvider().create(BackendContext.of(config, new OpenAiBackendProvider(), tempDir, 0));
    }

    @Override
    protected Map<String, Object> settings() {
        return Map.of("backend", "openai", "server.url", server.uri() + "/v1/", "server.model_name", "test-model");
    }

    @Override
    protected Optional<String> failingPrompt() {
        return Optional.of("please FAIL-ME now");
    }
}
