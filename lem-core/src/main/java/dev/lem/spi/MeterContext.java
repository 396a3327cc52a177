package dev.lem.spi;

import dev.lem.config.ExperimentConfig;
import java.util.Map;
import java.util.Objects;

/**
 * What an energy meter or telemetry source is opened with.
 *
 * @param config      the experiment configuration (its {@code energy} section holds meter settings)
 * @param environment the process environment variables to honour (e.g. {@code CUDA_VISIBLE_DEVICES});
 *                    tests pass their own map
 * @param rank        this process's rank
 */
public record MeterContext(ExperimentConfig config, Map<String, String> environment, int rank) {
    public MeterContext {
        Objects.requireNonNull(config, "config");
        environment = Map.copyOf(environment);
    }
}
