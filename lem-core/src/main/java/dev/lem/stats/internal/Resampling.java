package dev.lem.stats.internal;

import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * Bootstrap and jackknife replicates of a mean or a ratio of sums, on primitive arrays.
 *
 * <p>A sample is {@code num} alone (the statistic is the mean of {@code num}) or {@code num} with
 * {@code den} (the statistic is Σnum / Σden, each cycle resampled as a whole pair).
 */
public final class Resampling {
    private static final long MASK32 = 0xFFFF_FFFFL;

    private Resampling() {
    }

    /**
     * A uniform index in [0, n) from 32 random bits: Lemire's multiply-and-shift with rejection, which
     * is unbiased and divides only in the rare draws whose low word falls below n (probability n / 2³²).
     */
    static int index(SplittableRandom rng, int n) {
        long m = (rng.nextInt() & MASK32) * n;
        long low = m & MASK32;
        if (low < n) {
            long threshold = ((1L << 32) - n) % n; // 2^32 mod n
            while (low < threshold) {
                m = (rng.nextInt() & MASK32) * n;
                low = m & MASK32;
            }
        }
        return (int) (m >>> 32);
    }

    /**
     * {@code resamples} bootstrap replicates: each draws n cycles with replacement and computes the
     * statistic. A ratio replicate whose denominators sum to 0 is ±∞ or NaN; callers drop those.
     */
    public static double[] bootstrap(double[] num, double @Nullable [] den, int resamples, SplittableRandom rng) {
        int n = num.length;
        double[] out = new double[resamples];
        if (den == null) {
            for (int r = 0; r < resamples; r++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += num[index(rng, n)];
                }
                out[r] = s / n;
            }
        } else {
            for (int r = 0; r < resamples; r++) {
                double sn = 0;
                double sd = 0;
                for (int i = 0; i < n; i++) {
                    int k = index(rng, n);
                    sn += num[k];
                    sd += den[k];
                }
                out[r] = sn / sd;
            }
        }
        return out;
    }

    /** The n leave-one-out (jackknife) replicates of the statistic, in O(n). */
    public static double[] jackknife(double[] num, double @Nullable [] den) {
        int n = num.length;
        double[] out = new double[n];
        if (den == null) {
            double mean = sum(num) / n;
            for (int i = 0; i < n; i++) {
                out[i] = mean + (mean - num[i]) / (n - 1); // (Σx − xᵢ)/(n − 1) without cancellation
            }
        } else {
            double sn = sum(num);
            double sd = sum(den);
            for (int i = 0; i < n; i++) {
                out[i] = (sn - num[i]) / (sd - den[i]);
            }
        }
        return out;
    }

    /** Plain sum. */
    public static double sum(double[] values) {
        double s = 0;
        for (double v : values) {
            s += v;
        }
        return s;
    }
}
