package dev.lem.backend.djl.internal;

import dev.lem.config.DecodingPreset;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.config.DecodingConfig;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static final float[] LOGITS = {1f, 3f, 2.5f, -1f, 3f, 0f};
    private static final int[] NONE = {};

    private static DecodingConfig sampling(double temperature, int topK, double topP) {
        return new DecodingConfig(DecodingPreset.STANDARD, false, temperature, topK, topP, false);
    }

    @Test
    void greedyTakesTheLowestIdOfTheLargestLogit() {
        assertThat(Sampler.next(LOGITS.clone(), 0, 6, DecodingConfig.greedyDecoding(false), new SplittableRandom(1),
                NONE)).isEqualTo(1);
        assertThat(Sampler.next(LOGITS.clone(), 0, 6, sampling(0.0, 0, 1.0), new SplittableRandom(1), NONE))
                .as("temperature 0 is greedy").isEqualTo(1);
    }

    @Test
    void blockedTokensAreNeverChosen() {
        float[] l = LOGITS.clone();
        assertThat(Sampler.next(l, 0, 6, DecodingConfig.greedyDecoding(false), new SplittableRandom(1),
                new int[] {1, 4})).isEqualTo(2);
    }

    @Test
    void rowsAreReadAtTheirOffset() {
        float[] two = new float[12];
        System.arraycopy(LOGITS, 0, two, 6, 6);
        assertThat(Sampler.next(two, 6, 6, DecodingConfig.greedyDecoding(false), new SplittableRandom(1), NONE))
                .isEqualTo(1);
    }

    @Test
    void topKLimitsTheCandidates() {
        Set<Integer> seen = new HashSet<>();
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < 2000; i++) {
            seen.add(Sampler.next(LOGITS.clone(), 0, 6, sampling(5.0, 2, 1.0), rng, NONE));
        }
        assertThat(seen).containsExactlyInAnyOrder(1, 4);
    }

    @Test
    void topPKeepsTheSmallestSetReachingTheMass() {
        // probabilities at temperature 1: ids 1 and 4 hold ~0.34 each, id 2 ~0.21: top_p 0.6 keeps 1 and 4
        Set<Integer> seen = new HashSet<>();
        SplittableRandom rng = new SplittableRandom(4);
        for (int i = 0; i < 2000; i++) {
            seen.add(Sampler.next(LOGITS.clone(), 0, 6, sampling(1.0, 0, 0.6), rng, NONE));
        }
        assertThat(seen).containsExactlyInAnyOrder(1, 4);
    }

    @Test
    void samplingFollowsTheSoftmaxAndIsReproducibleFromTheSeed() {
        int[] counts = new int[6];
        SplittableRandom rng = new SplittableRandom(5);
        int n = 60_000;
        for (int i = 0; i < n; i++) {
            counts[Sampler.next(LOGITS.clone(), 0, 6, sampling(1.0, 0, 1.0), rng, NONE)]++;
        }
        double z = 0;
        for (float f : LOGITS) {
            z += Math.exp(f);
        }
        for (int i = 0; i < 6; i++) {
            double p = Math.exp(LOGITS[i]) / z;
            assertThat(counts[i] / (double) n).as("frequency of " + i).isCloseTo(p, org.assertj.core.data.Offset.offset(
                    4 * Math.sqrt(p * (1 - p) / n) + 1e-4));
        }
        int[] a = new int[50];
        int[] b = new int[50];
        SplittableRandom r1 = new SplittableRandom(9);
        SplittableRandom r2 = new SplittableRandom(9);
        for (int i = 0; i < 50; i++) {
            a[i] = Sampler.next(LOGITS.clone(), 0, 6, sampling(0.7, 4, 0.95), r1, NONE);
            b[i] = Sampler.next(LOGITS.clone(), 0, 6, sampling(0.7, 4, 0.95), r2, NONE);
        }
        assertThat(a).containsExactly(b);
    }

    @Test
    void topIndicesOrdersByLogitThenIdWithPartialSelection() {
        float[] big = new float[1000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (i * 37) % 101;
        }
        big[500] = Float.NaN;
        int[] top = Sampler.topIndices(big, 0, 1000, 5);
        assertThat(top).hasSize(5);
        for (int id : top) {
            assertThat(big[id]).isEqualTo(100f);
        }
        assertThat(top).isSorted();
        int[] all = Sampler.topIndices(big, 0, 1000, 1000);
        assertThat(all[999]).as("NaN counts as -infinity").isEqualTo(500);
    }
}
