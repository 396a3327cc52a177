package dev.lem.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class DescriptiveTest {
    /**
     * Reference values from numpy 2.4 / scipy 1.17 on this machine:
     * <pre>
     * x = np.array([12.1, 9.8, 11.4, 10.2, 13.7, 10.9, 9.5, 11.8, 10.4, 15.2])
     * x.mean(), x.std(ddof=1), np.percentile(x, [0, 10, 25, 50, 90, 95, 99, 100]),
     * scipy.stats.median_abs_deviation(x)
     * </pre>
     */
    static final double[] X = {12.1, 9.8, 11.4, 10.2, 13.7, 10.9, 9.5, 11.8, 10.4, 15.2};

    @Test
    void matchesNumpyAndScipy() {
        Descriptive d = Descriptive.of(X);
        assertThat(d.n()).isEqualTo(10);
        assertThat(d.mean()).isCloseTo(11.5, within(1e-12));
        assertThat(d.std()).hasValueSatisfying(s -> assertThat(s).isCloseTo(1.7993826101687702, within(1e-12)));
        assertThat(d.cv()).hasValueSatisfying(c -> assertThat(c).isCloseTo(0.1564680530581539, within(1e-12)));
        assertThat(d.min()).isEqualTo(9.5);
        assertThat(d.max()).isEqualTo(15.2);
        assertThat(d.median()).isCloseTo(11.15, within(1e-12));
        assertThat(d.mad()).isCloseTo(0.95, within(1e-12));
        double[][] pct = {{0, 9.5}, {0.1, 9.77}, {0.25, 10.25}, {0.5, 11.15}, {0.9, 13.85}, {0.95, 14.525},
            {0.99, 15.065}, {1, 15.2}};
        for (double[] p : pct) {
            assertThat(Percentiles.of(X, p[0])).as("p = %s", p[0]).isCloseTo(p[1], within(1e-12));
        }
        assertThat(d.outliers()).isEmpty();
    }

    /**
     * Worked by hand: x = 2, 4, 4, 4, 5, 5, 7, 9. Mean 5; Σ(x − 5)² = 32, so std = √(32/7);
     * median 4.5; |x − 4.5| = 2.5, .5, .5, .5, .5, .5, 2.5, 4.5, so MAD = 0.5 and σ̂ = 0.7413;
     * the cut-off 3.5·σ̂ = 2.595 flags only 9 (deviation 4.5), at position 7.
     */
    @Test
    void handWorkedSampleWithOneOutlier() {
        Descriptive d = Descriptive.of(2, 4, 4, 4, 5, 5, 7, 9);
        assertThat(d.mean()).isEqualTo(5.0);
        assertThat(d.std()).hasValueSatisfying(s -> assertThat(s).isCloseTo(Math.sqrt(32.0 / 7), within(1e-12)));
        assertThat(d.median()).isEqualTo(4.5);
        assertThat(d.mad()).isEqualTo(0.5);
        assertThat(d.outliers()).containsExactly(7);
    }

    @Test
    void percentilesInterpolateLinearlyBetweenOrderStatistics() {
        // h = (n − 1)·p = 3·0.5 = 1.5: halfway between the 2nd and 3rd order statistics
        assertThat(Percentiles.of(new double[] {40, 10, 30, 20}, 0.5)).isEqualTo(25.0);
        assertThat(Percentiles.linear(new double[] {7}, 0.99)).isEqualTo(7.0);
        assertThatThrownBy(() -> Percentiles.linear(new double[] {1, 2}, 1.5)).hasMessageContaining("p (1.5)");
        assertThatThrownBy(() -> Percentiles.linear(new double[0], 0.5)).hasMessageContaining("no values");
    }

    @Test
    void oneValueHasNoSpreadAndZeroMeanHasNoCv() {
        Descriptive one = Descriptive.of(3.0);
        assertThat(one.std()).isEmpty();
        assertThat(one.cv()).isEmpty();
        assertThat(one.mad()).isZero();
        Descriptive zeroMean = Descriptive.of(-1, 1);
        assertThat(zeroMean.std()).hasValue(Math.sqrt(2));
        assertThat(zeroMean.cv()).isEmpty();
    }

    @Test
    void rejectsNonFiniteAndEmptyInputNamingThePosition() {
        assertThatThrownBy(() -> Descriptive.of(1, Double.NaN, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("values[1] is NaN");
        assertThatThrownBy(() -> Descriptive.of(1, Double.POSITIVE_INFINITY))
                .hasMessageContaining("values[1] is Infinity");
        assertThatThrownBy(() -> Descriptive.of()).hasMessageContaining("no values");
    }

    @Test
    void madOfZeroFallsBackToTheMeanAbsoluteDeviation() {
        // MAD = 0 (four of five equal); mean |x − 10| = 0.4, σ̂ = 1.2533·0.4 = 0.501, cut-off 1.75 < 2
        assertThat(Outliers.flag(new double[] {10, 10, 12, 10, 10})).containsExactly(2);
        // mean |x − 10| = 0.6, σ̂ = 0.752, cut-off 2.63 > 2: nothing flagged
        assertThat(Outliers.flag(new double[] {10, 10, 10, 11, 12})).isEmpty();
        assertThat(Outliers.flag(new double[] {4, 4, 4})).isEmpty();
    }

    @Test
    void flagsAtMostTheFarValuesOfANormalSample() {
        var rng = new java.util.SplittableRandom(7);
        double[] x = new double[1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = 50 + 5 * rng.nextGaussian();
        }
        x[123] = 50 + 5 * 6; // six sigma
        List<Integer> flagged = Outliers.flag(x);
        assertThat(flagged).contains(123).hasSizeLessThan(5); // about 0.5 expected by chance
        flagged.forEach(i -> assertThat(Math.abs(x[i] - 50)).isGreaterThan(3.5 * 5 * 0.9));
    }
}
