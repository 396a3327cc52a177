package dev.lem.serving;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * What one streamed event says, read by {@link StreamChunks#parse}.
 *
 * @param done             the {@code [DONE]} sentinel
 * @param error            an error the server reported inside the stream (after its 200 status)
 * @param hasChoices       the event has a non-empty {@code choices} array (OpenAI) or output (Triton)
 * @param text             the output text of this event, when any
 * @param tokenIds         the output token ids of this event, when the server sends them
 * @param promptTokens     {@code usage.prompt_tokens} when present
 * @param completionTokens {@code usage.completion_tokens} when present (cumulative so far with vLLM's
 *                         {@code continuous_usage_stats}, the total in the final usage chunk)
 * @param finishReason     why generation stopped, when this event says
 * @param serverMetrics    numeric server-side figures (Triton {@code return_perf_metrics}), by name
 */
public record StreamChunk(
        boolean done,
        Optional<String> error,
        boolean hasChoices,
        @Nullable String text,
        @Nullable List<Integer> tokenIds,
        OptionalInt promptTokens,
        OptionalInt completionTokens,
        Optional<String> finishReason,
        Map<String, Double> serverMetrics) {

    /** The {@code [DONE]} sentinel. */
    public static final StreamChunk DONE = new StreamChunk(true, Optional.empty(), false, null, null,
            OptionalInt.empty(), OptionalInt.empty(), Optional.empty(), Map.of());

    /**
     * Checks that the {@code Optional} components are set and copies the server metrics.
     *
     * @param done the {@code [DONE]} sentinel
     * @param error an error the server reported inside the stream
     * @param hasChoices the event has a non-empty {@code choices} array (OpenAI) or output (Triton)
     * @param text the output text of this event, when any
     * @param tokenIds the output token ids of this event, when the server sends them
     * @param promptTokens {@code usage.prompt_tokens} when present
     * @param completionTokens {@code usage.completion_tokens} when present
     * @param finishReason why generation stopped, when this event says
     * @param serverMetrics numeric server-side figures, by name
     */
    public StreamChunk {
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(promptTokens, "promptTokens");
        Objects.requireNonNull(completionTokens, "completionTokens");
        Objects.requireNonNull(finishReason, "finishReason");
        serverMetrics = Map.copyOf(serverMetrics);
    }

    /**
     * An error event.
     *
     * @param message the error's message
     * @return the event
     */
    public static StreamChunk error(String message) {
        return new StreamChunk(false, Optional.of(message), false, null, null, OptionalInt.empty(),
                OptionalInt.empty(), Optional.empty(), Map.of());
    }

    /** {@return whether the event carries usage alongside output (vLLM's continuous usage statistics)} */
    public boolean continuousUsage() {
        return hasChoices && completionTokens.isPresent();
    }
}
