package dev.lem.serving;

import dev.lem.spi.FinishReason;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Counts the output and prompt tokens of one streamed request from the events the server sent, trusting
 * the best source available, and says which it was:
 * <ol>
 *   <li>{@code server_usage}: the final usage chunk's {@code completion_tokens} (OpenAI {@code stream_options:
 *       {include_usage: true}}), or vLLM's continuous usage (cumulative {@code completion_tokens} on every chunk);</li>
 *   <li>{@code server_token_ids}: the token ids of every chunk (vLLM {@code return_token_ids});</li>
 *   <li>{@code chunk_count_fallback}: one token per chunk with text (exact for servers that stream one token per
 *       event, such as Triton; an undercount for servers that batch tokens into chunks);</li>
 *   <li>{@code estimated_4_chars_per_token}: a whole (non-streamed) response with no count at all.</li>
 * </ol>
 * Each chunk's own count (for the per-token timestamps) comes from its ids, else the growth of the continuous
 * usage, else one per chunk with text. When the final usage and the per-chunk counts disagree, the usage wins
 * and {@link Result#mismatch()} says so. Pure: no I/O, no clock. Not thread-safe (one per request, fed by the
 * one attempt that got a 200 response).
 */
public final class TokenCounter {
    private int usagePrompt = -1;
    private int usageCompletion = -1;
    private boolean finalUsage;
    private int idsSum;
    private boolean sawIds;
    private int continuousLast;
    private boolean sawContinuous;
    private int chunkSum;
    private boolean usedFallback;
    private boolean estimated;
    private @Nullable String finishReason;

    /** A counter that has seen no event yet. */
    public TokenCounter() {
    }

    /**
     * What the counts come to.
     *
     * @param outputTokens   output tokens of the request
     * @param promptTokens   prompt tokens (0 when the server did not say)
     * @param source         where {@code outputTokens} comes from (see the class comment)
     * @param mismatch       the final usage and the per-chunk counts disagreed (the usage was taken)
     * @param countedByChunks some tokens were counted one per chunk and no final usage corrected them
     */
    public record Result(int outputTokens, int promptTokens, String source, boolean mismatch,
            boolean countedByChunks) {
    }

    /**
     * Takes one streamed event; returns the output tokens it carries (0 for usage-only or empty events).
     *
     * @param c the event
     * @return the output tokens it carries
     */
    public int chunk(StreamChunk c) {
        int count;
        if (c.tokenIds() != null) {
            count = c.tokenIds().size();
            sawIds = true;
            idsSum += count;
        } else if (c.continuousUsage()) {
            count = Math.max(0, c.completionTokens().getAsInt() - continuousLast);
            continuousLast = Math.max(continuousLast, c.completionTokens().getAsInt());
            sawContinuous = true;
        } else {
            count = c.text() != null && !c.text().isEmpty() ? 1 : 0;
            usedFallback |= count > 0;
        }
        c.promptTokens().ifPresent(p -> usagePrompt = p);
        if (!c.hasChoices() && c.completionTokens().isPresent()) {
            usageCompletion = c.completionTokens().getAsInt();
            finalUsage = true;
        }
        c.finishReason().ifPresent(f -> finishReason = f);
        chunkSum += count;
        return count;
    }

    /**
     * Takes a whole (non-streamed) response; returns its output tokens.
     *
     * @param c the response
     * @return its output tokens
     */
    public int whole(StreamChunk c) {
        c.promptTokens().ifPresent(p -> usagePrompt = p);
        c.finishReason().ifPresent(f -> finishReason = f);
        int count;
        if (c.completionTokens().isPresent()) {
            count = c.completionTokens().getAsInt();
            usageCompletion = count;
            finalUsage = true;
        } else if (c.tokenIds() != null) {
            count = c.tokenIds().size();
            sawIds = true;
            idsSum = count;
        } else {
            count = c.text() == null ? 0 : (c.text().length() + 3) / 4;
            usedFallback = true;
            estimated = true;
        }
        chunkSum += count;
        return count;
    }

    /**
     * Whether the stream had a final usage chunk or a finish reason (so a missing {@code [DONE]} is tolerable).
     *
     * @return whether the stream ended properly
     */
    public boolean ended() {
        return finishReason != null || finalUsage;
    }

    /** {@return the finish reason the server gave, as sent; {@code null} when it gave none} */
    public @Nullable String finishReasonText() {
        return finishReason;
    }

    /** {@return the counts so far} */
    public Result result() {
        int output;
        String source;
        boolean mismatch = false;
        if (finalUsage) {
            output = usageCompletion;
            source = "server_usage";
            int perChunk = sawIds ? idsSum : sawContinuous ? continuousLast : -1;
            mismatch = perChunk >= 0 && perChunk != output;
        } else if (sawIds) {
            output = idsSum;
            source = "server_token_ids";
        } else if (sawContinuous) {
            output = continuousLast;
            source = "server_usage";
        } else {
            output = chunkSum;
            source = estimated ? "estimated_4_chars_per_token" : "chunk_count_fallback";
        }
        return new Result(output, Math.max(0, usagePrompt), source, mismatch, usedFallback && !finalUsage);
    }

    /**
     * Why generation stopped, from the server's finish reason; without one, {@link FinishReason#LENGTH} when
     * {@code outputTokens} reached {@code maxOutputTokens}, else {@link FinishReason#UNKNOWN}.
     *
     * @param outputTokens the output tokens counted
     * @param maxOutputTokens the request's output limit
     * @return the finish reason
     */
    public FinishReason finish(int outputTokens, int maxOutputTokens) {
        if (finishReason == null) {
            return outputTokens >= maxOutputTokens ? FinishReason.LENGTH : FinishReason.UNKNOWN;
        }
        return switch (finishReason.toLowerCase(Locale.ROOT)) {
            case "stop", "eos", "eos_token", "stop_sequence" -> FinishReason.STOP;
            case "length", "max_tokens" -> FinishReason.LENGTH;
            default -> FinishReason.UNKNOWN;
        };
    }
}
