package dev.lem;

import dev.lem.result.ExperimentResult;
import dev.lem.result.SummaryCalculator;
import dev.lem.stats.Comparison;
import dev.lem.stats.CycleSample;

/**
 * Compares two experiments on one metric, resampling whole cycles of each (ratio metrics stay ratios of
 * sums): the basis of statements such as "B uses 12% less energy per token than A (95% CI 8–16%)".
 *
 * <pre>{@code
 * Comparison c = Comparisons.compare(batch1, batch8, Metric.ENERGY_PER_OUTPUT_TOKEN_J);
 * System.out.println(c.describe("batch 1", "batch 8", "energy per token"));
 * }</pre>
 */
public final class Comparisons {
    private Comparisons() {
    }

    /**
     * B against A on {@code metric}, with A's statistics settings (level, resamples, method) and seed.
     *
     * @param a the result of configuration A
     * @param b the result of configuration B
     * @param metric the metric compared
     * @return the comparison of B with A
     * @throws LemException when the metric is unavailable in either experiment (naming which and why)
     */
    public static Comparison compare(ExperimentResult a, ExperimentResult b, Metric metric) {
        CycleSample sa = sample(a, metric, "A");
        CycleSample sb = sample(b, metric, "B");
        return Comparison.of(sa, sb, a.config().stats().intervals(), a.config().seed() + metric.ordinal());
    }

    private static CycleSample sample(ExperimentResult r, Metric metric, String label) {
        return SummaryCalculator.sample(r, metric).orElseThrow(() -> new LemException("Cannot compare "
                + metric.key() + ": it is not available in experiment " + label + " (" + r.id() + "): "
                + r.summary().whyUnavailable(metric).orElse("no complete cycle")));
    }
}
