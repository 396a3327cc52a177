package dev.lem.config;

import dev.lem.Metric;
import dev.lem.stats.CiMethod;
import dev.lem.stats.IntervalSettings;

/**
 * Statistics settings ({@code stats.*}).
 *
 * @param confidenceLevel    confidence level of intervals, e.g. 0.95
 * @param bootstrapResamples bootstrap resamples
 * @param ciMethod           how intervals are computed
 * @param adaptive           adaptive cycle count
 * @param maxFailureRate     the largest share of failed requests a complete experiment may have
 */
public record StatsConfig(
        @Key(doc = "Confidence level of intervals.", defaultValue = "0.95", min = 0.5, max = 0.999)
        double confidenceLevel,
        @Key(doc = "Bootstrap resamples.", defaultValue = "10000", min = 100, max = 10_000_000)
        int bootstrapResamples,
        @Key(doc = "Interval method (auto: chosen by the number of cycles; see docs/statistics.md).",
                defaultValue = "auto") CiMethod ciMethod,
        @Key(doc = "Keep running cycles until a metric is precise enough.") Adaptive adaptive,
        @Key(doc = "The largest share of requests that may fail (over every cycle) for the experiment to count as "
                + "complete; above it the run ends as failed (exit code 1) with its results kept. Any failure is "
                + "warned about.", defaultValue = "0.05", min = 0, max = 1) double maxFailureRate) {

    /** {@return the settings the statistics package computes intervals with} */
    public IntervalSettings intervals() {
        return new IntervalSettings(confidenceLevel, bootstrapResamples, ciMethod);
    }

    /**
     * Run cycles until a metric is precise enough ({@code stats.adaptive.*}).
     *
     * @param enabled              on or off
     * @param metric               the metric whose interval must be narrow
     * @param targetHalfWidthPct   target CI half-width as a percentage of the mean
     * @param maxCycles            most cycles
     */
    public record Adaptive(
            @Key(doc = "Keep running cycles until the target precision is reached.", defaultValue = "false")
            boolean enabled,
            @Key(doc = "The metric whose CI must be narrow.", defaultValue = "energy_per_output_token_j")
            Metric metric,
            @Key(doc = "Stop when the CI half-width is at most this share of the mean.", defaultValue = "5.0",
                    min = 0.01, max = 100, unit = "%") double targetHalfWidthPct,
            @Key(doc = "Most cycles in adaptive mode.", defaultValue = "30", min = 2, max = 100_000) int maxCycles) {
    }
}
