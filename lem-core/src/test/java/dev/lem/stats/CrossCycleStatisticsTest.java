package dev.lem.stats;

import static dev.lem.stats.StatsTesting.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Intervals of a mean and of a ratio of sums against values computed independently.
 *
 * <p>References from numpy 2.4 / scipy 1.17 on this machine, with the data below:
 * <pre>
 * stats.t.interval(0.95, 9, loc=x.mean(), scale=stats.sem(x))                      # t
 * R = y.sum()/t.sum(); d = (y - R*t)/t.mean(); R ± stats.t.ppf(.975, 5)*d.std(ddof=1)/√6   # t_delta
 * stats.bootstrap((x,), np.mean, n_resamples=200_000, method=m, rng=np.random.default_rng(s))
 * stats.bootstrap((y, t), lambda y, t, axis=-1: y.sum(axis)/t.sum(axis), paired=True,
 *                 vectorized=True, n_resamples=200_000, method=m)
 * </pre>
 * SciPy's bootstrap uses its own random numbers, so bootstrap bounds agree only up to Monte Carlo
 * error: the mean over seeds 0–3 is the reference and the tolerance is a few times the spread between
 * seeds (at most 0.006 here; the data are discrete, so many bounds fall on the same atom every time).
 */
class CrossCycleStatisticsTest {
    static final double[] X = DescriptiveTest.X;
    static final double[] JOULES = {520, 498, 545, 610, 505, 530};
    static final double[] TOKENS = {1000, 980, 1010, 1100, 990, 1005};

    @Test
    void tIntervalMatchesScipy() {
        Estimate e = CrossCycleStatistics.mean(X, config("t"), 1);
        assertThat(e.method()).isEqualTo("t");
        assertThat(e.ciLow()).hasValueSatisfying(v -> assertThat(v).isCloseTo(10.21279922333225, within(1e-7)));
        assertThat(e.ciHigh()).hasValueSatisfying(v -> assertThat(v).isCloseTo(12.787200776667753, within(1e-7)));
        Estimate e90 = CrossCycleStatistics.mean(X, StatsTesting.config(0.90, 10_000, "t"), 1);
        assertThat(e90.ciLow()).hasValueSatisfying(v -> assertThat(v).isCloseTo(10.456931715692077, within(1e-7)));
        assertThat(e90.level()).isEqualTo(0.90);
    }

    /** Worked by hand: x = 1, 2, 3; mean 2, s = 1, t(2, 0.975) = 4.3027 (tables), half-width 4.3027/√3. */
    @Test
    void tIntervalWorkedByHand() {
        Estimate e = CrossCycleStatistics.mean(new double[] {1, 2, 3}, config("t"), 0);
        assertThat(e.halfWidth()).hasValueSatisfying(h -> assertThat(h).isCloseTo(4.302653 / Math.sqrt(3), within(1e-5)));
        assertThat(e.std()).hasValue(1.0);
        assertThat(e.cv()).hasValue(0.5);
    }

    @Test
    void bootstrapIntervalsOfTheMeanMatchScipy() {
        Estimate p = CrossCycleStatistics.mean(X, config(0.95, 200_000, "percentile"), 11);
        assertThat(p.method()).isEqualTo("bootstrap_percentile");
        assertThat(p.ciLow()).hasValueSatisfying(v -> assertThat(v).isCloseTo(10.525, within(0.02)));
        assertThat(p.ciHigh()).hasValueSatisfying(v -> assertThat(v).isCloseTo(12.63, within(0.02)));
        Estimate b = CrossCycleStatistics.mean(X, config(0.95, 200_000, "bca"), 11);
        assertThat(b.method()).isEqualTo("bootstrap_bca");
        assertThat(b.note()).isEmpty();
        assertThat(b.ciLow()).hasValueSatisfying(v -> assertThat(v).isCloseTo(10.635, within(0.02)));
        assertThat(b.ciHigh()).hasValueSatisfying(v -> assertThat(v).isCloseTo(12.8225, within(0.02)));
    }

    @Test
    void ratioOfSumsIsNotTheMeanOfRatios() {
        // Σnum/Σden = 10/4 = 2.5, while the per-cycle ratios 1 and 3 average 2
        Estimate e = CrossCycleStatistics.ratioOfSums(new double[] {1, 9}, new double[] {1, 3}, config("t"), 0);
        assertThat(e.mean()).isEqualTo(2.5);
        assertThat(e.std()).hasValueSatisfying(s -> assertThat(s).isCloseTo(Math.sqrt(2), within(1e-12)));
    }

    @Test
    void ratioIntervalsMatchTheDeltaMethodAndScipy() {
        Estimate t = CrossCycleStatistics.ratioOfSums(JOULES, TOKENS, config("t"), 3);
        assertThat(t.mean()).isCloseTo(0.5271980279375513, within(1e-15));
        assertThat(t.method()).isEqualTo("t_delta");
        assertThat(t.ciLow()).hasValueSatisfying(v -> assertThat(v).isCloseTo(0.5078488615496796, within(1e-8)));
        assertThat(t.ciHigh()).hasValueSatisfying(v -> assertThat(v).isCloseTo(0.5465471943254231, within(1e-8)));
        Estimate p = CrossCycleStatistics.ratioOfSums(JOULES, TOKENS, config(0.95, 200_000, "percentile"), 3);
        assertThat(p.ciLow()).hasValueSatisfying(v -> assertThat(v).isCloseTo(0.5143576826196473, within(5e-4)));
        assertThat(p.ciHigh()).hasValueSatisfying(v -> assertThat(v).isCloseTo(0.5408406026962728, within(5e-4)));
        Estimate b = CrossCycleStatistics.ratioOfSums(JOULES, TOKENS, config(0.95, 200_000, "bca"), 3);
        assertThat(b.method()).isEqualTo("bootstrap_bca");
        assertThat(b.ciLow()).hasValueSatisfying(v -> assertThat(v).isCloseTo(0.5157010915197313, within(5e-4)));
        assertThat(b.ciHigh()).hasValueSatisfying(v -> assertThat(v).isCloseTo(0.5425396825396825, within(5e-4)));
    }

    @Test
    void sameDataAndSeedGiveTheSameIntervalAndAnotherSeedAnother() {
        for (String m : new String[] {"percentile", "bca"}) {
            Estimate a = CrossCycleStatistics.mean(X, config(m), 42);
            Estimate b = CrossCycleStatistics.mean(X.clone(), config(m), 42);
            Estimate c = CrossCycleStatistics.mean(X, config(m), 43);
            assertThat(b).isEqualTo(a);
            assertThat(c.ciLow().orElseThrow() != a.ciLow().orElseThrow()
                    || c.ciHigh().orElseThrow() != a.ciHigh().orElseThrow()).as(m).isTrue();
        }
    }

    @Test
    void autoPicksByTheNumberOfCycles() {
        assertThat(CrossCycleStatistics.mean(X, config("auto"), 0).method()).isEqualTo("t");
        double[] many = new double[CiMethod.AUTO_BCA_FROM_CYCLES];
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < many.length; i++) {
            many[i] = 10 + rng.nextGaussian();
        }
        assertThat(CrossCycleStatistics.mean(many, config("auto"), 0).method()).isEqualTo("bootstrap_bca");
    }

    @Test
    void oneCycleGivesNoIntervalAndSaysWhy() {
        for (String m : new String[] {"t", "percentile", "bca", "auto"}) {
            Estimate e = CrossCycleStatistics.mean(new double[] {4.2}, config(m), 0);
            assertThat(e.mean()).isEqualTo(4.2);
            assertThat(e.ciLow()).isEmpty();
            assertThat(e.halfWidth()).isEmpty();
            assertThat(e.std()).isEmpty();
            assertThat(e.method()).isEqualTo("none");
            assertThat(e.note()).contains("one cycle");
        }
    }

    @Test
    void identicalCyclesGiveAZeroWidthIntervalAndSayWhy() {
        for (String m : new String[] {"t", "percentile", "bca"}) {
            Estimate e = CrossCycleStatistics.mean(new double[] {0.1, 0.1, 0.1}, config(m), 0);
            assertThat(e.ciLow()).hasValue(e.mean());
            assertThat(e.ciHigh()).hasValue(e.mean());
            assertThat(e.method()).isEqualTo("none");
            assertThat(e.note()).contains("all 3 cycles gave the same value");
            Estimate r = CrossCycleStatistics.ratioOfSums(new double[] {2, 4, 6}, new double[] {1, 2, 3}, config(m), 0);
            assertThat(r.ciLow()).hasValue(2.0);
            assertThat(r.ciHigh()).hasValue(2.0);
        }
    }

    @Test
    void badInputIsRejectedNamingTheProblem() {
        assertThatThrownBy(() -> CrossCycleStatistics.mean(new double[] {1, Double.NaN}, config("t"), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("values[1] is NaN");
        assertThatThrownBy(() -> CrossCycleStatistics.mean(new double[0], config("t"), 0))
                .hasMessageContaining("at least one cycle");
        assertThatThrownBy(() -> CrossCycleStatistics.ratioOfSums(new double[] {1, 2}, new double[] {1}, config("t"), 0))
                .hasMessageContaining("one value per cycle");
        assertThatThrownBy(() -> CrossCycleStatistics.ratioOfSums(new double[] {1, 2}, new double[] {0, 0}, config("t"), 0))
                .hasMessageContaining("denominators sum to 0");
        assertThatThrownBy(() -> CrossCycleStatistics.ratioOfSums(new double[] {1}, new double[] {Double.NEGATIVE_INFINITY},
                config("t"), 0)).hasMessageContaining("denominators[0] is -Infinity");
        assertThatThrownBy(() -> CrossCycleStatistics.mean(X, config(1.0, 10_000, "t"), 0))
                .hasMessageContaining("stats.confidence_level (1.0) must be between 0 and 1");
        assertThatThrownBy(() -> CrossCycleStatistics.mean(X, config(0.95, 10, "bca"), 0))
                .hasMessageContaining("stats.bootstrap_resamples (10) must be >= 100");
        assertThatThrownBy(() -> CrossCycleStatistics.mean(X, config("jackknife"), 0))
                .hasMessageContaining("stats.ci_method (\"jackknife\") must be auto, t, percentile or bca");
    }

    @Test
    void aCycleWithZeroDenominatorKeepsTheRatioAndNotesDroppedResamples() {
        // cycle 1 produced no tokens: its energy still counts in Σ energy / Σ tokens
        double[] joules = {50, 20, 55, 52};
        double[] tokens = {100, 0, 110, 104};
        Estimate e = CrossCycleStatistics.ratioOfSums(joules, tokens, config(0.95, 2_000, "percentile"), 9);
        assertThat(e.mean()).isCloseTo(177.0 / 314, within(1e-15));
        assertThat(e.ciLow()).isPresent();
        // 1 in 4⁴ resamples picks cycle 1 four times: about 8 of 2,000 are left out and counted in the note
        assertThat(e.note()).containsPattern("\\d+ of 2000 resamples were left out");
        assertThat(e.std()).isPresent(); // over the three cycles that have a per-cycle ratio
    }

    @Test
    void outliersAreFlaggedButKept() {
        double[] v = {10.1, 9.9, 10.0, 10.2, 9.8, 10.1, 25.0, 10.0};
        Estimate e = CrossCycleStatistics.mean(v, config("t"), 0);
        assertThat(e.outlierCycles()).containsExactly(6);
        assertThat(e.mean()).isCloseTo(95.1 / 8, within(1e-12)); // the 25.0 is still in the mean
        Estimate r = CrossCycleStatistics.ratioOfSums(new double[] {10, 10, 10, 10, 10, 40}, new double[] {
            10, 10.1, 9.9, 10, 10.2, 10}, config("t"), 0);
        assertThat(r.outlierCycles()).containsExactly(5);
    }

    @Test
    void boundsAreNeverNanForSmallTiedOrSkewedSamples() {
        SplittableRandom rng = new SplittableRandom(1);
        for (int trial = 0; trial < 300; trial++) {
            int n = 2 + rng.nextInt(6);
            double[] num = new double[n];
            double[] den = new double[n];
            for (int i = 0; i < n; i++) {
                num[i] = rng.nextInt(3) * Math.exp(3 * rng.nextGaussian()); // zeros, ties, heavy skew
                den[i] = rng.nextInt(2);
            }
            den[0] = 1;
            for (String m : new String[] {"t", "percentile", "bca"}) {
                for (Estimate e : new Estimate[] {CrossCycleStatistics.mean(num, config(0.95, 200, m), trial),
                    CrossCycleStatistics.ratioOfSums(num, den, config(0.95, 200, m), trial)}) {
                    // the Estimate constructor rejects non-finite or unordered bounds
                    assertThat(e.ciLow()).isPresent();
                    assertThat(Double.isFinite(e.mean())).isTrue();
                }
            }
        }
    }
}
