package dev.lem.stats;

import java.util.Arrays;

/**
 * Percentiles by linear interpolation between order statistics — the default of numpy
 * ({@code method="linear"}) and R ({@code type = 7}): for sorted x₀..xₙ₋₁ and probability p,
 * h = (n − 1)·p, result = x⌊h⌋ + (h − ⌊h⌋)(x⌊h⌋₊₁ − x⌊h⌋).
 */
public final class Percentiles {
    private Percentiles() {
    }

    /**
     * The p-quantile (0 ≤ p ≤ 1) of already sorted values.
     *
     * @param sorted the values, in ascending order; at least one
     * @param p the quantile's level, 0 to 1
     * @return the quantile, interpolated linearly between neighbouring values
     */
    public static double linear(double[] sorted, double p) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        if (p < 0 || p > 1 || Double.isNaN(p)) {
            throw new IllegalArgumentException("p (" + p + ") must be in [0, 1]");
        }
        double h = (sorted.length - 1) * p;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /**
     * The p-quantile of unsorted values (copies and sorts).
     *
     * @param values the values; at least one
     * @param p the quantile's level, 0 to 1
     * @return the quantile, interpolated linearly between neighbouring values
     */
    public static double of(double[] values, double p) {
        double[] s = values.clone();
        Arrays.sort(s);
        return linear(s, p);
    }
}
