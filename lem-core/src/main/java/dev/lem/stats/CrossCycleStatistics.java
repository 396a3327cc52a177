package dev.lem.stats;

import dev.lem.stats.internal.Intervals;
import dev.lem.stats.internal.Intervals.Ci;
import dev.lem.stats.internal.Resampling;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Statistics across cycles, as used for every metric of a result's summary.
 *
 * <p>Plain metrics (a per-cycle value such as a p99 latency) get the mean of the per-cycle values;
 * ratio metrics (joules per token, tokens per second) get the ratio of sums Σnum / Σden — never the
 * mean of per-cycle ratios — with an interval from resampling whole cycles.
 *
 * <p>The interval method is {@code stats.ci_method} ({@link IntervalSettings#method()}): {@code t}, {@code percentile}, {@code bca}, or
 * {@code auto} ({@link CiMethod#auto}). For a ratio, {@code t} uses the delta-method standard error
 * s_d/√n with dᵢ = (numᵢ − R·denᵢ)/mean(den) and n − 1 degrees of freedom ({@code t_delta}). Bootstrap
 * intervals use {@code stats.bootstrap_resamples} resamples drawn from a {@link SplittableRandom} seeded
 * with {@code seed}: the same values and seed give the same interval. Degenerate inputs give a clear
 * result, never NaN bounds: one cycle gives no interval, identical cycles a zero-width one (method
 * {@code none}, with a note), and a NaN or infinite value an {@link IllegalArgumentException}.
 * Outlying cycles are flagged ({@link Outliers}) in {@link Estimate#outlierCycles()}, never dropped.
 * Stateless and thread-safe.
 */
public final class CrossCycleStatistics {

    private CrossCycleStatistics() {
    }

    /**
     * Mean of per-cycle values with a confidence interval chosen by {@code config.method()}.
     *
     * @param values the per-cycle values
     * @param config the interval's method and level
     * @param seed the seed of the bootstrap's resampling
     * @return the mean with its interval
     * @throws IllegalArgumentException when there are no values, one is NaN or infinite, or the
     *                                  config's level, resample count or method is invalid
     */
    public static Estimate mean(double[] values, IntervalSettings config, long seed) {
        return estimate(CycleSample.of(values), config, seed);
    }

    /**
     * Σ numerators / Σ denominators over cycles, with an interval from resampling whole cycles (or the
     * delta method for {@code t}).
     *
     * @param numerators the per-cycle numerators
     * @param denominators the per-cycle denominators
     * @param config the interval's method and level
     * @param seed the seed of the bootstrap's resampling
     * @return the ratio with its interval
     * @throws IllegalArgumentException as {@link CycleSample#ratioOfSums} and {@link #mean}
     */
    public static Estimate ratioOfSums(double[] numerators, double[] denominators, IntervalSettings config, long seed) {
        return estimate(CycleSample.ratioOfSums(numerators, denominators), config, seed);
    }

    /**
     * The estimate of a sample's statistic (mean or ratio of sums) with its interval.
     *
     * @param sample the per-cycle observations
     * @param config the interval's method and level
     * @param seed the seed of the bootstrap's resampling
     * @return the statistic with its interval
     */
    public static Estimate estimate(CycleSample sample, IntervalSettings config, long seed) {
        return estimate(sample, config, seed, false);
    }

    /**
     * The estimate of a sample's statistic with its interval, knowing whether the quantity can only be positive
     * (a duration, a rate, an energy). For a positive quantity with a positive estimate the {@code t} interval is
     * computed on the log scale — exp(ln θ̂ ± t·se/θ̂), the delta method — so it never reaches below zero and is
     * wider above than below, as skewed positive data need ({@code t_log}, {@code t_delta_log}); bootstrap
     * intervals of positive data are positive already. See docs/statistics.md.
     *
     * @param sample the per-cycle observations
     * @param config the interval's method and level
     * @param seed the seed of the bootstrap's resampling
     * @param positive whether the quantity can only be positive
     * @return the statistic with its interval
     */
    public static Estimate estimate(CycleSample sample, IntervalSettings config, long seed, boolean positive) {
        double level = config.level();
        int resamples = config.resamples();
        // auto, for a positive quantity: t on the log scale at every n (the coverage study in docs/statistics.md:
        // it covers at least as well as BCa even at 100 cycles); otherwise t below 100 cycles, BCa from then on
        CiMethod method = config.method() == CiMethod.AUTO && positive ? CiMethod.T
                : config.method().forCycles(sample.n());
        int n = sample.n();
        double theta = sample.estimate();
        double[] per = sample.perCycle();
        int[] at = new int[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (Double.isFinite(per[i])) {
                per[k] = per[i];
                at[k++] = i;
            }
        }
        double[] finite = Arrays.copyOf(per, k);
        Optional<Double> std = k < 2 ? Optional.empty()
                : Optional.of(Descriptive.std(finite, Resampling.sum(finite) / k));
        Optional<Double> cv = std.filter(s -> theta != 0).map(s -> s / Math.abs(theta));
        List<Integer> outliers = new ArrayList<>();
        if (k > 0) {
            Outliers.flag(finite).forEach(j -> outliers.add(at[j]));
        }
        if (n < 2) {
            return new Estimate(n, theta, std, cv, Optional.empty(), level,
                    "one cycle: no spread and no interval (run cycles >= 2)", outliers);
        }
        if (k == n && Arrays.stream(finite).allMatch(v -> v == finite[0])) {
            return new Estimate(n, theta, std, cv, Optional.of(new Interval(theta, theta, "none")), level,
                    "all " + n + " cycles gave the same value: zero-width interval", outliers);
        }
        Optional<Ci> ci = interval(sample, method, level, resamples, seed, positive);
        return ci.map(c -> new Estimate(n, theta, std, cv, Optional.of(new Interval(c.low(), c.high(), c.method())),
                level, c.note(), outliers))
                .orElseGet(() -> new Estimate(n, theta, std, cv, Optional.empty(), level,
                        "no bootstrap resample had denominators with a non-zero sum", outliers));
    }

    /** The interval of a sample with n ≥ 2; empty only when no bootstrap replicate is finite. */
    static Optional<Ci> interval(CycleSample s, CiMethod method, double level, int resamples, long seed,
            boolean positive) {
        double theta = s.estimate();
        if (method == CiMethod.T && positive && theta > 0) {
            Ci log = Intervals.t(Math.log(theta), s.standardError() / theta, s.n() - 1, level,
                    s.isRatio() ? Intervals.T_DELTA_LOG : Intervals.T_LOG);
            return Optional.of(new Ci(Math.exp(log.low()), Math.exp(log.high()), log.method(), log.note()));
        }
        if (method == CiMethod.T) {
            return Optional.of(Intervals.t(theta, s.standardError(), s.n() - 1, level,
                    s.isRatio() ? Intervals.T_DELTA : Intervals.T));
        }
        double[] sorted = Intervals.sortedFinite(
                Resampling.bootstrap(s.numerators(), s.denominators(), resamples, new SplittableRandom(seed)));
        if (sorted.length == 0) {
            return Optional.empty();
        }
        Ci ci = method == CiMethod.PERCENTILE ? Intervals.percentile(sorted, level)
                : Intervals.bca(sorted, theta, new double[][] {Resampling.jackknife(s.numerators(), s.denominators())},
                        level);
        return Optional.of(withDropped(ci, resamples - sorted.length, resamples));
    }

    /** Adds to the note how many replicates were left out for a zero denominator. */
    static Ci withDropped(Ci ci, int dropped, int resamples) {
        if (dropped == 0) {
            return ci;
        }
        String d = dropped + " of " + resamples + " resamples were left out (denominators summing to 0)";
        return new Ci(ci.low(), ci.high(), ci.method(), ci.note().isEmpty() ? d : ci.note() + "; " + d);
    }

}
