package dev.lem.stats;

import dev.lem.stats.internal.Resampling;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Descriptive statistics of a sample (any unit; every field except {@code n}, {@code cv} and
 * {@code outliers} is in the unit of the values).
 *
 * @param n        number of values
 * @param mean     arithmetic mean
 * @param std      sample standard deviation (divisor n − 1); absent when n &lt; 2
 * @param cv       coefficient of variation std / |mean| (a fraction, not %); absent when n &lt; 2 or the mean is 0
 * @param min      smallest value
 * @param max      largest value
 * @param median   the 0.5 quantile by linear interpolation ({@link Percentiles#linear}, numpy default / R type 7)
 * @param mad      median absolute deviation median(|xᵢ − median|), unscaled (multiply by 1.4826 to estimate σ
 *                 of normal data); as {@code scipy.stats.median_abs_deviation(x)} with its default scale 1
 * @param outliers 0-based positions of values flagged by {@link Outliers#flag} (kept, never dropped)
 */
public record Descriptive(int n, double mean, Optional<Double> std, Optional<Double> cv, double min, double max,
        double median, double mad, List<Integer> outliers) {

    /**
     * Copies the outliers.
     *
     * @param n number of values
     * @param mean arithmetic mean
     * @param std sample standard deviation; absent when n &lt; 2
     * @param cv coefficient of variation (a fraction); absent when n &lt; 2 or the mean is 0
     * @param min smallest value
     * @param max largest value
     * @param median the 0.5 quantile by linear interpolation
     * @param mad median absolute deviation, unscaled
     * @param outliers 0-based positions of values flagged as outliers
     */
    public Descriptive {
        outliers = List.copyOf(outliers);
    }

    /**
     * Describes the values. For other quantiles use {@link Percentiles#of}.
     *
     * @param values the values
     * @return the statistics
     * @throws IllegalArgumentException when there are no values or one is NaN or infinite
     */
    public static Descriptive of(double... values) {
        CycleSample.of(values); // checks: non-empty, finite
        int n = values.length;
        double mean = Resampling.sum(values) / n;
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        Optional<Double> std = n < 2 ? Optional.empty() : Optional.of(std(values, mean));
        Optional<Double> cv = std.filter(s -> mean != 0).map(s -> s / Math.abs(mean));
        double median = Percentiles.linear(sorted, 0.5);
        return new Descriptive(n, mean, std, cv, sorted[0], sorted[n - 1], median, Outliers.mad(values, median),
                Outliers.flag(values));
    }

    /** Sample standard deviation (n − 1), two-pass about the given mean. */
    static double std(double[] values, double mean) {
        double ss = 0;
        for (double v : values) {
            ss += (v - mean) * (v - mean);
        }
        return Math.sqrt(ss / (values.length - 1));
    }
}
