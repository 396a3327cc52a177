package dev.lem.backend.trtllm;

import dev.lem.serving.ScrapedTelemetry;
import dev.lem.serving.ServingClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code trtllm-serve}'s {@code /metrics}: a JSON list of the iteration statistics recorded since the last
 * read (the server removes what it returns, so this must be the only reader). Each read becomes one row:
 * iterations in the interval and per second, their mean latency, and the last iteration's active and queued
 * requests, KV-cache block usage, cache hit rate and GPU memory. An empty list leaves the values out (the
 * server was started without {@code enable_iter_perf_stats: true}, or ran no iteration).
 */
public final class TrtllmIterationStatsSource extends ScrapedTelemetry {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> COLUMNS = List.of("trtllm.iterations", "trtllm.iterations_per_s",
            "trtllm.iter_latency_ms_mean", "trtllm.active_requests", "trtllm.queued_requests",
            "trtllm.kv_cache_used_fraction", "trtllm.kv_cache_hit_rate_fraction", "trtllm.gpu_mem_usage_bytes",
            "trtllm-iteration-stats.scrape_ms");

    TrtllmIterationStatsSource(ServingClient client, Duration minInterval) {
        super(client, "/metrics", minInterval);
    }

    @Override
    public String name() {
        return "trtllm-iteration-stats";
    }

    @Override
    public List<String> columns() {
        return COLUMNS;
    }

    @Override
    protected Map<String, Double> read(String body, double dtSeconds) {
        JsonNode list;
        try {
            list = JSON.readTree(body);
        } catch (JacksonException e) {
            return Map.of();
        }
        Map<String, Double> out = new LinkedHashMap<>();
        if (list == null || !list.isArray() || list.isEmpty()) {
            return out;
        }
        double latency = 0;
        int withLatency = 0;
        for (JsonNode it : list) {
            if (it.path("iterLatencyMS").isNumber()) {
                latency += it.get("iterLatencyMS").asDouble();
                withLatency++;
            }
        }
        out.put("trtllm.iterations", (double) list.size());
        if (dtSeconds > 0) {
            out.put("trtllm.iterations_per_s", list.size() / dtSeconds);
        }
        if (withLatency > 0) {
            out.put("trtllm.iter_latency_ms_mean", latency / withLatency);
        }
        JsonNode last = list.get(list.size() - 1);
        number(last, "numActiveRequests", out, "trtllm.active_requests");
        number(last, "numQueuedRequests", out, "trtllm.queued_requests");
        number(last, "gpuMemUsage", out, "trtllm.gpu_mem_usage_bytes");
        JsonNode kv = last.path("kvCacheStats");
        if (kv.path("usedNumBlocks").isNumber() && kv.path("maxNumBlocks").asDouble(0) > 0) {
            out.put("trtllm.kv_cache_used_fraction", kv.get("usedNumBlocks").asDouble() / kv.get("maxNumBlocks").asDouble());
        }
        number(kv, "cacheHitRate", out, "trtllm.kv_cache_hit_rate_fraction");
        return out;
    }

    private static void number(JsonNode node, String field, Map<String, Double> out, String column) {
        if (node.path(field).isNumber()) {
            out.put(column, node.get(field).asDouble());
        }
    }
}
