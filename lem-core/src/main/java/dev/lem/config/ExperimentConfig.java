package dev.lem.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every parameter of one experiment, validated. Built only by {@link ConfigResolver} (from defaults,
 * config files, overrides and builder calls), so parameter names, defaults and rules live in
 * {@link ConfigSchema} alone. Immutable; JSON field names equal the YAML names.
 *
 * @param name            optional label
 * @param model           model folder, HF id, or {@code synthetic:<preset>}
 * @param backend         backend alias or provider class name
 * @param precision       fp32, fp16, bf16 or auto
 * @param device          cpu, cuda, cuda:N or auto
 * @param maxInputTokens  prompt truncation length, tokens
 * @param maxOutputTokens most tokens generated per request
 * @param minOutputTokens tokens generated before end-of-sequence may stop a request
 * @param cycles          measured cycles
 * @param seed            master seed
 * @param resultsDir      results directory
 * @param processes       worker processes on this machine
 * @param options         backend-specific options
 * @param prompts         prompt source
 * @param batching        batching
 * @param decoding        decoding
 * @param warmup          warm-up
 * @param energy          energy measurement
 * @param carbon          carbon intensity
 * @param traffic         request traffic
 * @param slo             service-level objectives for goodput
 * @param server          served-model connection
 * @param stats           statistics
 * @param flops           peaks for MFU/MBU
 * @param provenance      where each value came from, by dotted path
 */
public record ExperimentConfig(
        Optional<String> name,
        String model,
        String backend,
        String precision,
        String device,
        int maxInputTokens,
        int maxOutputTokens,
        int minOutputTokens,
        int cycles,
        long seed,
        String resultsDir,
        int processes,
        Map<String, Object> options,
        PromptsConfig prompts,
        BatchingConfig batching,
        DecodingConfig decoding,
        WarmupConfig warmup,
        EnergyConfig energy,
        CarbonConfig carbon,
        TrafficConfig traffic,
        SloConfig slo,
        ServerConfig server,
        StatsConfig stats,
        FlopsConfig flops,
        Map<String, ValueSource> provenance) {

    public ExperimentConfig {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(backend, "backend");
        options = Collections.unmodifiableMap(new TreeMap<>(options));
        provenance = Collections.unmodifiableMap(new TreeMap<>(provenance));
    }

    /** The configuration with every default and nothing else. */
    public static ExperimentConfig defaults() {
        return ConfigResolver.withDefaults().resolve();
    }

    /** A backend option, if set. */
    public Optional<Object> option(String key) {
        return Optional.ofNullable(options.get(key));
    }

    /** Where the value at a dotted path came from ({@link ValueSource#DEFAULT} when unknown). */
    public ValueSource sourceOf(String path) {
        return provenance.getOrDefault(path, ValueSource.DEFAULT);
    }

    /**
     * Every value by dotted path, as a config file would hold it (options as {@code options.<key>}).
     * Unset optional values are absent.
     */
    public Map<String, Object> toValues() {
        Map<String, Object> v = new LinkedHashMap<>();
        name.ifPresent(x -> v.put("name", x));
        v.put("model", model);
        v.put("backend", backend);
        v.put("precision", precision);
        v.put("device", device);
        v.put("max_input_tokens", maxInputTokens);
        v.put("max_output_tokens", maxOutputTokens);
        v.put("min_output_tokens", minOutputTokens);
        v.put("cycles", cycles);
        v.put("seed", seed);
        v.put("results_dir", resultsDir);
        v.put("processes", processes);
        options.forEach((k, x) -> v.put("options." + k, x));
        v.put("prompts.source", prompts.source());
        prompts.path().ifPresent(x -> v.put("prompts.path", x));
        v.put("prompts.limit", prompts.limit());
        v.put("prompts.field", prompts.field());
        v.put("prompts.shuffle", prompts.shuffle());
        v.put("prompts.synthetic.input_tokens_mean", prompts.synthetic().inputTokensMean());
        v.put("prompts.synthetic.input_tokens_std", prompts.synthetic().inputTokensStd());
        prompts.synthetic().outputTokensMean().ifPresent(x -> v.put("prompts.synthetic.output_tokens_mean", x));
        v.put("prompts.synthetic.output_tokens_std", prompts.synthetic().outputTokensStd());
        v.put("batching.batch_size", batching.batchSize());
        v.put("batching.strategy", batching.strategy());
        v.put("batching.max_batch_tokens", batching.maxBatchTokens());
        v.put("decoding.preset", decoding.preset());
        v.put("decoding.greedy", decoding.greedy());
        v.put("decoding.temperature", decoding.temperature());
        v.put("decoding.top_k", decoding.topK());
        v.put("decoding.top_p", decoding.topP());
        v.put("decoding.ignore_eos", decoding.ignoreEos());
        v.put("warmup.mode", warmup.mode());
        v.put("warmup.runs", warmup.runs());
        v.put("warmup.min_runs", warmup.minRuns());
        v.put("warmup.max_runs", warmup.maxRuns());
        v.put("warmup.window", warmup.window());
        v.put("warmup.cv_threshold", warmup.cvThreshold());
        v.put("energy.meters", energy.meters());
        v.put("energy.idle_baseline_s", energy.idleBaselineS());
        v.put("energy.sampler_interval_ms", energy.samplerIntervalMs());
        v.put("energy.timeseries", energy.timeseries());
        v.put("energy.rapl_root", energy.raplRoot());
        energy.cpu().tdpWatts().ifPresent(x -> v.put("energy.cpu.tdp_watts", x));
        energy.cpu().idleWatts().ifPresent(x -> v.put("energy.cpu.idle_watts", x));
        energy.cpu().maxWatts().ifPresent(x -> v.put("energy.cpu.max_watts", x));
        v.put("energy.ram.watts_per_gb", energy.ram().wattsPerGb());
        carbon.country().ifPresent(x -> v.put("carbon.country", x));
        carbon.cloudProvider().ifPresent(x -> v.put("carbon.cloud_provider", x));
        carbon.cloudRegion().ifPresent(x -> v.put("carbon.cloud_region", x));
        carbon.usState().ifPresent(x -> v.put("carbon.us_state", x));
        carbon.nordicZone().ifPresent(x -> v.put("carbon.nordic_zone", x));
        carbon.intensityGPerKwh().ifPresent(x -> v.put("carbon.intensity_g_per_kwh", x));
        v.put("carbon.pue", carbon.pue());
        v.put("traffic.pattern", traffic.pattern());
        v.put("traffic.concurrency", traffic.concurrency());
        traffic.rate().ifPresent(x -> v.put("traffic.rate", x));
        v.put("traffic.burstiness", traffic.burstiness());
        traffic.maxRequests().ifPresent(x -> v.put("traffic.max_requests", x));
        traffic.maxDurationS().ifPresent(x -> v.put("traffic.max_duration_s", x));
        v.put("traffic.warmup_requests", traffic.warmupRequests());
        v.put("traffic.sweep", traffic.sweep());
        slo.ttftMs().ifPresent(x -> v.put("slo.ttft_ms", x));
        slo.tpotMs().ifPresent(x -> v.put("slo.tpot_ms", x));
        slo.e2eMs().ifPresent(x -> v.put("slo.e2e_ms", x));
        server.url().ifPresent(x -> v.put("server.url", x));
        v.put("server.api", server.api());
        server.modelName().ifPresent(x -> v.put("server.model_name", x));
        server.apiKeyEnv().ifPresent(x -> v.put("server.api_key_env", x));
        v.put("server.connect_timeout_s", server.connectTimeoutS());
        v.put("server.first_token_timeout_s", server.firstTokenTimeoutS());
        v.put("server.idle_timeout_s", server.idleTimeoutS());
        v.put("server.request_timeout_s", server.requestTimeoutS());
        v.put("server.max_retries", server.maxRetries());
        v.put("server.managed", server.managed());
        v.put("server.args", server.args());
        v.put("server.startup_timeout_s", server.startupTimeoutS());
        v.put("server.same_host", server.sameHost());
        v.put("stats.confidence_level", stats.confidenceLevel());
        v.put("stats.bootstrap_resamples", stats.bootstrapResamples());
        v.put("stats.ci_method", stats.ciMethod());
        v.put("stats.adaptive.enabled", stats.adaptive().enabled());
        v.put("stats.adaptive.metric", stats.adaptive().metric());
        v.put("stats.adaptive.target_half_width_pct", stats.adaptive().targetHalfWidthPct());
        v.put("stats.adaptive.max_cycles", stats.adaptive().maxCycles());
        flops.peakTflops().ifPresent(x -> v.put("flops.peak_tflops", x));
        flops.peakBandwidthGbS().ifPresent(x -> v.put("flops.peak_bandwidth_gb_s", x));
        return v;
    }

    /** Builds the record from coerced, defaulted values (package-private: only the resolver calls it). */
    static ExperimentConfig fromValues(Values v, Map<String, ValueSource> provenance) {
        return new ExperimentConfig(
                v.optString("name"),
                v.string("model"),
                v.string("backend"),
                v.string("precision"),
                v.string("device"),
                v.integer("max_input_tokens"),
                v.integer("max_output_tokens"),
                v.integer("min_output_tokens"),
                v.integer("cycles"),
                v.longValue("seed"),
                v.string("results_dir"),
                v.integer("processes"),
                v.options(),
                new PromptsConfig(v.string("prompts.source"), v.optString("prompts.path"), v.integer("prompts.limit"),
                        v.string("prompts.field"), v.bool("prompts.shuffle"),
                        new PromptsConfig.SyntheticPrompts(v.integer("prompts.synthetic.input_tokens_mean"),
                                v.dbl("prompts.synthetic.input_tokens_std"),
                                v.optInteger("prompts.synthetic.output_tokens_mean"),
                                v.dbl("prompts.synthetic.output_tokens_std"))),
                new BatchingConfig(v.integer("batching.batch_size"), v.string("batching.strategy"),
                        v.integer("batching.max_batch_tokens")),
                new DecodingConfig(v.string("decoding.preset"), v.bool("decoding.greedy"),
                        v.dbl("decoding.temperature"), v.integer("decoding.top_k"), v.dbl("decoding.top_p"),
                        v.bool("decoding.ignore_eos")),
                new WarmupConfig(v.string("warmup.mode"), v.integer("warmup.runs"), v.integer("warmup.min_runs"),
                        v.integer("warmup.max_runs"), v.integer("warmup.window"), v.dbl("warmup.cv_threshold")),
                new EnergyConfig(v.stringList("energy.meters"), v.dbl("energy.idle_baseline_s"),
                        v.integer("energy.sampler_interval_ms"), v.bool("energy.timeseries"),
                        v.string("energy.rapl_root"),
                        new EnergyConfig.Cpu(v.optDouble("energy.cpu.tdp_watts"), v.optDouble("energy.cpu.idle_watts"),
                                v.optDouble("energy.cpu.max_watts")),
                        new EnergyConfig.Ram(v.dbl("energy.ram.watts_per_gb"))),
                new CarbonConfig(v.optString("carbon.country"), v.optString("carbon.cloud_provider"),
                        v.optString("carbon.cloud_region"), v.optString("carbon.us_state"),
                        v.optString("carbon.nordic_zone"), v.optDouble("carbon.intensity_g_per_kwh"),
                        v.dbl("carbon.pue")),
                new TrafficConfig(v.string("traffic.pattern"), v.integer("traffic.concurrency"),
                        v.optDouble("traffic.rate"), v.dbl("traffic.burstiness"), v.optInteger("traffic.max_requests"),
                        v.optDouble("traffic.max_duration_s"), v.integer("traffic.warmup_requests"),
                        v.numberList("traffic.sweep")),
                new SloConfig(v.optDouble("slo.ttft_ms"), v.optDouble("slo.tpot_ms"), v.optDouble("slo.e2e_ms")),
                new ServerConfig(v.optString("server.url"), v.string("server.api"), v.optString("server.model_name"),
                        v.optString("server.api_key_env"), v.dbl("server.connect_timeout_s"),
                        v.dbl("server.first_token_timeout_s"), v.dbl("server.idle_timeout_s"),
                        v.dbl("server.request_timeout_s"), v.integer("server.max_retries"), v.bool("server.managed"),
                        v.stringList("server.args"), v.dbl("server.startup_timeout_s"), v.bool("server.same_host")),
                new StatsConfig(v.dbl("stats.confidence_level"), v.integer("stats.bootstrap_resamples"),
                        v.string("stats.ci_method"),
                        new StatsConfig.Adaptive(v.bool("stats.adaptive.enabled"), v.string("stats.adaptive.metric"),
                                v.dbl("stats.adaptive.target_half_width_pct"), v.integer("stats.adaptive.max_cycles"))),
                new FlopsConfig(v.optDouble("flops.peak_tflops"), v.optDouble("flops.peak_bandwidth_gb_s")),
                provenance);
    }

    /** Typed access to coerced values; absent means the parameter is unset (null default). */
    record Values(Map<String, Object> values) {
        String string(String p) {
            return (String) Objects.requireNonNull(values.get(p), p);
        }

        Optional<String> optString(String p) {
            return Optional.ofNullable((String) values.get(p));
        }

        int integer(String p) {
            return ((Number) Objects.requireNonNull(values.get(p), p)).intValue();
        }

        Optional<Integer> optInteger(String p) {
            Object o = values.get(p);
            return o == null ? Optional.empty() : Optional.of(((Number) o).intValue());
        }

        long longValue(String p) {
            return ((Number) Objects.requireNonNull(values.get(p), p)).longValue();
        }

        double dbl(String p) {
            return ((Number) Objects.requireNonNull(values.get(p), p)).doubleValue();
        }

        Optional<Double> optDouble(String p) {
            Object o = values.get(p);
            return o == null ? Optional.empty() : Optional.of(((Number) o).doubleValue());
        }

        boolean bool(String p) {
            return (Boolean) Objects.requireNonNull(values.get(p), p);
        }

        @SuppressWarnings("unchecked")
        List<String> stringList(String p) {
            return (List<String>) Objects.requireNonNull(values.get(p), p);
        }

        @SuppressWarnings("unchecked")
        List<Double> numberList(String p) {
            return (List<Double>) Objects.requireNonNull(values.get(p), p);
        }

        Map<String, Object> options() {
            Map<String, Object> o = new TreeMap<>();
            values.forEach((k, x) -> {
                if (k.startsWith("options.") && x != null) {
                    o.put(k.substring("options.".length()), x);
                }
            });
            return o;
        }
    }
}
