package dev.lem.stats.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ResamplingTest {

    /**
     * Chi-square goodness of fit of the index draws, for a size that needs rejection (n = 3, where
     * 2³² mod 3 = 1) and one that does not divide 2³² (n = 1000). With k − 1 degrees of freedom the
     * statistic has mean k − 1 and sd √(2(k − 1)); 6 sd above the mean fails a biased generator only.
     */
    @Test
    void indicesAreUniform() {
        for (int n : new int[] {3, 7, 1000}) {
            SplittableRandom rng = new SplittableRandom(n);
            long[] counts = new long[n];
            int draws = 2_000 * n;
            for (int i = 0; i < draws; i++) {
                counts[Resampling.index(rng, n)]++;
            }
            double expected = (double) draws / n;
            double chi2 = 0;
            for (long c : counts) {
                chi2 += (c - expected) * (c - expected) / expected;
            }
            assertThat(chi2).as("n = %d", n).isLessThan(n - 1 + 6 * Math.sqrt(2.0 * (n - 1)));
        }
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < 1000; i++) {
            assertThat(Resampling.index(rng, Integer.MAX_VALUE)).isBetween(0, Integer.MAX_VALUE - 1);
            assertThat(Resampling.index(rng, 1)).isZero();
        }
    }

    @Test
    void jackknifeLeavesOneCycleOut() {
        assertThat(Resampling.jackknife(new double[] {1, 2, 6}, null)).containsExactly(4, 3.5, 1.5);
        // (Σnum − numᵢ) / (Σden − denᵢ) with Σnum = 9, Σden = 6: 8/5, 7/4, 3/3
        assertThat(Resampling.jackknife(new double[] {1, 2, 6}, new double[] {1, 2, 3}))
                .containsExactly(8.0 / 5, 7.0 / 4, 3.0 / 3);
    }

    @Test
    void bootstrapMeansCentreOnTheSampleMeanWithTheMlVariance() {
        double[] x = {1, 2, 3, 4, 10};
        double[] reps = Resampling.bootstrap(x, null, 200_000, new SplittableRandom(3));
        double mean = Resampling.sum(reps) / reps.length;
        double var = 0;
        for (double r : reps) {
            var += (r - mean) * (r - mean);
        }
        var /= reps.length - 1;
        // E* = x̄ = 4; Var* = Σ(x − x̄)²/n² = 50/25 = 2
        assertThat(mean).isCloseTo(4, within(0.01));
        assertThat(var).isCloseTo(2, within(0.03));
    }

    @Test
    void ratioReplicatesKeepEachCycleWhole() {
        // every cycle has num = 2·den, so every replicate is exactly 2
        double[] reps = Resampling.bootstrap(new double[] {2, 4, 8}, new double[] {1, 2, 4}, 1000,
                new SplittableRandom(1));
        assertThat(reps).containsOnly(2.0);
    }
}
