package dev.lem.backend.vllm;

import dev.lem.serving.PrometheusText;
import dev.lem.serving.ScrapedTelemetry;
import dev.lem.serving.ServingClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * vLLM's {@code /metrics} (Prometheus text) in the cycle's time series. Gauges are summed over engines
 * (KV-cache usage is averaged); counters are reported as totals and, between two scrapes, as rates; the
 * prefix-cache hit rate and the server-side mean TTFT, end-to-end and queue times are computed over the
 * interval between two scrapes from the counters and histogram sums. Both metric generations are read:
 * vLLM V1 names ({@code kv_cache_usage_perc}, {@code prefix_cache_queries/hits}) and the older ones
 * ({@code gpu_cache_usage_perc}, {@code gpu_prefix_cache_queries/hits}).
 */
public final class VllmMetricsSource extends ScrapedTelemetry {
    private static final List<String> COLUMNS = List.of(
            "vllm.requests_running", "vllm.requests_waiting", "vllm.kv_cache_usage_fraction",
            "vllm.prefix_cache_hit_rate_fraction", "vllm.preemptions_total", "vllm.prompt_tokens_total",
            "vllm.generation_tokens_total", "vllm.prompt_tokens_per_s", "vllm.generation_tokens_per_s",
            "vllm.server_ttft_mean_s", "vllm.server_e2e_mean_s", "vllm.server_queue_mean_s", "vllm-metrics.scrape_ms");

    private final Map<String, Double> previous = new LinkedHashMap<>();

    VllmMetricsSource(ServingClient client, Duration minInterval) {
        super(client, "/metrics", minInterval);
    }

    @Override
    public String name() {
        return "vllm-metrics";
    }

    @Override
    public List<String> columns() {
        return COLUMNS;
    }

    @Override
    protected Map<String, Double> read(String body, double dtSeconds) {
        PrometheusText p = PrometheusText.parse(body);
        Map<String, Double> out = new LinkedHashMap<>();
        put(out, "vllm.requests_running", p.sum("vllm:num_requests_running"));
        put(out, "vllm.requests_waiting", p.sum("vllm:num_requests_waiting"));
        put(out, "vllm.kv_cache_usage_fraction", p.mean("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"));
        Optional<Double> preempt = p.sumFirst("vllm:num_preemptions_total", "vllm:num_preemptions");
        Optional<Double> prompt = p.sumFirst("vllm:prompt_tokens_total", "vllm:prompt_tokens");
        Optional<Double> gen = p.sumFirst("vllm:generation_tokens_total", "vllm:generation_tokens");
        put(out, "vllm.preemptions_total", preempt);
        put(out, "vllm.prompt_tokens_total", prompt);
        put(out, "vllm.generation_tokens_total", gen);
        Map<String, Double> now = new LinkedHashMap<>();
        putAll(now, p, "queries", "vllm:prefix_cache_queries_total", "vllm:prefix_cache_queries",
                "vllm:gpu_prefix_cache_queries_total", "vllm:gpu_prefix_cache_queries");
        putAll(now, p, "hits", "vllm:prefix_cache_hits_total", "vllm:prefix_cache_hits",
                "vllm:gpu_prefix_cache_hits_total", "vllm:gpu_prefix_cache_hits");
        prompt.ifPresent(v -> now.put("prompt", v));
        gen.ifPresent(v -> now.put("gen", v));
        for (String h : List.of("time_to_first_token", "e2e_request_latency", "request_queue_time")) {
            putAll(now, p, h + ".sum", "vllm:" + h + "_seconds_sum");
            putAll(now, p, h + ".count", "vllm:" + h + "_seconds_count");
        }
        if (!previous.isEmpty() && dtSeconds > 0) {
            delta(now, "hits").ifPresent(h -> delta(now, "queries").filter(q -> q > 0)
                    .ifPresent(q -> out.put("vllm.prefix_cache_hit_rate_fraction", h / q)));
            delta(now, "prompt").ifPresent(d -> out.put("vllm.prompt_tokens_per_s", d / dtSeconds));
            delta(now, "gen").ifPresent(d -> out.put("vllm.generation_tokens_per_s", d / dtSeconds));
            mean(now, "time_to_first_token", out, "vllm.server_ttft_mean_s");
            mean(now, "e2e_request_latency", out, "vllm.server_e2e_mean_s");
            mean(now, "request_queue_time", out, "vllm.server_queue_mean_s");
        }
        previous.clear();
        previous.putAll(now);
        return out;
    }

    private static void put(Map<String, Double> out, String key, Optional<Double> v) {
        v.ifPresent(x -> out.put(key, x));
    }

    private static void putAll(Map<String, Double> into, PrometheusText p, String key, String... names) {
        p.sumFirst(names).ifPresent(v -> into.put(key, v));
    }

    private Optional<Double> delta(Map<String, Double> now, String key) {
        Double a = previous.get(key);
        Double b = now.get(key);
        return a == null || b == null || b < a ? Optional.empty() : Optional.of(b - a);
    }

    private void mean(Map<String, Double> now, String h, Map<String, Double> out, String column) {
        delta(now, h + ".count").filter(c -> c > 0)
                .ifPresent(c -> delta(now, h + ".sum").ifPresent(s -> out.put(column, s / c)));
    }
}
