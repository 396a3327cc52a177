package dev.lem.testkit;

import dev.lem.config.ExperimentConfig;
import dev.lem.spi.InferenceBackend;
import java.util.Map;
import java.util.Optional;

/** The simulated test backend passes the kit (which also checks the kit itself). */
class SimulatedBackendCompatibilityTest extends BackendCompatibilityKit {
    @Override
    protected InferenceBackend createBackend(ExperimentConfig config) {
        return SimulatedBackend.of(config);
    }

    @Override
    protected Map<String, Object> settings() {
        return Map.of("backend", "simulated", "options.fail_marker", "FAIL-ME",
                "options.eos_after", 3, "options.decode_ms_per_step", 1);
    }

    @Override
    protected Optional<String> failingPrompt() {
        return Optional.of("please FAIL-ME now");
    }
}
