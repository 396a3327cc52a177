package dev.lem.backend.trtllm;

import dev.lem.result.PhaseSplit;
import dev.lem.serving.ScrapedTelemetry;
import dev.lem.serving.ServingClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code trtllm-serve}'s {@code /metrics}: a JSON list of the iteration statistics recorded since the last
 * read (the server removes what it returns, so this must be the only reader). Each read becomes one row:
 * iterations in the interval and per second, their mean latency, and the last iteration's active and queued
 * requests, KV-cache block usage, cache hit rate and GPU memory. An empty list leaves the values out (the
 * server was started without {@code enable_iter_perf_stats: true}, or ran no iteration).
 *
 * <p>Every iteration read also adds to the engine's cumulative iteration time by phase ({@link #phaseCounters()}):
 * an iteration that ran only context requests ({@code inflightBatchingStats.numContextRequests > 0},
 * {@code numGenRequests == 0}) counts its {@code iterLatencyMS} as prefill, one that ran only generation requests
 * as decode, and a mixed one is divided by token work: prefill share = {@code numCtxTokens} / ({@code numCtxTokens}
 * + decoded tokens), decoded tokens = {@code numGenRequests} × {@code avgNumDecodedTokensPerIter} (1 when absent or
 * 0, as the PyTorch runtime reports it). Iterations without {@code inflightBatchingStats} or {@code iterLatencyMS},
 * or that scheduled nothing, add nothing.
 *
 * <p>Window edges read the endpoint at once ({@link #phaseCounters()}), serialised with the sampler's reads;
 * the iterations such a read removes from the server are carried over into the next sampler row, so the time
 * series loses none.
 */
public final class TrtllmIterationStatsSource extends ScrapedTelemetry {
    private static final Logger LOG = LoggerFactory.getLogger(TrtllmIterationStatsSource.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> COLUMNS = List.of("trtllm.iterations", "trtllm.iterations_per_s",
            "trtllm.iter_latency_ms_mean", "trtllm.active_requests", "trtllm.queued_requests",
            "trtllm.kv_cache_used_fraction", "trtllm.kv_cache_hit_rate_fraction", "trtllm.gpu_mem_usage_bytes",
            "trtllm-iteration-stats.scrape_ms");

    /** Iterations read outside the sampler's reads, not yet in a row (guarded by this source's lock). */
    private Row carried = new Row();
    /** Cumulative iteration time by phase, ms (guarded by this source's lock). */
    private double prefillMs;
    private double decodeMs;
    /** Whether any iteration read so far had the figures the phase split needs. */
    private boolean phased;

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

    /**
     * The engine's cumulative iteration time by phase, after reading {@code /metrics} now (not at the sampler's next
     * poll, so a measured window's edges are exact): {@code engine.prefill_iteration_time_s} and
     * {@code engine.decode_iteration_time_s}, s, over every iteration this source has read. Empty when the read
     * failed (a counter that missed iterations would misplace them between windows) or no iteration read so far
     * had the figures (the server does not report them: no split, never a zero one). Never throws.
     *
     * @return the counters, by name
     */
    synchronized Map<String, Double> phaseCounters() {
        try {
            Optional<String> body = readNow();
            if (body.isEmpty()) {
                LOG.debug("/metrics could not be read for the phase times: {}", lastError());
                return Map.of();
            }
            Optional<JsonNode> list = iterations(body.get());
            if (list.isEmpty()) {
                return Map.of();
            }
            for (JsonNode it : list.get()) {
                addPhaseTime(it);
                carried.add(it);
            }
            return counters();
        } catch (RuntimeException e) {
            LOG.debug("the phase times could not be read", e);
            return Map.of();
        }
    }

    /** {@return the cumulative counters now, without reading; empty while no iteration had the figures} */
    synchronized Map<String, Double> counters() {
        if (!phased) {
            return Map.of();
        }
        return Map.of(PhaseSplit.PREFILL_ITERATION_TIME_COUNTER, prefillMs / 1e3,
                PhaseSplit.DECODE_ITERATION_TIME_COUNTER, decodeMs / 1e3);
    }

    @Override
    protected Map<String, Double> read(String body, double dtSeconds) {
        // called from sample(), which holds this source's lock
        Optional<JsonNode> list = iterations(body);
        if (list.isEmpty()) {
            return Map.of();
        }
        Row row = carried;
        carried = new Row();
        for (JsonNode it : list.get()) {
            addPhaseTime(it);
            row.add(it);
        }
        return row.values(dtSeconds);
    }

    /** The iterations in one body; empty when it is not a JSON list. */
    private static Optional<JsonNode> iterations(String body) {
        try {
            JsonNode list = JSON.readTree(body);
            return list != null && list.isArray() ? Optional.of(list) : Optional.empty();
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }

    /** Adds one iteration's latency to the phases it ran (see the class comment). */
    private void addPhaseTime(JsonNode it) {
        phaseMs(it).ifPresent(split -> {
            prefillMs += split[0];
            decodeMs += split[1];
            phased = true;
        });
    }

    /**
     * One iteration's latency divided between the phases: {prefill, decode} ms; empty when the iteration has no
     * {@code iterLatencyMS} or {@code inflightBatchingStats}, or scheduled neither context nor generation requests.
     *
     * @param it one iteration's statistics, as trtllm-serve writes them
     * @return {prefill, decode} ms
     */
    static Optional<double[]> phaseMs(JsonNode it) {
        JsonNode ifb = it.path("inflightBatchingStats");
        JsonNode latency = it.path("iterLatencyMS");
        if (!ifb.isObject() || !latency.isNumber() || latency.asDouble() < 0 || !Double.isFinite(latency.asDouble())) {
            return Optional.empty();
        }
        double ms = latency.asDouble();
        double context = ifb.path("numContextRequests").asDouble(0);
        double generation = ifb.path("numGenRequests").asDouble(0);
        if (context > 0 && generation > 0) {
            double ctxTokens = Math.max(0, ifb.path("numCtxTokens").asDouble(0));
            double perRequest = ifb.path("avgNumDecodedTokensPerIter").asDouble(0);
            double decoded = generation * (perRequest > 0 ? perRequest : 1);
            double share = ctxTokens / (ctxTokens + decoded);
            return Optional.of(new double[] {ms * share, ms * (1 - share)});
        }
        if (context > 0) {
            return Optional.of(new double[] {ms, 0});
        }
        if (generation > 0) {
            return Optional.of(new double[] {0, ms});
        }
        return Optional.empty();
    }

    /** The time-series figures of a run of iterations (guarded by the source's lock). */
    private static final class Row {
        private int iterations;
        private double latencyMs;
        private int withLatency;
        private @Nullable JsonNode last;

        void add(JsonNode it) {
            iterations++;
            if (it.path("iterLatencyMS").isNumber()) {
                latencyMs += it.get("iterLatencyMS").asDouble();
                withLatency++;
            }
            last = it;
        }

        Map<String, Double> values(double dtSeconds) {
            Map<String, Double> out = new LinkedHashMap<>();
            if (iterations == 0 || last == null) {
                return out;
            }
            out.put("trtllm.iterations", (double) iterations);
            if (dtSeconds > 0) {
                out.put("trtllm.iterations_per_s", iterations / dtSeconds);
            }
            if (withLatency > 0) {
                out.put("trtllm.iter_latency_ms_mean", latencyMs / withLatency);
            }
            number(last, "numActiveRequests", out, "trtllm.active_requests");
            number(last, "numQueuedRequests", out, "trtllm.queued_requests");
            number(last, "gpuMemUsage", out, "trtllm.gpu_mem_usage_bytes");
            JsonNode kv = last.path("kvCacheStats");
            if (kv.path("usedNumBlocks").isNumber() && kv.path("maxNumBlocks").asDouble(0) > 0) {
                out.put("trtllm.kv_cache_used_fraction", kv.get("usedNumBlocks").asDouble()
                        / kv.get("maxNumBlocks").asDouble());
            }
            number(kv, "cacheHitRate", out, "trtllm.kv_cache_hit_rate_fraction");
            return out;
        }
    }

    private static void number(JsonNode node, String field, Map<String, Double> out, String column) {
        if (node.path(field).isNumber()) {
            out.put(column, node.get(field).asDouble());
        }
    }
}
