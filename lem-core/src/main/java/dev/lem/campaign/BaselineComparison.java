package dev.lem.campaign;

import dev.lem.Metric;
import dev.lem.stats.Comparison;
import java.util.Objects;

/**
 * One experiment of a campaign against the campaign's baseline on one metric, resampling whole cycles of each
 * (bootstrap, seeded).
 *
 * @param baseline   the baseline's label
 * @param experiment the other experiment's label
 * @param metric     the metric
 * @param comparison estimates, difference and ratio with their intervals
 */
public record BaselineComparison(String baseline, String experiment, Metric metric, Comparison comparison) {
    /**
     * Checks that the comparison is set.
     *
     * @param baseline the baseline's label
     * @param experiment the other experiment's label
     * @param metric the metric
     * @param comparison estimates, difference and ratio with their intervals
     */
    public BaselineComparison {
        Objects.requireNonNull(comparison, "comparison");
    }

    /** {@return one sentence, e.g. "batch=8 uses 41% less energy per token than batch=1 (95% CI ...)"} */
    public String describe() {
        return comparison.describe(baseline, experiment, metric.key());
    }

    @Override
    public String toString() {
        return describe();
    }
}
