package dev.lem.examples.bench;

import dev.lem.stats.CiMethod;
import dev.lem.stats.IntervalSettings;
import dev.lem.stats.Comparison;
import dev.lem.stats.CrossCycleStatistics;
import dev.lem.stats.Estimate;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of the cross-cycle statistics: one interval (with descriptive statistics and outlier flags)
 * for {@code samples} per-cycle values and {@code resamples} bootstrap resamples. Target: BCa of
 * 1,000 values with 10,000 resamples in at most 50 ms. Single-threaded, like the library.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class StatsBenchmark {
    @Param("1000")
    int samples;

    @Param("10000")
    int resamples;

    private double[] values;
    private double[] tokens;
    private double[] other;

    /** One benchmark state; JMH creates it. */
    public StatsBenchmark() {
        // the same as the implicit constructor; declared so that it can carry this comment
    }

    /** Draws the seeded samples every benchmark reads. */
    @Setup
    public void setUp() {
        SplittableRandom rng = new SplittableRandom(42);
        values = new double[samples];
        tokens = new double[samples];
        other = new double[samples];
        for (int i = 0; i < samples; i++) {
            values[i] = Math.exp(0.5 * rng.nextGaussian());
            tokens[i] = 1000 * Math.exp(0.2 * rng.nextGaussian());
            other[i] = 0.9 * Math.exp(0.5 * rng.nextGaussian());
        }
    }

    private IntervalSettings config(String method) {
        return new IntervalSettings(0.95, resamples, CiMethod.named(method));
    }

    /**
     * The target: BCa interval of a mean.
     *
     * @return the estimate, returned so that JMH keeps the work
     */
    @Benchmark
    public Estimate bcaMean() {
        return CrossCycleStatistics.mean(values, config("bca"), 7);
    }

    /**
     * Percentile bootstrap interval of a mean.
     *
     * @return the estimate, returned so that JMH keeps the work
     */
    @Benchmark
    public Estimate percentileMean() {
        return CrossCycleStatistics.mean(values, config("percentile"), 7);
    }

    /**
     * BCa interval of a ratio of sums (energy over tokens).
     *
     * @return the estimate, returned so that JMH keeps the work
     */
    @Benchmark
    public Estimate bcaRatioOfSums() {
        return CrossCycleStatistics.ratioOfSums(values, tokens, config("bca"), 7);
    }

    /**
     * Two-sample BCa: both samples resampled, difference and ratio intervals.
     *
     * @return the comparison, returned so that JMH keeps the work
     */
    @Benchmark
    public Comparison bcaComparison() {
        return Comparison.of(values, other, config("bca"), 7);
    }

    /**
     * Student-t interval of a mean (no resampling): the baseline cost.
     *
     * @return the estimate, returned so that JMH keeps the work
     */
    @Benchmark
    public Estimate tMean() {
        return CrossCycleStatistics.mean(values, config("t"), 7);
    }
}
