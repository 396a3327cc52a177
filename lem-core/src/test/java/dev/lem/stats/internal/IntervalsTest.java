package dev.lem.stats.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.stats.internal.Intervals.Ci;
import org.junit.jupiter.api.Test;

/**
 * The BCa formulas on fixed replicates, against an independent computation with
 * {@code scipy.special.ndtr / ndtri} and {@code np.percentile} (scipy 1.17, numpy 2.4):
 * <pre>
 * p  = ((reps &lt; theta).sum() + (reps &lt;= theta).sum()) / (2 * len(reps)); z0 = ndtri(p)
 * d  = jack.mean() - jack;  a = (d**3).sum() / (6 * ((d**2).sum())**1.5)
 * za = ndtri((1 - level) / 2)
 * a1 = ndtr(z0 + (z0 + za) / (1 - a * (z0 + za)));  a2 = ndtr(z0 + (z0 - za) / (1 - a * (z0 - za)))
 * np.percentile(reps, 100 * a1), np.percentile(reps, 100 * a2)
 * # two samples g1, g2: U = (n - 1) * (g.mean() - g)
 * a = sum((U**3).sum() / n**3) / 6 / sum((U**2).sum() / n**2)**1.5
 * </pre>
 */
class IntervalsTest {
    static final double[] REPS = {3.1, 4.0, 4.4, 4.9, 5.0, 5.0, 5.2, 5.5, 5.9, 6.3, 6.8, 7.4, 8.6, 9.9, 12.5};
    static final double[][] JACK = {{4.1, 4.6, 5.0, 5.3, 6.9}};

    @Test
    void biasCorrectionCountsTiesAsHalf() {
        // 4 replicates below 5.0 and 2 equal: share (4 + 6) / 30 = 1/3
        assertThat(Intervals.biasCorrection(REPS, 5.0)).isCloseTo(-0.43072729929545756, within(1e-9));
        assertThat(Intervals.biasCorrection(REPS, 1.0)).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(Intervals.biasCorrection(REPS, 99)).isEqualTo(Double.POSITIVE_INFINITY);
    }

    @Test
    void accelerationMatchesTheJackknifeFormula() {
        assertThat(Intervals.acceleration(JACK)).isCloseTo(-0.06320072822388449, within(1e-14));
        assertThat(Intervals.acceleration(new double[][] {{1, 2, 3}})).isZero(); // symmetric
        assertThat(Intervals.acceleration(new double[][] {{2, 2, 2}})).isZero(); // no spread: 0, not NaN
        assertThat(Intervals.acceleration(new double[][] {{1.0, 2.0, 4.0}, {3.0, 3.5, 5.0, 9.0}}))
                .isCloseTo(-0.05806923829834947, within(1e-14));
    }

    @Test
    void bcaMatchesTheIndependentComputation() {
        Ci ci = Intervals.bca(REPS, 5.0, JACK, 0.90);
        assertThat(ci.method()).isEqualTo(Intervals.BCA);
        assertThat(ci.low()).isCloseTo(3.1302843448291866, within(1e-8));
        assertThat(ci.high()).isCloseTo(7.159297177396231, within(1e-8));
        Ci ci80 = Intervals.bca(REPS, 5.0, JACK, 0.80);
        assertThat(ci80.low()).isCloseTo(3.218021661314166, within(1e-8));
        assertThat(ci80.high()).isCloseTo(6.327561202588977, within(1e-8));
    }

    @Test
    void bcaWithoutBiasOrAccelerationIsThePercentileInterval() {
        double[] symmetric = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        Ci bca = Intervals.bca(symmetric, 5, new double[][] {{1, 2, 3}}, 0.9);
        Ci pct = Intervals.percentile(symmetric, 0.9);
        assertThat(bca.low()).isCloseTo(pct.low(), within(1e-12));
        assertThat(bca.high()).isCloseTo(pct.high(), within(1e-12));
        // 5% and 95% quantiles of 1..9 by linear interpolation: 1 + 8·0.05, 1 + 8·0.95
        assertThat(pct.low()).isCloseTo(1.4, within(1e-12));
        assertThat(pct.high()).isCloseTo(8.6, within(1e-12));
    }

    @Test
    void bcaFallsBackToPercentileWhenUndefinedAndSaysWhy() {
        Ci ci = Intervals.bca(REPS, 1.0, JACK, 0.9);
        assertThat(ci.method()).isEqualTo(Intervals.PERCENTILE);
        assertThat(ci.note()).contains("BCa undefined").contains("one side of the estimate");
        Ci nan = Intervals.bca(REPS, 5.0, new double[][] {{1, Double.POSITIVE_INFINITY}}, 0.9);
        assertThat(nan.method()).isEqualTo(Intervals.PERCENTILE);
        assertThat(nan.note()).contains("leave-one-out");
        // |â| ≤ 1/6 always (Σ|d|³ ≤ (Σd²)^{3/2}); one far leave-one-out value among 1,000 nearly reaches it
        double[] far = new double[1000];
        far[999] = 1000;
        assertThat(Intervals.acceleration(new double[][] {far})).isBetween(-1.0 / 6, -0.16);
        // so 1 − â(ẑ₀ + z_α) ≤ 0 needs |ẑ₀ + z_α| ≥ 6: θ̂ at the bottom of 10,000 replicates (ẑ₀ = −3.9)
        // and a 99.9% level (z = −3.29)
        double[] reps = new double[10_000];
        for (int i = 0; i < reps.length; i++) {
            reps[i] = i;
        }
        Ci wild = Intervals.bca(reps, 0, new double[][] {far}, 0.999);
        assertThat(wild.method()).isEqualTo(Intervals.PERCENTILE);
        assertThat(wild.note()).contains("outside (0, 1)");
    }

    @Test
    void tIntervalUsesStudentQuantiles() {
        // t(4, 0.975) = 2.7764451051977987 (scipy.stats.t.ppf(0.975, 4))
        Ci ci = Intervals.t(10, 2, 4, 0.95, Intervals.T);
        assertThat(ci.high() - 10).isCloseTo(2 * 2.7764451051977987, within(1e-7));
        assertThat(Intervals.normalQuantile(0.975)).isCloseTo(1.959963984540054, within(1e-12));
        assertThat(Intervals.normalCdf(-1)).isCloseTo(0.15865525393145707, within(1e-12));
    }

    @Test
    void sortedFiniteDropsNonFiniteReplicates() {
        assertThat(Intervals.sortedFinite(new double[] {3, Double.NaN, 1, Double.POSITIVE_INFINITY, 2}))
                .containsExactly(1, 2, 3);
    }
}
