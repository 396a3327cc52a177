package dev.lem.metrics;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The raw timeline of one request, kept so that every latency definition can be derived later. All
 * times are {@link System#nanoTime()} offsets, in nanoseconds, from the start of the cycle in the
 * process that ran it.
 *
 * @param id               request id
 * @param ok               completed normally
 * @param error            why it failed, when it failed
 * @param promptTokens     prompt tokens (0 when unknown, e.g. a failure before the server answered)
 * @param outputTokens     output tokens
 * @param finishReason     stop, length, error or unknown
 * @param tokenCountSource where the token counts come from (backend, server_usage, ...)
 * @param scheduledNanos   when an open-loop schedule wanted it sent (absent for closed loop and batches)
 * @param startNanos       when it was dispatched
 * @param firstTokenNanos  when its first output token arrived
 * @param endNanos         when its final event arrived
 * @param chunkNanos       arrival time of each token-bearing chunk
 * @param chunkTokens      tokens in each chunk (same length as chunkNanos)
 */
public record RequestRecord(
        String id,
        boolean ok,
        Optional<String> error,
        int promptTokens,
        int outputTokens,
        String finishReason,
        String tokenCountSource,
        Optional<Long> scheduledNanos,
        long startNanos,
        Optional<Long> firstTokenNanos,
        long endNanos,
        List<Long> chunkNanos,
        List<Integer> chunkTokens) {

    /**
     * Checks that the object components are set and that every chunk has its token count; copies the lists.
     *
     * @param id request id
     * @param ok completed normally
     * @param error why it failed, when it failed
     * @param promptTokens prompt tokens
     * @param outputTokens output tokens
     * @param finishReason stop, length, error or unknown
     * @param tokenCountSource where the token counts come from
     * @param scheduledNanos when an open-loop schedule wanted it sent, ns
     * @param startNanos when it was dispatched, ns
     * @param firstTokenNanos when its first output token arrived, ns
     * @param endNanos when its final event arrived, ns
     * @param chunkNanos arrival time of each token-bearing chunk, ns
     * @param chunkTokens tokens in each chunk
     * @throws IllegalArgumentException when {@code chunkNanos} and {@code chunkTokens} differ in length
     */
    public RequestRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(tokenCountSource, "tokenCountSource");
        Objects.requireNonNull(scheduledNanos, "scheduledNanos");
        Objects.requireNonNull(firstTokenNanos, "firstTokenNanos");
        chunkNanos = List.copyOf(chunkNanos);
        chunkTokens = List.copyOf(chunkTokens);
        if (chunkNanos.size() != chunkTokens.size()) {
            throw new IllegalArgumentException("chunkNanos and chunkTokens differ in length");
        }
    }

    /** {@return the time to first token, ns (vLLM: first chunk with content)} */
    public Optional<Long> ttftNanos() {
        return firstTokenNanos.map(f -> f - startNanos);
    }

    /**
     * {@return the end-to-end latency, ns: dispatch to the last token-bearing chunk (or to the end event if none)}
     */
    public long e2eNanos() {
        long end = chunkNanos.isEmpty() ? endNanos : chunkNanos.get(chunkNanos.size() - 1);
        return end - startNanos;
    }

    /**
     * Time per output token after the first, ns: (E2E − TTFT) / (output tokens − 1). vLLM's TPOT,
     * GenAI-Perf's and AIPerf's "ITL". Absent for fewer than 2 output tokens.
     *
     * @return the time per output token, ns
     */
    public Optional<Double> tpotNanos() {
        if (outputTokens < 2 || firstTokenNanos.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of((double) (e2eNanos() - ttftNanos().orElseThrow()) / (outputTokens - 1));
    }

    /** {@return how late an open-loop send was against its schedule, ns} */
    public Optional<Long> sendLagNanos() {
        return scheduledNanos.map(s -> startNanos - s);
    }
}
