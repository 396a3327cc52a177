package dev.lem.metrics;

import dev.lem.stats.Percentiles;
import java.util.Arrays;
import java.util.Optional;

/**
 * Distribution of a latency, in milliseconds. Percentiles by linear interpolation (numpy default,
 * R type 7).
 *
 * @param n      samples
 * @param mean   mean, ms
 * @param std    sample standard deviation, ms (0 for one sample)
 * @param min    minimum, ms
 * @param p50    median, ms
 * @param p90    90th percentile, ms
 * @param p95    95th percentile, ms
 * @param p99    99th percentile, ms
 * @param p999   99.9th percentile, ms — only with at least 1,000 samples
 * @param max    maximum, ms
 */
public record LatencyStats(int n, double mean, double std, double min, double p50, double p90, double p95,
        double p99, Optional<Double> p999, double max) {

    /**
     * Statistics of samples given in nanoseconds; empty for no samples.
     *
     * @param nanos the samples, ns
     * @return the statistics, ms; empty for no samples
     */
    public static Optional<LatencyStats> ofNanos(double[] nanos) {
        if (nanos.length == 0) {
            return Optional.empty();
        }
        double[] ms = Arrays.stream(nanos).map(x -> x / 1e6).sorted().toArray();
        double mean = Arrays.stream(ms).average().orElseThrow();
        double ss = 0;
        for (double v : ms) {
            ss += (v - mean) * (v - mean);
        }
        double std = ms.length < 2 ? 0 : Math.sqrt(ss / (ms.length - 1));
        return Optional.of(new LatencyStats(ms.length, mean, std, ms[0], Percentiles.linear(ms, 0.5),
                Percentiles.linear(ms, 0.9), Percentiles.linear(ms, 0.95), Percentiles.linear(ms, 0.99),
                ms.length >= 1000 ? Optional.of(Percentiles.linear(ms, 0.999)) : Optional.empty(),
                ms[ms.length - 1]));
    }
}
