package dev.lem.stats;

import dev.lem.stats.internal.Resampling;
import org.jspecify.annotations.Nullable;

/**
 * The per-cycle observations of one metric: either plain values (the statistic is their mean), or
 * numerator/denominator pairs (the statistic is the ratio of sums Σnum / Σden, e.g. joules per token =
 * Σ energy / Σ tokens). Resampling always draws whole cycles, so a ratio keeps each cycle's numerator
 * with its own denominator. Immutable (arrays are copied in and never handed out).
 */
public final class CycleSample {
    private final double[] num;
    private final double @Nullable [] den;

    private CycleSample(double[] num, double @Nullable [] den) {
        this.num = num;
        this.den = den;
    }

    /**
     * Plain per-cycle values.
     *
     * @param values the per-cycle values
     * @return the sample
     * @throws IllegalArgumentException when there are none or one is NaN or infinite
     */
    public static CycleSample of(double... values) {
        check(values, "values");
        return new CycleSample(values.clone(), null);
    }

    /**
     * Per-cycle numerators and denominators of a ratio of sums.
     *
     * @param numerators the per-cycle numerators
     * @param denominators the per-cycle denominators
     * @return the sample
     * @throws IllegalArgumentException when the lengths differ, there are none, a value is NaN or
     *                                  infinite, or the denominators sum to 0
     */
    public static CycleSample ratioOfSums(double[] numerators, double[] denominators) {
        check(numerators, "numerators");
        check(denominators, "denominators");
        if (numerators.length != denominators.length) {
            throw new IllegalArgumentException("numerators (" + numerators.length + " cycles) and denominators ("
                    + denominators.length + " cycles) must have one value per cycle each");
        }
        if (Resampling.sum(denominators) == 0) {
            throw new IllegalArgumentException("the denominators sum to 0, so the ratio is undefined");
        }
        return new CycleSample(numerators.clone(), denominators.clone());
    }

    private static void check(double[] values, String what) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no " + what + ": at least one cycle is needed");
        }
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(what + "[" + i + "] is " + values[i]
                        + ": every cycle needs a finite figure (drop or re-run the cycle that produced it)");
            }
        }
    }

    /** {@return the number of cycles} */
    public int n() {
        return num.length;
    }

    /** {@return true for a ratio of sums} */
    public boolean isRatio() {
        return den != null;
    }

    /** {@return the point estimate: the mean, or Σnum / Σden} */
    public double estimate() {
        return den == null ? Resampling.sum(num) / num.length : Resampling.sum(num) / Resampling.sum(den);
    }

    /**
     * Per-cycle values, or per-cycle ratios (NaN for a cycle whose denominator is 0). A fresh copy.
     *
     * @return the values, one per cycle
     */
    public double[] perCycle() {
        if (den == null) {
            return num.clone();
        }
        double[] r = new double[num.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = den[i] == 0 ? Double.NaN : num[i] / den[i];
        }
        return r;
    }

    /**
     * Linearised (influence) values whose sample variance / n estimates the variance of
     * {@link #estimate()}: xᵢ for a mean; for a ratio R = Σy/Σx the delta method's
     * (yᵢ − R·xᵢ) / x̄.
     */
    double[] influence() {
        if (den == null) {
            return num.clone();
        }
        double r = estimate();
        double denMean = Resampling.sum(den) / den.length;
        double[] d = new double[num.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = (num[i] - r * den[i]) / denMean;
        }
        return d;
    }

    /** Standard error of {@link #estimate()} from {@link #influence()}: s / √n (n ≥ 2). */
    double standardError() {
        double[] d = influence();
        return Descriptive.std(d, Resampling.sum(d) / d.length) / Math.sqrt(d.length);
    }

    double[] numerators() {
        return num;
    }

    double @Nullable [] denominators() {
        return den;
    }
}
