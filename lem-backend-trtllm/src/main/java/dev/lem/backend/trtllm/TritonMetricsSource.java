package dev.lem.backend.trtllm;

import dev.lem.serving.PrometheusText;
import dev.lem.serving.ScrapedTelemetry;
import dev.lem.serving.ServingClient;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Triton Inference Server's Prometheus metrics (its metrics port, 8002 by default) in the cycle's time series,
 * read like vLLM's {@code /metrics}: Triton's per-model counters ({@code nv_inference_request_success},
 * {@code _failure}, the cumulative {@code nv_inference_queue_duration_us}, {@code _request_duration_us} and
 * {@code _compute_infer_duration_us}) as totals, and between two scrapes as a rate and mean times per request;
 * the TensorRT-LLM backend's batch-manager gauges ({@code nv_trt_llm_request_metrics} by {@code request_type},
 * {@code nv_trt_llm_kv_cache_block_metrics}, {@code nv_trt_llm_inflight_batcher_metrics},
 * {@code nv_trt_llm_general_metrics} iteration counter); and Triton's GPU gauges ({@code nv_gpu_power_usage},
 * {@code nv_energy_consumption}, {@code nv_gpu_utilization}, {@code nv_gpu_memory_used_bytes}). Per-model
 * counters are those of the served model (the {@code model} label) when it has them, else summed over models.
 */
public final class TritonMetricsSource extends ScrapedTelemetry {
    private static final List<String> COLUMNS = List.of("triton.requests_success_total", "triton.requests_failure_total",
            "triton.requests_per_s", "triton.pending_requests", "triton.queue_mean_ms", "triton.request_mean_ms",
            "triton.compute_infer_mean_ms", "trtllm.active_requests", "trtllm.context_requests",
            "trtllm.scheduled_requests", "trtllm.queued_requests", "trtllm.max_requests",
            "trtllm.kv_cache_used_fraction", "trtllm.context_tokens", "trtllm.generation_requests",
            "trtllm.iterations_per_s", "triton.gpu_power_w", "triton.gpu_energy_j_total", "triton.gpu_util_fraction",
            "triton.gpu_memory_used_bytes", "triton-metrics.scrape_ms");
    private static final String REQUESTS = "nv_trt_llm_request_metrics";
    private static final String KV = "nv_trt_llm_kv_cache_block_metrics";
    private static final String BATCHER = "nv_trt_llm_inflight_batcher_metrics";

    private final String model;
    private final Map<String, Double> previous = new LinkedHashMap<>();

    TritonMetricsSource(ServingClient client, URI url, Duration minInterval, String model) {
        super(client, url, minInterval);
        this.model = model;
    }

    /**
     * Triton's metrics URL for a server: {@code options.triton_metrics_url} when set, else the server's host on
     * Triton's default metrics port 8002, path {@code /metrics}.
     *
     * @param server the server's base URI
     * @param configured {@code options.triton_metrics_url}, when set
     * @return the URL to scrape
     */
    static URI url(URI server, Optional<String> configured) {
        if (configured.isPresent()) {
            return URI.create(configured.get().strip());
        }
        return URI.create(server.getScheme() + "://" + server.getHost() + ":8002/metrics");
    }

    @Override
    public String name() {
        return "triton-metrics";
    }

    @Override
    public List<String> columns() {
        return COLUMNS;
    }

    @Override
    protected Map<String, Double> read(String body, double dtSeconds) {
        PrometheusText p = PrometheusText.parse(body);
        Map<String, Double> out = new LinkedHashMap<>();
        Map<String, Double> now = new LinkedHashMap<>();
        perModel(p, "nv_inference_request_success").ifPresent(v -> {
            out.put("triton.requests_success_total", v);
            now.put("success", v);
        });
        perModel(p, "nv_inference_request_failure").ifPresent(v -> {
            out.put("triton.requests_failure_total", v);
            now.put("failure", v);
        });
        perModel(p, "nv_inference_pending_request_count").ifPresent(v -> out.put("triton.pending_requests", v));
        perModel(p, "nv_inference_queue_duration_us").ifPresent(v -> now.put("queue_us", v));
        perModel(p, "nv_inference_request_duration_us").ifPresent(v -> now.put("request_us", v));
        perModel(p, "nv_inference_compute_infer_duration_us").ifPresent(v -> now.put("infer_us", v));
        perModel(p, "nv_inference_exec_count").ifPresent(v -> now.put("exec", v));
        type(p, REQUESTS, "request_type", "active", out, "trtllm.active_requests");
        type(p, REQUESTS, "request_type", "context", out, "trtllm.context_requests");
        type(p, REQUESTS, "request_type", "scheduled", out, "trtllm.scheduled_requests");
        type(p, REQUESTS, "request_type", "waiting", out, "trtllm.queued_requests");
        type(p, REQUESTS, "request_type", "max", out, "trtllm.max_requests");
        Optional<Double> used = p.sum(KV, Map.of("kv_cache_block_type", "used"));
        Optional<Double> max = p.sum(KV, Map.of("kv_cache_block_type", "max"));
        if (used.isPresent() && max.isPresent() && max.get() > 0) {
            out.put("trtllm.kv_cache_used_fraction", used.get() / max.get());
        } else {
            type(p, KV, "kv_cache_block_type", "fraction", out, "trtllm.kv_cache_used_fraction");
        }
        type(p, BATCHER, "inflight_batcher_specific_metric", "total_context_tokens", out, "trtllm.context_tokens");
        type(p, BATCHER, "inflight_batcher_specific_metric", "generation_requests", out, "trtllm.generation_requests");
        p.sum("nv_trt_llm_general_metrics", Map.of("general_type", "iteration_counter"))
                .ifPresent(v -> now.put("iterations", v));
        p.sum("nv_gpu_power_usage").ifPresent(v -> out.put("triton.gpu_power_w", v));
        p.sum("nv_energy_consumption").ifPresent(v -> out.put("triton.gpu_energy_j_total", v));
        p.mean("nv_gpu_utilization").ifPresent(v -> out.put("triton.gpu_util_fraction", v));
        p.sum("nv_gpu_memory_used_bytes").ifPresent(v -> out.put("triton.gpu_memory_used_bytes", v));
        if (!previous.isEmpty() && dtSeconds > 0) {
            Optional<Double> done = delta(now, "success").map(s -> s + delta(now, "failure").orElse(0.0));
            delta(now, "success").ifPresent(d -> out.put("triton.requests_per_s", d / dtSeconds));
            done.filter(d -> d > 0).ifPresent(d -> {
                delta(now, "queue_us").ifPresent(q -> out.put("triton.queue_mean_ms", q / d / 1000));
                delta(now, "request_us").ifPresent(q -> out.put("triton.request_mean_ms", q / d / 1000));
            });
            delta(now, "exec").filter(e -> e > 0).ifPresent(e -> delta(now, "infer_us")
                    .ifPresent(q -> out.put("triton.compute_infer_mean_ms", q / e / 1000)));
            delta(now, "iterations").ifPresent(d -> out.put("trtllm.iterations_per_s", d / dtSeconds));
        }
        previous.clear();
        previous.putAll(now);
        return out;
    }

    /** The served model's value of a per-model metric, else the sum over models. */
    private Optional<Double> perModel(PrometheusText p, String name) {
        Optional<Double> own = p.sum(name, Map.of("model", model));
        return own.isPresent() ? own : p.sum(name);
    }

    private static void type(PrometheusText p, String name, String label, String value, Map<String, Double> out,
            String column) {
        p.sum(name, Map.of(label, value)).ifPresent(v -> out.put(column, v));
    }

    private Optional<Double> delta(Map<String, Double> now, String key) {
        Double a = previous.get(key);
        Double b = now.get(key);
        return a == null || b == null || b < a ? Optional.empty() : Optional.of(b - a);
    }
}
