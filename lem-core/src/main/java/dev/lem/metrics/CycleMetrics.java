package dev.lem.metrics;

import java.util.Optional;

/**
 * Throughput and latency of one cycle, over every process's requests (percentiles recomputed from the
 * pooled raw samples, never averaged). Definitions: {@link MetricDefinitions}.
 *
 * @param requests          requests sent (warm-up excluded)
 * @param completed         requests completed normally
 * @param failed            requests that failed (counted, never dropped)
 * @param promptTokens      Σ prompt tokens of completed requests
 * @param outputTokens      Σ output tokens of completed requests
 * @param durationS         first dispatch to last completion, s
 * @param requestsPerS      completed / duration
 * @param outputTokensPerS  Σ output tokens / duration
 * @param totalTokensPerS   Σ (prompt + output) tokens / duration
 * @param ttftMs            time to first token
 * @param itlMs             inter-token latency, one sample per gap between chunks (vLLM)
 * @param tpotMs            time per output token per request (vLLM TPOT)
 * @param itlPerRequestMs   per-request ITL (GenAI-Perf; numerically vLLM's TPOT)
 * @param e2eMs             end-to-end latency
 * @param sendLagMs         open loop: actual − scheduled send time
 * @param goodputRequestsPerS requests meeting every configured SLO / duration
 * @param goodRequests      completed requests meeting every configured SLO (absent when no SLO is set)
 */
public record CycleMetrics(
        int requests,
        int completed,
        int failed,
        long promptTokens,
        long outputTokens,
        double durationS,
        double requestsPerS,
        double outputTokensPerS,
        double totalTokensPerS,
        Optional<LatencyStats> ttftMs,
        Optional<LatencyStats> itlMs,
        Optional<LatencyStats> tpotMs,
        Optional<LatencyStats> itlPerRequestMs,
        Optional<LatencyStats> e2eMs,
        Optional<LatencyStats> sendLagMs,
        Optional<Double> goodputRequestsPerS,
        Optional<Integer> goodRequests) {

    /**
     * Normalises a {@code null} count of good requests (results written before it was kept) to empty.
     *
     * @param requests requests sent
     * @param completed requests completed normally
     * @param failed requests that failed
     * @param promptTokens Σ prompt tokens of completed requests
     * @param outputTokens Σ output tokens of completed requests
     * @param durationS first dispatch to last completion, s
     * @param requestsPerS completed / duration
     * @param outputTokensPerS Σ output tokens / duration
     * @param totalTokensPerS Σ (prompt + output) tokens / duration
     * @param ttftMs time to first token
     * @param itlMs inter-token latency
     * @param tpotMs time per output token per request
     * @param itlPerRequestMs per-request ITL
     * @param e2eMs end-to-end latency
     * @param sendLagMs open loop: actual − scheduled send time
     * @param goodputRequestsPerS requests meeting every configured SLO / duration
     * @param goodRequests completed requests meeting every configured SLO
     */
    public CycleMetrics {
        goodRequests = goodRequests == null ? Optional.empty() : goodRequests;
    }
}
