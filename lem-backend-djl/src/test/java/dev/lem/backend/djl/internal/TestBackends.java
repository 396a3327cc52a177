package dev.lem.backend.djl.internal;

import dev.lem.spi.BackendSettings;
import dev.lem.backend.djl.DjlBackendProvider;
import dev.lem.config.ConfigResolver;
import dev.lem.config.DecodingConfig;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.ValueSource;
import dev.lem.spi.GenerationRequest;
import java.util.Map;

/** Helpers to build configurations and requests for the backend's tests. */
final class TestBackends {
    private TestBackends() {
    }

    static ExperimentConfig config(String model, Map<String, Object> settings) {
        ConfigResolver r = ConfigResolver.withDefaults().set("model", model, ValueSource.BUILDER);
        settings.forEach((k, v) -> r.set(k, v, ValueSource.BUILDER));
        return r.resolve();
    }

    static BackendSettings settings(String model, Map<String, Object> settings) {
        return BackendSettings.of(config(model, settings), new DjlBackendProvider());
    }

    static DjlBackend backend(String model, Map<String, Object> settings) {
        return new DjlBackend(settings(model, settings));
    }

    static GenerationRequest greedy(String id, String prompt, int max, int min, boolean ignoreEos) {
        return new GenerationRequest(id, prompt, null, max, min, DecodingConfig.greedyDecoding(ignoreEos), 7, false);
    }
}
