package dev.lem.stats;

import dev.lem.stats.internal.Intervals;
import dev.lem.stats.internal.Intervals.Ci;
import dev.lem.stats.internal.Resampling;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.DoubleBinaryOperator;

/**
 * Configuration B against configuration A: the difference B − A and the ratio B / A of their estimates
 * (means, or ratios of sums such as joules per token), each with a confidence interval, and whether
 * the interval excludes "no difference" (0 for the difference, 1 for the ratio).
 *
 * <p>A's and B's cycles are independent runs, so bootstrap intervals resample A's cycles and B's cycles
 * separately (two-sample bootstrap) with {@code stats.bootstrap_resamples} resamples seeded by
 * {@code seed}; BCa takes its acceleration from the jackknife of both samples. The {@code t} method is
 * Welch's: the difference gets se = √(se_A² + se_B²) with Welch–Satterthwaite degrees of freedom; the
 * ratio gets the delta method on the log scale, exp(log(B/A) ± t·√((se_A/A)² + (se_B/B)²)), so it needs
 * both estimates &gt; 0. {@code auto} picks by the smaller sample size ({@link CiMethod#auto}). Cycles
 * are not paired.
 *
 * <p>Ratios and {@link #describe} are meant for positive metrics (energy, time, throughput).
 * {@link #describe} turns a comparison into a sentence such as
 * "B has 12.0% lower energy per token than A (95% CI 8.0–16.0% lower)".
 *
 * @param nA           A's cycles
 * @param nB           B's cycles
 * @param estimateA    A's estimate, in the metric's unit
 * @param estimateB    B's estimate, in the metric's unit
 * @param difference   B − A, in the metric's unit
 * @param differenceCi interval of B − A; absent when either side has fewer than 2 cycles
 * @param ratio        B / A (dimensionless); absent when A's estimate is 0
 * @param ratioCi      interval of B / A; absent when there is no ratio, fewer than 2 cycles, or (t) an estimate ≤ 0
 * @param level        confidence level, e.g. 0.95
 * @param note         why an interval is missing, degenerate or from a fallback method (empty otherwise)
 */
public record Comparison(int nA, int nB, double estimateA, double estimateB, double difference,
        Optional<Interval> differenceCi, Optional<Double> ratio, Optional<Interval> ratioCi, double level,
        String note) {

    /**
     * Compares plain per-cycle values of A and B (means).
     *
     * @param a the per-cycle values of A
     * @param b the per-cycle values of B
     * @param config the intervals' method and level
     * @param seed the seed of the bootstrap's resampling
     * @return the comparison of B with A
     */
    public static Comparison of(double[] a, double[] b, IntervalSettings config, long seed) {
        return of(CycleSample.of(a), CycleSample.of(b), config, seed);
    }

    /**
     * Compares two samples (both means, both ratios of sums, or one of each).
     *
     * @param a the sample of A
     * @param b the sample of B
     * @param config the intervals' method and level
     * @param seed the seed of the bootstrap's resampling
     * @return the comparison of B with A
     * @throws IllegalArgumentException for an invalid level, resample count or method in the config
     */
    public static Comparison of(CycleSample a, CycleSample b, IntervalSettings config, long seed) {
        double level = config.level();
        int resamples = config.resamples();
        CiMethod method = config.method().forCycles(Math.min(a.n(), b.n()));
        double ta = a.estimate();
        double tb = b.estimate();
        Optional<Double> ratio = ta == 0 ? Optional.empty() : Optional.of(tb / ta);
        List<String> notes = new ArrayList<>();
        if (ratio.isEmpty()) {
            notes.add("A's estimate is 0, so there is no ratio B / A");
        }
        Optional<Interval> diffCi = Optional.empty();
        Optional<Interval> ratioCi = Optional.empty();
        if (a.n() < 2 || b.n() < 2) {
            notes.add("an interval needs at least 2 cycles of each (A: " + a.n() + ", B: " + b.n() + ")");
        } else if (a.standardError() == 0 && b.standardError() == 0) {
            notes.add("every cycle of A and of B gave the same value: zero-width intervals");
            diffCi = Optional.of(new Interval(tb - ta, tb - ta, "none"));
            ratioCi = ratio.map(r -> new Interval(r, r, "none"));
        } else if (method == CiMethod.T) {
            diffCi = Optional.of(welch(tb - ta, a.standardError(), a.n(), b.standardError(), b.n(), level));
            if (ratio.isPresent() && ta > 0 && tb > 0) {
                Interval log = welch(Math.log(tb / ta), a.standardError() / ta, a.n(), b.standardError() / tb,
                        b.n(), level);
                ratioCi = Optional.of(new Interval(Math.exp(log.low()), Math.exp(log.high()), log.method()));
            } else if (ratio.isPresent()) {
                notes.add("the t interval of a ratio needs both estimates > 0 (use percentile or bca)");
            }
        } else {
            SplittableRandom rngA = new SplittableRandom(seed);
            SplittableRandom rngB = rngA.split();
            double[] ra = Resampling.bootstrap(a.numerators(), a.denominators(), resamples, rngA);
            double[] rb = Resampling.bootstrap(b.numerators(), b.denominators(), resamples, rngB);
            double[] ja = Resampling.jackknife(a.numerators(), a.denominators());
            double[] jb = Resampling.jackknife(b.numerators(), b.denominators());
            diffCi = bootstrapCi(method, ra, rb, ja, jb, ta, tb, (x, y) -> y - x, level, "B − A", notes);
            if (ratio.isPresent()) {
                ratioCi = bootstrapCi(method, ra, rb, ja, jb, ta, tb, (x, y) -> y / x, level, "B / A", notes);
            }
        }
        return new Comparison(a.n(), b.n(), ta, tb, tb - ta, diffCi, ratio, ratioCi, level, String.join("; ", notes));
    }

    private static Interval welch(double theta, double seA, int nA, double seB, int nB, double level) {
        double va = seA * seA;
        double vb = seB * seB;
        double df = (va + vb) * (va + vb) / (va * va / (nA - 1) + vb * vb / (nB - 1));
        Ci ci = Intervals.t(theta, Math.sqrt(va + vb), df, level, Intervals.T_WELCH);
        return new Interval(ci.low(), ci.high(), ci.method());
    }

    /** Percentile or BCa interval of f(A, B) from A's and B's replicates; f(θ_A, θ_B) is the estimate. */
    private static Optional<Interval> bootstrapCi(CiMethod method, double[] ra, double[] rb, double[] ja, double[] jb,
            double ta, double tb, DoubleBinaryOperator f, double level, String what, List<String> notes) {
        double[] reps = new double[ra.length];
        for (int r = 0; r < reps.length; r++) {
            reps[r] = f.applyAsDouble(ra[r], rb[r]);
        }
        double[] sorted = Intervals.sortedFinite(reps);
        if (sorted.length == 0) {
            notes.add(what + ": no resample gave a finite value");
            return Optional.empty();
        }
        Ci ci;
        if (method == CiMethod.PERCENTILE) {
            ci = Intervals.percentile(sorted, level);
        } else {
            double[] jackA = new double[ja.length];
            double[] jackB = new double[jb.length];
            for (int i = 0; i < ja.length; i++) {
                jackA[i] = f.applyAsDouble(ja[i], tb);
            }
            for (int i = 0; i < jb.length; i++) {
                jackB[i] = f.applyAsDouble(ta, jb[i]);
            }
            ci = Intervals.bca(sorted, f.applyAsDouble(ta, tb), new double[][] {jackA, jackB}, level);
        }
        ci = CrossCycleStatistics.withDropped(ci, reps.length - sorted.length, reps.length);
        if (!ci.note().isEmpty()) {
            notes.add(what + ": " + ci.note());
        }
        return Optional.of(new Interval(ci.low(), ci.high(), ci.method()));
    }

    /**
     * True when the interval of B − A excludes 0 (a difference at this level).
     *
     * @return whether the difference's interval excludes 0
     */
    public boolean differenceExcludesZero() {
        return differenceCi.map(i -> i.excludes(0)).orElse(false);
    }

    /**
     * True when the interval of B / A excludes 1.
     *
     * @return whether the ratio's interval excludes 1
     */
    public boolean ratioExcludesOne() {
        return ratioCi.map(i -> i.excludes(1)).orElse(false);
    }

    /**
     * B relative to A in percent, (B / A − 1) · 100: −12 means B is 12% lower.
     *
     * @return the change, %; empty when there is no ratio
     */
    public Optional<Double> percentChange() {
        return ratio.map(r -> (r - 1) * 100);
    }

    /**
     * One sentence for a paper or a log, e.g.
     * "B has 12.0% lower energy per token than A (95% CI 8.0–16.0% lower)" or, when the interval
     * includes no change, "... (95% CI 3.1% lower to 1.2% higher: no significant difference)".
     *
     * @param labelA   name of configuration A
     * @param labelB   name of configuration B
     * @param quantity what is compared, e.g. "energy per token"
     * @return the sentence
     */
    public String describe(String labelA, String labelB, String quantity) {
        String lvl = new DecimalFormat("0.##", DecimalFormatSymbols.getInstance(Locale.ROOT)).format(level * 100)
                + "% CI";
        if (ratio.isEmpty()) {
            String ci = differenceCi.map(i -> String.format(Locale.ROOT, " (%s %.4g to %.4g)", lvl, i.low(), i.high()))
                    .orElse(" (no interval: " + note + ")");
            return String.format(Locale.ROOT, "%s − %s in %s: %.4g%s", labelB, labelA, quantity, difference, ci);
        }
        double pct = percentChange().orElseThrow();
        String head = String.format(Locale.ROOT, "%s has %.1f%% %s %s than %s", labelB, Math.abs(pct),
                pct < 0 ? "lower" : "higher", quantity, labelA);
        if (ratioCi.isEmpty()) {
            return head + " (no interval: " + note + ")";
        }
        double lo = (ratioCi.get().low() - 1) * 100;
        double hi = (ratioCi.get().high() - 1) * 100;
        if (hi < 0) {
            return head + String.format(Locale.ROOT, " (%s %.1f–%.1f%% lower)", lvl, -hi, -lo);
        }
        if (lo > 0) {
            return head + String.format(Locale.ROOT, " (%s %.1f–%.1f%% higher)", lvl, lo, hi);
        }
        return head + String.format(Locale.ROOT, " (%s %.1f%% lower to %.1f%% higher: no significant difference)",
                lvl, -lo, hi);
    }

    /** B against A in one line: the difference and the ratio with their intervals. */
    @Override
    public String toString() {
        String lvl = Estimate.fmt(level * 100) + "% CI ";
        return "B − A = " + Estimate.fmt(difference) + differenceCi.map(i -> " (" + lvl + i + ")").orElse("")
                + ratio.map(r -> ", B / A = " + Estimate.fmt(r) + ratioCi.map(i -> " (" + lvl + i + ")").orElse(""))
                        .orElse("")
                + " (n = " + nA + " and " + nB + " cycles)" + (note.isEmpty() ? "" : "; " + note);
    }
}
