package dev.lem.config;

/**
 * Statistics settings ({@code stats.*}).
 *
 * @param confidenceLevel    confidence level of intervals, e.g. 0.95
 * @param bootstrapResamples bootstrap resamples
 * @param ciMethod           auto, t, percentile or bca
 * @param adaptive           adaptive cycle count
 */
public record StatsConfig(double confidenceLevel, int bootstrapResamples, String ciMethod, Adaptive adaptive) {

    /**
     * Run cycles until a metric is precise enough ({@code stats.adaptive.*}).
     *
     * @param enabled              on or off
     * @param metric               metric key, e.g. energy_per_output_token_j
     * @param targetHalfWidthPct   target CI half-width as a percentage of the mean
     * @param maxCycles            most cycles
     */
    public record Adaptive(boolean enabled, String metric, double targetHalfWidthPct, int maxCycles) {
    }
}
