package dev.lem.stats.internal;

import dev.lem.stats.Percentiles;
import java.util.Arrays;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * Interval formulas: Student t, bootstrap percentile and bootstrap BCa (Efron &amp; Tibshirani 1993,
 * <i>An Introduction to the Bootstrap</i>, ch. 13–14). Bootstrap quantiles are read from the sorted
 * replicates by linear interpolation ({@link Percentiles#linear}).
 */
public final class Intervals {
    /** Method labels, as they appear in {@code Estimate.method}. */
    public static final String T = "t";
    public static final String T_DELTA = "t_delta";
    public static final String T_WELCH = "t_welch";
    /** Student t on the log scale (delta method), for a positive mean. */
    public static final String T_LOG = "t_log";
    /** Student t on the log scale with the delta-method standard error of a positive ratio of sums. */
    public static final String T_DELTA_LOG = "t_delta_log";
    public static final String PERCENTILE = "bootstrap_percentile";
    public static final String BCA = "bootstrap_bca";

    private static final NormalDistribution STANDARD_NORMAL = new NormalDistribution(null, 0, 1);

    private Intervals() {
    }

    /**
     * An interval with its method and a note (empty unless the method fell back or dropped something).
     */
    public record Ci(double low, double high, String method, String note) {
    }

    /** Φ(z), the standard normal distribution function. */
    public static double normalCdf(double z) {
        return STANDARD_NORMAL.cumulativeProbability(z);
    }

    /** Φ⁻¹(p). */
    public static double normalQuantile(double p) {
        return STANDARD_NORMAL.inverseCumulativeProbability(p);
    }

    /** The p-quantile of Student's t with df degrees of freedom (df need not be an integer). */
    public static double tQuantile(double df, double p) {
        return new TDistribution(null, df).inverseCumulativeProbability(p);
    }

    /** θ̂ ± t(df, (1 + level)/2) · se. */
    public static Ci t(double theta, double se, double df, double level, String method) {
        double half = tQuantile(df, 0.5 + level / 2) * se;
        return new Ci(theta - half, theta + half, method, "");
    }

    /**
     * The finite replicates, sorted ascending (a ratio replicate whose denominators summed to 0 is not
     * finite and is left out; callers compare the lengths to say how many).
     */
    public static double[] sortedFinite(double[] replicates) {
        int k = 0;
        double[] out = replicates.clone();
        for (double v : replicates) {
            if (Double.isFinite(v)) {
                out[k++] = v;
            }
        }
        Arrays.sort(out, 0, k);
        return k == out.length ? out : Arrays.copyOf(out, k);
    }

    /** Percentile interval: the (1 − level)/2 and (1 + level)/2 quantiles of the sorted replicates. */
    public static Ci percentile(double[] sorted, double level) {
        double alpha = (1 - level) / 2;
        return new Ci(Percentiles.linear(sorted, alpha), Percentiles.linear(sorted, 1 - alpha), PERCENTILE, "");
    }

    /**
     * BCa interval (Efron &amp; Tibshirani 1993, §14.3): the replicates' quantiles at
     * α₁ = Φ(ẑ₀ + (ẑ₀ + z_α)/(1 − â(ẑ₀ + z_α))) and α₂ likewise with z₁₋α, where ẑ₀ is the bias
     * correction ({@link #biasCorrection}) and â the acceleration ({@link #acceleration}). Falls back
     * to the percentile interval, saying why in the note, when ẑ₀ is infinite (every replicate on one
     * side of θ̂) or an adjusted level leaves (0, 1).
     *
     * @param sorted    finite bootstrap replicates, ascending
     * @param theta     the estimate from the original data
     * @param jackknife leave-one-out replicates, one array per sample
     */
    public static Ci bca(double[] sorted, double theta, double[][] jackknife, double level) {
        double z0 = biasCorrection(sorted, theta);
        if (!Double.isFinite(z0)) {
            return fallback(sorted, level, "every bootstrap replicate lies on one side of the estimate");
        }
        double a = acceleration(jackknife);
        if (!Double.isFinite(a)) {
            return fallback(sorted, level, "a leave-one-out estimate is undefined");
        }
        double zLow = normalQuantile((1 - level) / 2);
        double a1 = adjusted(z0, a, zLow);
        double a2 = adjusted(z0, a, -zLow);
        if (!(a1 > 0 && a2 < 1 && a1 < a2)) {
            return fallback(sorted, level, "the adjusted levels (" + a1 + ", " + a2 + ") are outside (0, 1)");
        }
        return new Ci(Percentiles.linear(sorted, a1), Percentiles.linear(sorted, a2), BCA, "");
    }

    private static double adjusted(double z0, double a, double z) {
        double denominator = 1 - a * (z0 + z);
        return denominator <= 0 ? Double.NaN : normalCdf(z0 + (z0 + z) / denominator);
    }

    private static Ci fallback(double[] sorted, double level, String why) {
        Ci p = percentile(sorted, level);
        return new Ci(p.low(), p.high(), PERCENTILE, "BCa undefined (" + why + "); percentile interval given");
    }

    /**
     * ẑ₀ = Φ⁻¹(share of replicates below θ̂), replicates equal to θ̂ counting one half (mid-rank, which
     * keeps ẑ₀ = 0 for a symmetric bootstrap distribution with an atom at θ̂). ±∞ when the share is 0 or 1.
     */
    public static double biasCorrection(double[] sorted, double theta) {
        int below = lowerBound(sorted, theta);
        int notAbove = upperBound(sorted, theta);
        double share = (below + notAbove) / (2.0 * sorted.length);
        if (share <= 0) {
            return Double.NEGATIVE_INFINITY;
        }
        return share >= 1 ? Double.POSITIVE_INFINITY : normalQuantile(share);
    }

    /**
     * â from jackknife replicates. One sample: â = Σ(θ̄₍.₎ − θ₍ᵢ₎)³ / (6 [Σ(θ̄₍.₎ − θ₍ᵢ₎)²]^{3/2})
     * (Efron &amp; Tibshirani 1993, eq. 14.15). Several independent samples: with Uⱼᵢ = (nⱼ − 1)(θ̄ⱼ − θⱼ₍ᵢ₎)
     * for leaving out observation i of sample j, â = Σⱼ Σᵢ Uⱼᵢ³/nⱼ³ / (6 [Σⱼ Σᵢ Uⱼᵢ²/nⱼ²]^{3/2}), which
     * reduces to the one-sample formula (the multi-sample form SciPy's {@code stats.bootstrap} uses).
     * 0 when every leave-one-out estimate is equal; NaN when one is not finite. |â| ≤ 1/6 always, since
     * Σ|w|³ ≤ (Σw²)^{3/2}.
     */
    public static double acceleration(double[][] jackknife) {
        double num = 0;
        double den = 0;
        for (double[] g : jackknife) {
            int m = g.length;
            double mean = 0;
            for (double v : g) {
                mean += v;
            }
            mean /= m;
            for (double v : g) {
                double w = (m - 1) * (mean - v) / m; // Uⱼᵢ / nⱼ
                num += w * w * w;
                den += w * w;
            }
        }
        return den == 0 ? (Double.isNaN(num) ? Double.NaN : 0) : num / (6 * Math.pow(den, 1.5));
    }

    /** First index whose value is ≥ key (the count of values below key). */
    static int lowerBound(double[] sorted, double key) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** First index whose value is &gt; key (the count of values at or below key). */
    static int upperBound(double[] sorted, double key) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
