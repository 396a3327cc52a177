package dev.lem.backend.djl;

import dev.lem.spi.BackendSettings;
import dev.lem.backend.djl.internal.DjlBackend;
import dev.lem.config.ExperimentConfig;
import dev.lem.spi.InferenceBackend;
import dev.lem.testkit.BackendCompatibilityKit;
import java.util.Map;
import java.util.Optional;

/** The shared backend contract, on the synthetic tiny Llama. */
class DjlBackendCompatibilityTest extends BackendCompatibilityKit {

    @Override
    protected InferenceBackend createBackend(ExperimentConfig config) {
        return new DjlBackend(BackendSettings.of(config, new DjlBackendProvider()));
    }

    @Override
    protected Map<String, Object> settings() {
        return Map.of("model", "synthetic:tiny-llama", "backend", "djl");
    }

    /** tiny-llama has a 512-token context and max_input_tokens defaults to 512: this prompt cannot fit. */
    @Override
    protected Optional<String> failingPrompt() {
        return Optional.of("word ".repeat(600));
    }
}
