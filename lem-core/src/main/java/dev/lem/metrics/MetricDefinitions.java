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

    /** {@return the definition of every latency and throughput figure, by name} */
    public static Map<String, String> all() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("ttft", "time to first token: dispatch (for a served backend, the moment the HTTP client takes the "
                + "request's body to write it; a retried request from its first send) to the first chunk carrying "
                + "at least one output token; chunks without output (a chat stream's role-only chunk, the usage chunk) are "
                + "skipped as AIPerf does. vLLM's benchmark starts at the first chunk with non-empty choices, which "
                + "vLLM's server sends together with the first token");
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
        d.put("goodput", "completed requests meeting every configured SLO (TTFT, TPOT, E2E) / duration; a request with "
                + "one output token has no TPOT and passes that SLO (vLLM)");
        d.put("send_lag", "open loop: actual send time - scheduled send time (the client's own lag), every sent request; "
                + "sends are scheduled against absolute time from the start");
        d.put("achieved_send_rate", "requests sent / send span: (sent - 1) / (last send - first send), counted from "
                + "the send timestamps; compare with the configured traffic.rate");
        d.put("in_flight", "requests sent whose final event has not arrived; max: the most at once; mean: "
                + "sum of (final event - send) / (last final event - first send), time-weighted");
        d.put("token_counts", "output tokens per request from the server's final usage, else the sum of per-chunk "
                + "counts; per-chunk counts from token_ids, else the increase of continuous usage, else 1 per chunk with "
                + "text (the record's token_count_source says which)");
        d.put("std", "sample standard deviation (n - 1); vLLM's benchmark prints numpy's population std (n)");
        d.put("percentiles", "linear interpolation between order statistics (numpy default, R type 7); p99.9 only "
                + "with at least 1,000 samples");
        return d;
    }
}
