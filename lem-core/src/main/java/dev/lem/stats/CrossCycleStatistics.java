package dev.lem.stats;

import dev.lem.config.StatsConfig;
import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * Statistics across cycles, as used for every metric of a result's summary.
 *
 * <p>Plain metrics (a per-cycle value such as a p99 latency) get the mean of the per-cycle values;
 * ratio metrics (joules per token, tokens per second) get the ratio of sums, with an interval from
 * resampling whole cycles — never the mean of per-cycle ratios.
 */
public final class CrossCycleStatistics {

    private CrossCycleStatistics() {
    }

    /** Mean of per-cycle values with a confidence interval chosen by {@code config.ciMethod()}. */
    public static Estimate mean(double[] values, StatsConfig config, long seed) {
        checkFinite(values, "values");
        int n = values.length;
        if (n == 0) {
            throw new IllegalArgumentException("no values: at least one cycle is needed");
        }
        double mean = Arrays.stream(values).average().orElseThrow();
        if (n < 2) {
            return new Estimate(n, mean, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                    config.confidenceLevel(), "none", "one cycle: no spread and no interval (run cycles >= 2)");
        }
        double sd = std(values, mean);
        Optional<Double> cv = mean == 0 ? Optional.empty() : Optional.of(sd / Math.abs(mean));
        if (sd == 0) {
            return new Estimate(n, mean, Optional.of(0.0), cv, Optional.of(mean), Optional.of(mean),
                    config.confidenceLevel(), "none", "all cycles gave the same value");
        }
        double level = config.confidenceLevel();
        double t = new TDistribution(n - 1).inverseCumulativeProbability(0.5 + level / 2);
        double half = t * sd / Math.sqrt(n);
        return new Estimate(n, mean, Optional.of(sd), cv, Optional.of(mean - half), Optional.of(mean + half), level,
                "t", "");
    }

    /**
     * Σ numerators / Σ denominators over cycles, with a percentile bootstrap interval from resampling
     * whole cycles (seeded).
     */
    public static Estimate ratioOfSums(double[] numerators, double[] denominators, StatsConfig config, long seed) {
        checkFinite(numerators, "numerators");
        checkFinite(denominators, "denominators");
        if (numerators.length != denominators.length || numerators.length == 0) {
            throw new IllegalArgumentException("numerators and denominators must be non-empty and of equal length");
        }
        int n = numerators.length;
        double num = Arrays.stream(numerators).sum();
        double den = Arrays.stream(denominators).sum();
        if (den == 0) {
            throw new IllegalArgumentException("the denominators sum to 0; the ratio is undefined");
        }
        double ratio = num / den;
        double[] perCycle = new double[n];
        for (int i = 0; i < n; i++) {
            perCycle[i] = denominators[i] == 0 ? Double.NaN : numerators[i] / denominators[i];
        }
        double[] finite = Arrays.stream(perCycle).filter(Double::isFinite).toArray();
        double pm = Arrays.stream(finite).average().orElse(ratio);
        Optional<Double> sd = finite.length < 2 ? Optional.empty() : Optional.of(std(finite, pm));
        Optional<Double> cv = sd.filter(s -> ratio != 0).map(s -> s / Math.abs(ratio));
        if (n < 2) {
            return new Estimate(n, ratio, sd, cv, Optional.empty(), Optional.empty(), config.confidenceLevel(),
                    "none", "one cycle: no interval (run cycles >= 2)");
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int b = config.bootstrapResamples();
        double[] boots = new double[b];
        int kept = 0;
        for (int r = 0; r < b; r++) {
            double sn = 0;
            double sdn = 0;
            for (int i = 0; i < n; i++) {
                int k = rng.nextInt(n);
                sn += numerators[k];
                sdn += denominators[k];
            }
            if (sdn != 0) {
                boots[kept++] = sn / sdn;
            }
        }
        double[] sorted = Arrays.copyOf(boots, kept);
        Arrays.sort(sorted);
        double alpha = 1 - config.confidenceLevel();
        double lo = Percentiles.linear(sorted, alpha / 2);
        double hi = Percentiles.linear(sorted, 1 - alpha / 2);
        return new Estimate(n, ratio, sd, cv, Optional.of(lo), Optional.of(hi), config.confidenceLevel(),
                "bootstrap_percentile", "");
    }

    static double std(double[] values, double mean) {
        double ss = 0;
        for (double v : values) {
            ss += (v - mean) * (v - mean);
        }
        return Math.sqrt(ss / (values.length - 1));
    }

    private static void checkFinite(double[] values, String what) {
        for (double v : values) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException(what + " contain a non-finite value (" + v
                        + "); a cycle produced no valid figure");
            }
        }
    }
}
