package dev.lem.stats;

import dev.lem.config.StatsConfig;

/** Shared helpers of the stats tests. */
final class StatsTesting {
    private StatsTesting() {
    }

    /** A stats config with the given level, resamples and {@code stats.ci_method}; adaptive off. */
    static StatsConfig config(double level, int resamples, String method) {
        return new StatsConfig(level, resamples, method,
                new StatsConfig.Adaptive(false, "energy_per_output_token_j", 5.0, 30));
    }

    /** The defaults: 95%, 10,000 resamples, the given method. */
    static StatsConfig config(String method) {
        return config(0.95, 10_000, method);
    }
}
