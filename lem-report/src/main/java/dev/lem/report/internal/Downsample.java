package dev.lem.report.internal;

import java.util.Arrays;

/**
 * Thins data for display only; the raw data stay in the results folder.
 *
 * <ul>
 *   <li>{@link #minMax}: a time series split into equal buckets of samples, each kept as its minimum and maximum in
 *       time order, so peaks and dips survive (a mean would flatten a power spike).</li>
 *   <li>{@link #cdf}: a sorted sample reduced to at most k steps of its empirical CDF, always keeping the
 *       smallest and largest value.</li>
 * </ul>
 */
public final class Downsample {
    private Downsample() {
    }

    /** A thinned series: times and values of equal length. */
    public record Series(double[] t, double[] v) {
        public int size() {
            return t.length;
        }
    }

    /**
     * At most {@code budget} points (at least 4) of (t, v): every point when there are few enough, else the minimum
     * and maximum of each of {@code budget / 2} buckets. NaN values are skipped.
     */
    public static Series minMax(double[] t, double[] v, int budget) {
        if (t.length != v.length) {
            throw new IllegalArgumentException("times and values differ in length: " + t.length + ", " + v.length);
        }
        int finite = 0;
        for (double x : v) {
            if (!Double.isNaN(x)) {
                finite++;
            }
        }
        budget = Math.max(4, budget);
        if (finite <= budget) {
            double[] ot = new double[finite];
            double[] ov = new double[finite];
            int j = 0;
            for (int i = 0; i < t.length; i++) {
                if (!Double.isNaN(v[i])) {
                    ot[j] = t[i];
                    ov[j++] = v[i];
                }
            }
            return new Series(ot, ov);
        }
        int buckets = budget / 2;
        double[] ot = new double[buckets * 2];
        double[] ov = new double[buckets * 2];
        int out = 0;
        for (int b = 0; b < buckets; b++) {
            int from = (int) ((long) b * t.length / buckets);
            int to = (int) ((long) (b + 1) * t.length / buckets);
            int iMin = -1;
            int iMax = -1;
            for (int i = from; i < to; i++) {
                if (Double.isNaN(v[i])) {
                    continue;
                }
                if (iMin < 0 || v[i] < v[iMin]) {
                    iMin = i;
                }
                if (iMax < 0 || v[i] > v[iMax]) {
                    iMax = i;
                }
            }
            if (iMin < 0) {
                continue;
            }
            int first = Math.min(iMin, iMax);
            int second = Math.max(iMin, iMax);
            ot[out] = t[first];
            ov[out++] = v[first];
            if (second != first) {
                ot[out] = t[second];
                ov[out++] = v[second];
            }
        }
        return new Series(Arrays.copyOf(ot, out), Arrays.copyOf(ov, out));
    }

    /**
     * Points of the empirical CDF of {@code sorted} (ascending): (value, share of values ≤ it). All of them when
     * there are at most {@code k}, else k evenly spaced order statistics including the first and last.
     */
    public static Series cdf(double[] sorted, int k) {
        int n = sorted.length;
        if (n == 0) {
            return new Series(new double[0], new double[0]);
        }
        int m = Math.min(n, Math.max(2, k));
        double[] x = new double[m];
        double[] p = new double[m];
        for (int j = 0; j < m; j++) {
            int i = m == n ? j : (int) Math.round((double) j * (n - 1) / (m - 1));
            x[j] = sorted[i];
            p[j] = (i + 1) / (double) n;
        }
        return new Series(x, p);
    }
}
