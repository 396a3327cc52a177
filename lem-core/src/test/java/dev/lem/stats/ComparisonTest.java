package dev.lem.stats;

import static dev.lem.stats.StatsTesting.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * A vs B against values computed independently with scipy 1.17 / numpy 2.4:
 * <pre>
 * stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)                 # Welch, B − A
 * ra, rb = stats.sem(a)/a.mean(), stats.sem(b)/b.mean(); df = Welch–Satterthwaite on ra², rb²
 * np.exp(np.log(b.mean()/a.mean()) ± stats.t.ppf(.975, df)*np.hypot(ra, rb))         # t, B / A
 * stats.bootstrap((a, b), lambda a, b, axis=-1: b.mean(axis) - a.mean(axis), n_resamples=200_000,
 *                 method=m, rng=np.random.default_rng(s))   # and b.mean/a.mean; mean over s = 0..3
 * </pre>
 * Bootstrap references carry Monte Carlo error (spread between seeds ≤ 3·10⁻⁴), hence the 10⁻³ tolerance.
 */
class ComparisonTest {
    static final double[] A = {0.52, 0.55, 0.50, 0.58, 0.53, 0.51, 0.56, 0.54};
    static final double[] B = {0.47, 0.45, 0.49, 0.44, 0.50, 0.46, 0.48};

    @Test
    void welchAndLogDeltaIntervalsMatchScipy() {
        Comparison c = Comparison.of(A, B, config("t"), 1);
        assertThat(c.difference()).isCloseTo(-0.06625, within(1e-12));
        assertThat(c.ratio()).hasValueSatisfying(r -> assertThat(r).isCloseTo(0.8764568764568761, within(1e-12)));
        Interval d = c.differenceCi().orElseThrow();
        assertThat(d.method()).isEqualTo("t_welch");
        assertThat(d.low()).isCloseTo(-0.09322190284188187, within(1e-8));
        assertThat(d.high()).isCloseTo(-0.03927809715811853, within(1e-8));
        Interval r = c.ratioCi().orElseThrow();
        assertThat(r.low()).isCloseTo(0.8308439555873965, within(1e-8));
        assertThat(r.high()).isCloseTo(0.9245739240474492, within(1e-8));
        assertThat(c.differenceExcludesZero()).isTrue();
        assertThat(c.ratioExcludesOne()).isTrue();
    }

    @Test
    void twoSampleBootstrapIntervalsMatchScipy() {
        Comparison p = Comparison.of(A, B, config(0.95, 200_000, "percentile"), 5);
        assertThat(p.differenceCi().orElseThrow().low()).isCloseTo(-0.08924107142857143, within(1e-3));
        assertThat(p.differenceCi().orElseThrow().high()).isCloseTo(-0.04375, within(1e-3));
        assertThat(p.ratioCi().orElseThrow().low()).isCloseTo(0.837573385518591, within(1e-3));
        assertThat(p.ratioCi().orElseThrow().high()).isCloseTo(0.9164677804295942, within(1e-3));
        Comparison b = Comparison.of(A, B, config(0.95, 200_000, "bca"), 5);
        assertThat(b.note()).isEmpty();
        assertThat(b.differenceCi().orElseThrow().method()).isEqualTo("bootstrap_bca");
        assertThat(b.differenceCi().orElseThrow().low()).isCloseTo(-0.08982142857142861, within(1e-3));
        assertThat(b.differenceCi().orElseThrow().high()).isCloseTo(-0.04428571428571432, within(1e-3));
        assertThat(b.ratioCi().orElseThrow().low()).isCloseTo(0.8367237549977007, within(1e-3));
        assertThat(b.ratioCi().orElseThrow().high()).isCloseTo(0.915642975793002, within(1e-3));
    }

    @Test
    void describesTheChangeAsASentence() {
        Comparison c = Comparison.of(A, B, config("t"), 1);
        // 1 − 0.87646 = 12.35% lower; CI from 1 − 0.92457 = 7.5% to 1 − 0.83084 = 16.9% lower
        assertThat(c.percentChange()).hasValueSatisfying(p -> assertThat(p).isCloseTo(-12.354, within(1e-3)));
        assertThat(c.describe("A", "B", "energy per token"))
                .isEqualTo("B has 12.4% lower energy per token than A (95% CI 7.5–16.9% lower)");
        Comparison up = Comparison.of(B, A, config(0.9, 10_000, "t"), 1);
        assertThat(up.describe("fp16", "fp32", "energy per token"))
                .startsWith("fp32 has 14.1% higher energy per token than fp16 (90% CI ").endsWith("% higher)");
    }

    @Test
    void anIntervalThatIncludesNoChangeSaysSo() {
        double[] a = {10.0, 10.5, 9.8, 10.3, 9.9};
        double[] b = {10.1, 9.7, 10.4, 10.0, 9.9};
        for (String m : new String[] {"t", "percentile", "bca"}) {
            Comparison c = Comparison.of(a, b, config(m), 2);
            assertThat(c.differenceExcludesZero()).as(m).isFalse();
            assertThat(c.ratioExcludesOne()).as(m).isFalse();
            assertThat(c.describe("A", "B", "latency")).as(m).contains("no significant difference")
                    .contains("lower to").contains("higher");
        }
    }

    @Test
    void ratioOfSumsSamplesAreComparedCycleByCycle() {
        CycleSample a = CycleSample.ratioOfSums(new double[] {520, 498, 545, 610}, new double[] {1000, 980, 1010, 1100});
        CycleSample b = CycleSample.ratioOfSums(new double[] {440, 430, 470, 445}, new double[] {1000, 990, 1020, 1005});
        Comparison c = Comparison.of(a, b, config("bca"), 3);
        assertThat(c.estimateA()).isCloseTo(2173.0 / 4090, within(1e-15));
        assertThat(c.estimateB()).isCloseTo(1785.0 / 4015, within(1e-15));
        assertThat(c.ratioExcludesOne()).isTrue();
        assertThat(c.ratioCi().orElseThrow().high()).isLessThan(1);
        assertThat(c.ratioCi().orElseThrow().low()).isLessThan(c.ratio().orElseThrow());
    }

    @Test
    void sameSeedSameComparison() {
        assertThat(Comparison.of(A, B, config("bca"), 8)).isEqualTo(Comparison.of(A, B, config("bca"), 8));
    }

    @Test
    void degenerateInputsGiveClearResults() {
        Comparison one = Comparison.of(new double[] {1}, B, config("bca"), 0);
        assertThat(one.differenceCi()).isEmpty();
        assertThat(one.ratioCi()).isEmpty();
        assertThat(one.note()).contains("at least 2 cycles of each (A: 1, B: 7)");
        assertThat(one.describe("A", "B", "energy")).contains("no interval");
        Comparison zeroA = Comparison.of(new double[] {-1, 1}, B, config("percentile"), 0);
        assertThat(zeroA.ratio()).isEmpty();
        assertThat(zeroA.ratioCi()).isEmpty();
        assertThat(zeroA.differenceCi()).isPresent();
        assertThat(zeroA.note()).contains("A's estimate is 0");
        assertThat(zeroA.describe("A", "B", "x")).startsWith("B − A in x: ");
        Comparison same = Comparison.of(new double[] {2, 2}, new double[] {3, 3, 3}, config("t"), 0);
        assertThat(same.differenceCi().orElseThrow().low()).isEqualTo(1.0);
        assertThat(same.ratioCi().orElseThrow().high()).isEqualTo(1.5);
        assertThat(same.note()).contains("zero-width");
        Comparison negative = Comparison.of(new double[] {-2, -3}, new double[] {-1, -2}, config("t"), 0);
        assertThat(negative.ratioCi()).isEmpty();
        assertThat(negative.note()).contains("needs both estimates > 0");
        assertThatThrownBy(() -> Comparison.of(A, new double[] {Double.NaN}, config("t"), 0))
                .hasMessageContaining("values[0] is NaN");
    }
}
