package dev.lem.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The definition of every latency and throughput figure LEM reports, written into each result so a
 * reader never has to guess which tool's convention was used (tools disagree: see docs).
 */
public final class MetricDefinitions {
    private MetricDefinitions() {
    }

    /** Name to definition. */
    public static Map<String, String> all() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("ttft", "time to first token: dispatch to the first chunk carrying output (vLLM, GenAI-Perf)");
        d.put("itl", "inter-token latency, vLLM definition: one sample per gap between consecutive token-bearing "
                + "chunks, pooled over requests (a chunk of k tokens is one sample)");
        d.put("tpot", "time per output token, vLLM/MLPerf definition: (e2e - ttft) / (output_tokens - 1) per request");
        d.put("itl_per_request", "GenAI-Perf/AIPerf ITL: (e2e - ttft) / (output_tokens - 1) per request "
                + "(numerically equal to vLLM's TPOT)");
        d.put("e2e", "end-to-end latency: dispatch to the last token-bearing chunk (usage chunk and [DONE] excluded)");
        d.put("duration", "first dispatch to last completion over every process of the cycle");
        d.put("requests_per_s", "completed requests / duration");
        d.put("output_tokens_per_s", "sum of output tokens of completed requests / duration");
        d.put("total_tokens_per_s", "sum of prompt and output tokens of completed requests / duration");
        d.put("goodput", "requests meeting every configured SLO (TTFT, TPOT, E2E) / duration");
        d.put("send_lag", "open loop: actual send time - scheduled send time (the client's own lag)");
        d.put("percentiles", "linear interpolation between order statistics (numpy default, R type 7)");
        return d;
    }
}
