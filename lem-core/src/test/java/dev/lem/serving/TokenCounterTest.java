package dev.lem.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.spi.FinishReason;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The token counting of one request, from canned events of each kind the servers send. */
class TokenCounterTest {

    private static StreamChunk text(String t) {
        return new StreamChunk(false, Optional.empty(), true, t, null, OptionalInt.empty(), OptionalInt.empty(),
                Optional.empty(), Map.of());
    }

    private static StreamChunk ids(String t, Integer... ids) {
        return new StreamChunk(false, Optional.empty(), true, t, List.of(ids), OptionalInt.empty(), OptionalInt.empty(),
                Optional.empty(), Map.of());
    }

    private static StreamChunk continuous(String t, int completionSoFar) {
        return new StreamChunk(false, Optional.empty(), true, t, null, OptionalInt.of(5), OptionalInt.of(completionSoFar),
                Optional.empty(), Map.of());
    }

    private static StreamChunk finish(String reason) {
        return new StreamChunk(false, Optional.empty(), true, "", null, OptionalInt.empty(), OptionalInt.empty(),
                Optional.of(reason), Map.of());
    }

    private static StreamChunk usage(int prompt, int completion) {
        return new StreamChunk(false, Optional.empty(), false, null, null, OptionalInt.of(prompt),
                OptionalInt.of(completion), Optional.empty(), Map.of());
    }

    @Test
    void tokenIdsCountEachChunkAndTheFinalUsageWins() {
        TokenCounter c = new TokenCounter();
        assertThat(c.chunk(ids("Hel", 1, 2))).isEqualTo(2);
        assertThat(c.chunk(ids("lo", 3))).isEqualTo(1);
        assertThat(c.chunk(finish("length"))).isZero();
        assertThat(c.chunk(usage(7, 3))).as("usage-only chunk carries no output").isZero();
        TokenCounter.Result r = c.result();
        assertThat(r).isEqualTo(new TokenCounter.Result(3, 7, "server_usage", false, false));
        assertThat(c.finish(3, 3)).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void withoutUsageTheIdsAreTheCount() {
        TokenCounter c = new TokenCounter();
        c.chunk(ids("a", 1, 2, 3));
        c.chunk(finish("stop"));
        assertThat(c.result()).isEqualTo(new TokenCounter.Result(3, 0, "server_token_ids", false, false));
        assertThat(c.finish(3, 10)).isEqualTo(FinishReason.STOP);
        assertThat(c.ended()).isTrue();
    }

    @Test
    void continuousUsageCountsTheGrowthPerChunk() {
        TokenCounter c = new TokenCounter();
        assertThat(c.chunk(continuous("a b", 2))).isEqualTo(2);
        assertThat(c.chunk(continuous("c d e", 5))).isEqualTo(3);
        assertThat(c.chunk(continuous("", 5))).isZero();
        assertThat(c.result()).isEqualTo(new TokenCounter.Result(5, 5, "server_usage", false, false));
    }

    @Test
    void aFinalUsageThatDisagreesWithTheChunksIsTakenAndFlagged() {
        TokenCounter c = new TokenCounter();
        c.chunk(ids("a", 1));
        c.chunk(ids("b", 2));
        c.chunk(usage(4, 3));
        assertThat(c.result()).isEqualTo(new TokenCounter.Result(3, 4, "server_usage", true, false));
    }

    @Test
    void textOnlyChunksCountOneEachAndSaySo() {
        TokenCounter c = new TokenCounter();
        assertThat(c.chunk(text("one"))).isEqualTo(1);
        assertThat(c.chunk(text(""))).isZero();
        assertThat(c.chunk(text(" two"))).isEqualTo(1);
        assertThat(c.ended()).as("no finish reason, no usage").isFalse();
        assertThat(c.result()).isEqualTo(new TokenCounter.Result(2, 0, "chunk_count_fallback", false, true));
        assertThat(c.finish(2, 2)).isEqualTo(FinishReason.LENGTH);
        assertThat(c.finish(1, 2)).isEqualTo(FinishReason.UNKNOWN);
    }

    @Test
    void aWholeResponseWithoutCountsIsEstimatedAtFourCharactersPerToken() {
        TokenCounter c = new TokenCounter();
        assertThat(c.whole(text("twelve chars"))).isEqualTo(3);
        assertThat(c.result()).isEqualTo(new TokenCounter.Result(3, 0, "estimated_4_chars_per_token", false, true));
        TokenCounter u = new TokenCounter();
        assertThat(u.whole(new StreamChunk(false, Optional.empty(), true, "x", null, OptionalInt.of(9),
                OptionalInt.of(6), Optional.of("eos"), Map.of()))).isEqualTo(6);
        assertThat(u.result()).isEqualTo(new TokenCounter.Result(6, 9, "server_usage", false, false));
        assertThat(u.finish(6, 64)).isEqualTo(FinishReason.STOP);
    }
}
