package dev.lem.workload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.config.BatchingConfig;
import dev.lem.config.BatchingStrategy;
import dev.lem.config.DecodingConfig;
import dev.lem.spi.GenerationRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatcherTest {
    /** Requests whose prompt length in "tokens" is the number in their id. */
    private static List<GenerationRequest> requests(int... lengths) {
        List<GenerationRequest> out = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            out.add(new GenerationRequest("r" + i + ":" + lengths[i], "x".repeat(lengths[i]), null, 10, 0,
                    DecodingConfig.greedyDecoding(true), i, false));
        }
        return out;
    }

    private static List<List<Integer>> lengths(List<List<GenerationRequest>> batches) {
        return batches.stream().map(b -> b.stream().map(r -> r.prompt().length()).toList()).toList();
    }

    @Test
    void staticKeepsOrderAndFillsBatches() {
        var b = Batcher.batches(requests(5, 1, 9, 3, 7), new BatchingConfig(2, BatchingStrategy.STATIC, 1000), r -> r.prompt().length());
        assertThat(lengths(b)).containsExactly(List.of(5, 1), List.of(9, 3), List.of(7));
    }

    @Test
    void sortedGroupsSimilarLengthsSoLessPaddingIsNeeded() {
        List<GenerationRequest> rs = requests(5, 1, 9, 3, 7, 2);
        var sorted = Batcher.batches(rs, new BatchingConfig(2, BatchingStrategy.SORTED, 1000), r -> r.prompt().length());
        assertThat(lengths(sorted)).containsExactly(List.of(1, 2), List.of(3, 5), List.of(7, 9));
        var plain = Batcher.batches(rs, new BatchingConfig(2, BatchingStrategy.STATIC, 1000), r -> r.prompt().length());
        assertThat(padding(sorted)).isLessThan(padding(plain));
        assertThat(sorted.stream().mapToInt(List::size).sum()).isEqualTo(rs.size());
    }

    @Test
    void dynamicFillsUpToThePaddedTokenBudget() {
        // budget 60 tokens of (longest prompt + 10 output) per row:
        // [1,2,3] -> 3 rows x (3 + 10) = 39; adding 5 would make 4 x 15 = 60 (fits); adding 7 -> 5 x 17 = 85 (no)
        var b = Batcher.batches(requests(7, 1, 3, 5, 2, 40), new BatchingConfig(8, BatchingStrategy.DYNAMIC, 60),
                r -> r.prompt().length());
        assertThat(lengths(b)).containsExactly(List.of(1, 2, 3, 5), List.of(7), List.of(40));
        for (List<GenerationRequest> batch : b) {
            int longest = batch.stream().mapToInt(r -> r.prompt().length()).max().orElseThrow();
            assertThat(batch.size() == 1 || batch.size() * (longest + 10) <= 60).as("budget kept: " + batch).isTrue();
        }
    }

    @Test
    void dynamicAlsoRespectsTheBatchSize() {
        var b = Batcher.batches(requests(1, 1, 1, 1, 1), new BatchingConfig(2, BatchingStrategy.DYNAMIC, 10_000), r -> 1);
        assertThat(b).extracting(List::size).containsExactly(2, 2, 1);
    }

    private static int padding(List<List<GenerationRequest>> batches) {
        int pad = 0;
        for (List<GenerationRequest> batch : batches) {
            int longest = batch.stream().mapToInt(r -> r.prompt().length()).max().orElseThrow();
            pad += batch.stream().mapToInt(r -> longest - r.prompt().length()).sum();
        }
        return pad;
    }
}
