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
 * @param achievedSendRatePerS requests sent per second, counted: (sent − 1) / (last send − first send), beside
 *                          the configured {@code traffic.rate}; absent for fewer than 2 sends
 * @param maxInFlight       the most requests in flight at once (sent, final event not yet received), counted
 * @param meanInFlight      the time-weighted mean of requests in flight from the first send to the last final
 *                          event: Σ (end − send) / (last end − first send)
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
        Optional<Double> achievedSendRatePerS,
        Optional<Integer> maxInFlight,
        Optional<Double> meanInFlight,
        Optional<Integer> goodRequests) {

    /**
     * Checks that the optional figures are set (absent ones are empty, as in results written before they existed).
     *
     * @param requests requests sent
     * @param completed requests completed normally
     * @param failed requests that failed
     * @param promptTokens prompt tokens of completed requests
     * @param outputTokens output tokens of completed requests
     * @param durationS first dispatch to last completion, s
     * @param requestsPerS completed / duration
     * @param outputTokensPerS output tokens / duration
     * @param totalTokensPerS (prompt + output) tokens / duration
     * @param ttftMs time to first token
     * @param itlMs inter-token latency per chunk gap
     * @param tpotMs time per output token per request
     * @param itlPerRequestMs per-request ITL
     * @param e2eMs end-to-end latency
     * @param sendLagMs open loop: actual − scheduled send time
     * @param goodputRequestsPerS requests meeting every SLO / duration
     * @param achievedSendRatePerS requests sent per second of the send span
     * @param maxInFlight the most requests in flight at once
     * @param meanInFlight the time-weighted mean of requests in flight
     * @param goodRequests completed requests meeting every configured SLO
     */
    public CycleMetrics {
        ttftMs = orEmpty(ttftMs);
        itlMs = orEmpty(itlMs);
        tpotMs = orEmpty(tpotMs);
        itlPerRequestMs = orEmpty(itlPerRequestMs);
        e2eMs = orEmpty(e2eMs);
        sendLagMs = orEmpty(sendLagMs);
        goodputRequestsPerS = orEmpty(goodputRequestsPerS);
        achievedSendRatePerS = orEmpty(achievedSendRatePerS);
        maxInFlight = orEmpty(maxInFlight);
        meanInFlight = orEmpty(meanInFlight);
        goodRequests = orEmpty(goodRequests);
    }

    private static <T> Optional<T> orEmpty(Optional<T> o) {
        return o == null ? Optional.empty() : o;
    }
}
