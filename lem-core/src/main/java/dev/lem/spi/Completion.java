package dev.lem.spi;

import java.util.Objects;

/**
 * How a request ended, as reported by the backend.
 *
 * @param promptTokens     prompt tokens the model saw (excluding padding)
 * @param outputTokens     tokens generated
 * @param finishReason     why generation stopped
 * @param tokenCountSource where the counts come from, e.g. {@code "backend"} (in-process counts),
 *                         {@code "server_usage"}, {@code "server_token_ids"}, {@code "chunk_count_fallback"}
 */
public record Completion(int promptTokens, int outputTokens, FinishReason finishReason, String tokenCountSource) {
    /**
     * Checks that the object components are set and the counts are not negative.
     *
     * @param promptTokens prompt tokens the model saw
     * @param outputTokens tokens generated
     * @param finishReason why generation stopped
     * @param tokenCountSource where the counts come from
     * @throws IllegalArgumentException when a count is negative
     */
    public Completion {
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(tokenCountSource, "tokenCountSource");
        if (promptTokens < 0 || outputTokens < 0) {
            throw new IllegalArgumentException("token counts must be >= 0: prompt=" + promptTokens
                    + " output=" + outputTokens);
        }
    }
}
