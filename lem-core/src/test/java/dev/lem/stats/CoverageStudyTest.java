package dev.lem.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Coverage study: how often each method's 95% interval contains the true value, over {@value #TRIALS}
 * simulated experiments for every population, number of cycles n and method. It prints the table of
 * docs/statistics.md, checks that the documented table is what it measures, and checks that
 * {@link CiMethod#auto} follows it. About 10–20 s on one core.
 *
 * <p>Tolerance: a coverage estimated from T = 2,000 trials has binomial standard error
 * SE = √(p(1 − p)/T): 0.0049 at p = 0.95, 0.0075 at p = 0.87. Checks against a known value allow
 * 4 SE ({@value #TOLERANCE}); a correct implementation then fails with probability below 10⁻⁴ per
 * check even with other random numbers, while an error in a formula (such as the sign of the BCa
 * acceleration) moves the skewed cells by more. Comparisons between methods allow 2 SE.
 *
 * <p>Bootstrap intervals here use {@value #RESAMPLES} resamples instead of the default 10,000 to keep
 * the study short; that adds Monte Carlo noise to each end point but no material bias at this
 * resolution.
 */
class CoverageStudyTest {
    static final int TRIALS = 2_000;
    static final int RESAMPLES = 1_000;
    static final double LEVEL = 0.95;
    static final double TOLERANCE = 0.02;
    static final int[] SIZES = {3, 5, 10, 20, 30, 50, 100};

    /** Simulated populations with a known true value of the statistic. */
    enum Population {
        /** Normal(100, 10²): the t interval is exact. */
        NORMAL("normal", 100),
        /** Lognormal(0, 0.5²): moderately right-skewed (skewness 1.75); mean e^0.125. */
        LOGNORMAL_05("lognormal σ=0.5", Math.exp(0.125)),
        /** Lognormal(0, 1): strongly right-skewed (skewness 6.2); mean e^0.5. */
        LOGNORMAL_10("lognormal σ=1", Math.exp(0.5)),
        /**
         * Ratio of sums: tokens xᵢ = 1000·lognormal(0, 0.2²), joules yᵢ = xᵢ·cᵢ with cᵢ ~ lognormal(0, 0.5²)
         * independent of xᵢ; Σy/Σx estimates E[y]/E[x] = E[c] = e^0.125.
         */
        RATIO("ratio J/token", Math.exp(0.125));

        final String label;
        final double truth;

        Population(String label, double truth) {
            this.label = label;
            this.truth = truth;
        }

        CycleSample sample(int n, SplittableRandom rng) {
            double[] x = new double[n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                switch (this) {
                    case NORMAL -> x[i] = 100 + 10 * rng.nextGaussian();
                    case LOGNORMAL_05 -> x[i] = Math.exp(0.5 * rng.nextGaussian());
                    case LOGNORMAL_10 -> x[i] = Math.exp(rng.nextGaussian());
                    case RATIO -> {
                        x[i] = 1000 * Math.exp(0.2 * rng.nextGaussian());
                        y[i] = x[i] * Math.exp(0.5 * rng.nextGaussian());
                    }
                }
            }
            return this == RATIO ? CycleSample.ratioOfSums(y, x) : CycleSample.of(x);
        }
    }

    /**
     * One cell of the table.
     *
     * @param coverage share of intervals containing the truth
     * @param missLow  share lying entirely below the truth
     */
    record Cell(double coverage, double missLow) {
        double missHigh() {
            return 1 - coverage - missLow;
        }
    }

    /**
     * The intervals compared: the three methods, and t on the log scale, which is what {@code t} gives for a
     * positive quantity (every figure of a summary but the idle-adjusted energies).
     */
    enum Variant {
        T("t", CiMethod.T, false),
        T_LOG("t (log)", CiMethod.T, true),
        PERCENTILE("percentile", CiMethod.PERCENTILE, false),
        BCA("BCa", CiMethod.BCA, false);

        final String label;
        final CiMethod method;
        final boolean positive;

        Variant(String label, CiMethod method, boolean positive) {
            this.label = label;
            this.method = method;
            this.positive = positive;
        }

        static Variant of(CiMethod m, boolean positive) {
            return m == CiMethod.T ? (positive ? T_LOG : T) : m == CiMethod.BCA ? BCA : PERCENTILE;
        }
    }

    static final Map<Population, Map<Integer, Map<Variant, Cell>>> RESULTS = new EnumMap<>(Population.class);

    @BeforeAll
    static void simulate() {
        for (Population p : Population.values()) {
            Map<Integer, Map<Variant, Cell>> byN = new LinkedHashMap<>();
            for (int n : SIZES) {
                Map<Variant, Cell> byMethod = new EnumMap<>(Variant.class);
                for (Variant v : Variant.values()) {
                    byMethod.put(v, simulate(p, n, StatsTesting.config(LEVEL, RESAMPLES, v.method.configName()),
                            v.positive));
                }
                byN.put(n, byMethod);
            }
            RESULTS.put(p, byN);
        }
        System.out.println(table());
    }

    /** The same data for every method: the data stream is seeded by population and n only. */
    private static Cell simulate(Population p, int n, IntervalSettings cfg, boolean positive) {
        SplittableRandom data = new SplittableRandom(31L * p.ordinal() + n);
        int covered = 0;
        int below = 0;
        for (int t = 0; t < TRIALS; t++) {
            Estimate e = CrossCycleStatistics.estimate(p.sample(n, data), cfg, t, positive);
            double lo = e.ciLow().orElseThrow();
            double hi = e.ciHigh().orElseThrow();
            if (hi < p.truth) {
                below++;
            } else if (lo <= p.truth) {
                covered++;
            }
        }
        return new Cell((double) covered / TRIALS, (double) below / TRIALS);
    }

    /** The markdown table of docs/statistics.md: coverage (% missing below / % missing above). */
    static String table() {
        StringBuilder t = new StringBuilder("| population | n | t | t (log) | percentile | BCa | auto |\n"
                + "|---|---:|---|---|---|---|---|\n");
        RESULTS.forEach((p, byN) -> byN.forEach((n, byMethod) -> {
            t.append("| ").append(p.label).append(" | ").append(n);
            for (Variant m : Variant.values()) {
                Cell c = byMethod.get(m);
                t.append(String.format(Locale.ROOT, " | %.3f (%.1f / %.1f)", c.coverage(), 100 * c.missLow(),
                        100 * c.missHigh()));
            }
            t.append(" | ").append(Variant.T_LOG.label).append(" (otherwise ").append(CiMethod.auto(n).configName())
                    .append(") |\n");
        }));
        return t.toString();
    }

    static double se(double p) {
        return Math.sqrt(p * (1 - p) / TRIALS);
    }

    @Test
    void tIsExactForNormalData() {
        RESULTS.get(Population.NORMAL).forEach((n, byMethod) ->
                assertThat(byMethod.get(Variant.T).coverage()).as("n = %d", n).isCloseTo(LEVEL, within(TOLERANCE)));
    }

    /**
     * The log-scale t interval (what positive figures get) keeps t's coverage on normal data, where the two nearly
     * coincide, and covers skewed positive data at least as well as plain t (within 2 SE) at every n.
     */
    @Test
    void tOnTheLogScaleIsAtLeastAsGoodAsTForPositiveData() {
        RESULTS.get(Population.NORMAL).forEach((n, byMethod) -> assertThat(byMethod.get(Variant.T_LOG).coverage())
                .as("n = %d", n).isCloseTo(LEVEL, within(TOLERANCE)));
        for (Population p : Population.values()) {
            RESULTS.get(p).forEach((n, byMethod) -> {
                double log = byMethod.get(Variant.T_LOG).coverage();
                assertThat(log).as("%s n = %d", p, n)
                        .isGreaterThanOrEqualTo(byMethod.get(Variant.T).coverage() - 2 * se(log));
            });
        }
    }

    /**
     * For normal data the bootstrap distribution of the mean is close to normal with variance
     * σ̂²_ML/n = (n − 1)s²/n², so the percentile interval is about x̄ ± z·s·√((n − 1)/n)/√n and covers
     * with probability 2·F_t(n−1)(1.95996·√((n − 1)/n)) − 1 (computed with scipy.stats.t.cdf). n = 3
     * is left out: its bootstrap distribution is too discrete for the normal approximation.
     */
    @Test
    void percentileMatchesItsTheoreticalUndercoverageForNormalData() {
        Map<Integer, Double> theory = Map.of(5, 0.8455, 10, 0.9041, 20, 0.9287, 30, 0.9362, 50, 0.9419, 100, 0.946);
        theory.forEach((n, expected) -> assertThat(RESULTS.get(Population.NORMAL).get(n).get(Variant.PERCENTILE)
                .coverage()).as("n = %d", n).isCloseTo(expected, within(TOLERANCE)));
    }

    /** Every method approaches the nominal level with many cycles (n = 100), except in the σ=1 tail. */
    @Test
    void everyMethodIsNearNominalAtOneHundredCycles() {
        for (Population p : Population.values()) {
            double allowance = p == Population.LOGNORMAL_10 ? 0.035 : TOLERANCE;
            RESULTS.get(p).get(100).forEach((m, c) ->
                    assertThat(c.coverage()).as("%s %s", p, m).isCloseTo(LEVEL, within(allowance)));
        }
    }

    /**
     * The rules of {@code auto}. For a positive quantity (every summary figure but the idle-adjusted energies) it
     * takes t on the log scale at every n: no other interval covers better by more than 2 SE in any population.
     * For a quantity that may be negative it takes t below {@value CiMethod#AUTO_BCA_FROM_CYCLES} cycles (no other
     * covers better by more than 2 SE) and BCa from then on (at most 2 SE worse than t, with its misses split more
     * evenly between the two sides, see docs/statistics.md).
     */
    @Test
    void autoFollowsTheStudy() {
        for (int n : SIZES) {
            Variant signed = Variant.of(CiMethod.auto(n), false);
            for (Population p : Population.values()) {
                Map<Variant, Cell> row = RESULTS.get(p).get(n);
                double log = row.get(Variant.T_LOG).coverage();
                for (Variant other : Variant.values()) {
                    assertThat(log).as("auto for positive figures (t log) vs %s on %s, n = %d", other, p, n)
                            .isGreaterThanOrEqualTo(row.get(other).coverage() - 2 * se(log));
                }
                double mine = row.get(signed).coverage();
                for (Variant other : List.of(Variant.T, Variant.PERCENTILE, Variant.BCA)) {
                    if (signed == Variant.T || other == Variant.T) {
                        assertThat(mine).as("auto(%d) = %s vs %s on %s", n, signed, other, p)
                                .isGreaterThanOrEqualTo(row.get(other).coverage() - 2 * se(mine));
                    }
                }
            }
        }
    }

    /** docs/statistics.md shows what this study measures (within 4 SE, so a re-run with other seeds fits). */
    @Test
    void documentedTableIsWhatTheStudyMeasures() throws IOException {
        Path doc = Path.of("..", "docs", "statistics.md");
        assertThat(doc).as("docs/statistics.md, read from the lem-core module directory").exists();
        Map<String, double[]> documented = new HashMap<>();
        for (String line : Files.readAllLines(doc)) {
            String[] cols = line.split("\\|");
            boolean studyRow = cols.length >= 7 && cols[2].trim().matches("\\d+")
                    && Arrays.stream(Population.values()).anyMatch(p -> p.label.equals(cols[1].trim()));
            if (studyRow) {
                double[] cov = new double[Variant.values().length];
                for (int i = 0; i < cov.length; i++) {
                    cov[i] = Double.parseDouble(cols[3 + i].trim().split(" ")[0]);
                }
                documented.put(cols[1].trim() + "/" + cols[2].trim(), cov);
            }
        }
        RESULTS.forEach((p, byN) -> byN.forEach((n, byMethod) -> {
            double[] cov = documented.get(p.label + "/" + n);
            assertThat(cov).as("docs/statistics.md row for %s, n = %d (copy the table printed by this test)", p.label, n)
                    .isNotNull();
            for (Variant m : Variant.values()) {
                assertThat(byMethod.get(m).coverage()).as("%s n=%d %s", p.label, n, m)
                        .isCloseTo(cov[m.ordinal()], within(TOLERANCE));
            }
        }));
    }
}
