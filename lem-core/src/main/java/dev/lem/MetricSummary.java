package dev.lem;

import dev.lem.stats.Estimate;
import java.util.Objects;

/**
 * One metric of a summary.
 *
 * @param metric   the metric's key
 * @param unit     its unit
 * @param basis    how the underlying figures were obtained: {@code measured} (timestamps, hardware
 *                 counters), {@code integrated}, {@code estimated}, or a mix such as
 *                 {@code "measured: gpu; estimated: cpu, ram"}
 * @param estimate the value across cycles with its interval
 */
public record MetricSummary(String metric, String unit, String basis, Estimate estimate) {
    public MetricSummary {
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(basis, "basis");
        Objects.requireNonNull(estimate, "estimate");
    }
}
