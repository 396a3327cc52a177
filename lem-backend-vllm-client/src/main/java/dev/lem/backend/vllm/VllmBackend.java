package dev.lem.backend.vllm;

import dev.lem.config.ConfigException;
import dev.lem.config.ConfigProblem;
import dev.lem.config.Option;
import dev.lem.serving.EngineFlags;
import dev.lem.serving.EngineVersion;
import dev.lem.serving.PrometheusText;
import dev.lem.spi.BackendException;
import dev.lem.spi.BackendSettings;
import dev.lem.spi.EngineSetting;
import dev.lem.serving.ManagedServer;
import dev.lem.serving.OpenAiCompatibleBackend;
import dev.lem.serving.ServerSettings;
import dev.lem.serving.ServingClient;
import dev.lem.spi.BackendContext;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.TelemetrySource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The backend {@code vllm}. On top of {@link OpenAiCompatibleBackend}'s request it asks for per-chunk
 * {@code token_ids} ({@code return_token_ids}) and {@code continuous_usage_stats}, so every chunk's token
 * count comes from the server; it adds the sampling options below; it sizes prompts with {@code /tokenize};
 * it scrapes {@code /metrics} ({@link VllmMetricsSource}); and with {@code server.managed: true} it runs
 * {@code vllm serve <model> --host <host> --port <port> [--served-model-name <server.model_name>]
 * <server.args...> <extra as --flags>} and stops it at the end ({@code extra: {max_num_seqs: 64,
 * enforce_eager: true}} becomes {@code --max-num-seqs 64 --enforce-eager}).
 *
 * <p>Options: {@code return_token_ids}, {@code tokenize} (booleans, default true), {@code min_p},
 * {@code presence_penalty}, {@code frequency_penalty} (numbers), {@code stop_token_ids} (integers),
 * {@code skip_special_tokens} (boolean), plus {@link OpenAiCompatibleBackend#COMMON_OPTIONS} and
 * {@link OpenAiCompatibleBackend#ENGINE_OPTIONS} ({@code executable} defaults to {@code vllm}).
 */
public class VllmBackend extends OpenAiCompatibleBackend {
    private static final Logger LOG = LoggerFactory.getLogger(VllmBackend.class);
    static final Option<Boolean> RETURN_TOKEN_IDS = Option.bool("return_token_ids").defaultValue(true)
            .describe("ask for token_ids per chunk (vLLM >= 0.10.2), so token counts come from the server");
    static final Option<Boolean> TOKENIZE = Option.bool("tokenize").defaultValue(true)
            .describe("size synthetic prompts with the server's /tokenize");
    static final Option<Double> MIN_P = Option.number("min_p").range(0, 1).describe("min-p sampling");
    static final Option<Double> PRESENCE_PENALTY = Option.number("presence_penalty").range(-2, 2)
            .describe("presence penalty");
    static final Option<Double> FREQUENCY_PENALTY = Option.number("frequency_penalty").range(-2, 2)
            .describe("frequency penalty");
    static final Option<List<Integer>> STOP_TOKEN_IDS = Option.integerList("stop_token_ids")
            .describe("token ids that stop generation");
    static final Option<Boolean> SKIP_SPECIAL_TOKENS = Option.bool("skip_special_tokens")
            .describe("drop special tokens from the text (the server's default when unset)");
    /** Every option of the vllm backend. */
    static final List<Option<?>> OPTIONS;

    static {
        List<Option<?>> all = new ArrayList<>(COMMON_OPTIONS);
        all.addAll(ENGINE_OPTIONS);
        all.addAll(List.of(RETURN_TOKEN_IDS, TOKENIZE, MIN_P, PRESENCE_PENALTY, FREQUENCY_PENALTY, STOP_TOKEN_IDS,
                SKIP_SPECIAL_TOKENS));
        all.addAll(VllmEngineOptions.OPTIONS);
        OPTIONS = List.copyOf(all);
    }
    /** Labels of vLLM's {@code vllm:cache_config_info} gauge, by the engine argument they report. */
    private static final Map<String, String> CACHE_CONFIG_LABELS = Map.ofEntries(
            Map.entry("block_size", "block_size"), Map.entry("gpu_memory_utilization", "gpu_memory_utilization"),
            Map.entry("swap_space", "swap_space"), Map.entry("cache_dtype", "kv_cache_dtype"),
            Map.entry("enable_prefix_caching", "enable_prefix_caching"),
            Map.entry("prefix_caching_hash_algo", "prefix_caching_hash_algo"),
            Map.entry("cpu_offload_gb", "cpu_offload_gb"), Map.entry("calculate_kv_scales", "calculate_kv_scales"),
            Map.entry("num_gpu_blocks_override", "num_gpu_blocks_override"),
            Map.entry("kv_cache_memory_bytes", "kv_cache_memory_bytes"),
            Map.entry("kv_sharing_fast_prefill", "kv_sharing_fast_prefill"),
            Map.entry("mamba_cache_dtype", "mamba_cache_dtype"), Map.entry("mamba_ssm_cache_dtype", "mamba_ssm_cache_dtype"),
            Map.entry("mamba_block_size", "mamba_block_size"), Map.entry("num_gpu_blocks", "num_gpu_blocks"),
            Map.entry("num_cpu_blocks", "num_cpu_blocks"), Map.entry("sliding_window", "sliding_window"));
    private static final Duration TOKENIZE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration VERSION_PROBE = Duration.ofSeconds(120);

    private final AtomicBoolean tokenizeWorks = new AtomicBoolean(true);
    private final List<EngineFlags.PassThrough> passedThrough;
    private List<EngineSetting> engineSettings = List.of();

    /**
     * A backend for the vLLM server named in the context's configuration (started first when the
     * configuration asks for a managed {@code vllm serve}).
     *
     * @param context the experiment's configuration and options for this backend
     */
    public VllmBackend(BackendContext context) {
        super(context, "vllm", true);
        List<ConfigProblem> problems = new ArrayList<>(VllmEngineOptions.check(options,
                config.adapter().source().isPresent()));
        this.passedThrough = config.server().managed() ? VllmEngineOptions.FLAGS.passThrough(config, problems)
                : List.of();
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    /**
     * Checks the engine options and what {@code server.args} and {@code extra:} pass to a managed server, without
     * connecting.
     *
     * @throws ConfigException listing every problem
     */
    static void check(BackendSettings settings) {
        List<ConfigProblem> problems = new ArrayList<>();
        try {
            OpenAiCompatibleBackend.check(settings, "vllm", true);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        problems.addAll(VllmEngineOptions.check(settings.options(), settings.adapter().source().isPresent()));
        if (settings.server().managed()) {
            VllmEngineOptions.FLAGS.passThrough(settings, problems);
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    @Override
    protected void addFields(ObjectNode body, GenerationRequest r) {
        if (options.get(RETURN_TOKEN_IDS)) {
            body.put("return_token_ids", true);
        }
        options.find(MIN_P).ifPresent(v -> body.put("min_p", v));
        options.find(PRESENCE_PENALTY).ifPresent(v -> body.put("presence_penalty", v));
        options.find(FREQUENCY_PENALTY).ifPresent(v -> body.put("frequency_penalty", v));
        options.find(STOP_TOKEN_IDS).ifPresent(ids -> {
            var a = body.putArray("stop_token_ids");
            ids.forEach(a::add);
        });
        options.find(SKIP_SPECIAL_TOKENS).ifPresent(v -> body.put("skip_special_tokens", v));
    }

    /** Tokens of {@code text} as the served model counts them ({@code POST /tokenize}, BOS included). */
    @Override
    public Optional<Integer> countTokens(String text) {
        if (!options.get(TOKENIZE) || !tokenizeWorks.get()) {
            return Optional.empty();
        }
        ObjectNode body = JSON.createObjectNode().put("model", settings().modelName()).put("prompt", text);
        try {
            ServingClient.Reply r = client().postJson("/tokenize", JSON.writeValueAsBytes(body), TOKENIZE_TIMEOUT);
            if (r.status() == 404 || r.status() == 405) {
                tokenizeWorks.set(false);
                putEnvironment("server.tokenize", "unavailable (HTTP " + r.status() + ")");
                return Optional.empty();
            }
            if (r.ok()) {
                JsonNode count = JSON.readTree(r.body()).path("count");
                if (count.isIntegralNumber()) {
                    return Optional.of(count.asInt());
                }
            }
            LOG.debug("/tokenize answered {}: {}", r.status(), excerpt(r.body()));
        } catch (IOException | JacksonException e) {
            LOG.debug("/tokenize failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }

    /**
     * vLLM's cumulative phase times from one read of {@code /metrics} (when {@code options.metrics} is on): the sums
     * of the {@code vllm:request_prefill_time_seconds} and {@code vllm:request_decode_time_seconds} histograms
     * (per-request times, summed over engines), for apportioning a cycle's energy between prefill and decode.
     */
    @Override
    public Map<String, Double> engineCounters() {
        if (!options.get(METRICS)) {
            return Map.of();
        }
        try {
            ServingClient.Reply r = client().get("/metrics", Duration.ofSeconds(2));
            return r.ok() ? phaseCounters(r.body()) : Map.of();
        } catch (IOException | RuntimeException e) {
            LOG.debug("/metrics could not be read for the phase times", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Map.of();
    }

    /**
     * The phase-time counters in one {@code /metrics} text: {@code engine.prefill_time_s} and
     * {@code engine.decode_time_s}, both or neither (servers before vLLM 0.7 have no phase histograms).
     *
     * @param body the Prometheus text
     * @return the counters, by name; empty when either histogram is missing
     */
    static Map<String, Double> phaseCounters(String body) {
        PrometheusText p = PrometheusText.parse(body);
        Optional<Double> prefill = p.sum("vllm:request_prefill_time_seconds_sum");
        Optional<Double> decode = p.sum("vllm:request_decode_time_seconds_sum");
        if (prefill.isEmpty() || decode.isEmpty()) {
            return Map.of();
        }
        return Map.of(dev.lem.result.PhaseSplit.PREFILL_TIME_COUNTER, prefill.get(),
                dev.lem.result.PhaseSplit.DECODE_TIME_COUNTER, decode.get());
    }

    @Override
    public Optional<TelemetrySource> telemetry() {
        return scrapedTelemetry(VllmMetricsSource::new);
    }

    private String executable() {
        return options.find(EXECUTABLE).orElse("vllm");
    }

    private boolean seedPassedThrough() {
        return config.server().args().stream().anyMatch(a -> a.equals("--seed") || a.startsWith("--seed="))
                || config.extra().containsKey("seed");
    }

    /**
     * {@code vllm serve <model> --host <host> --port <port> [--served-model-name <name>] <engine options as flags>
     * --seed <seed> <server.args...> <extra as --flags>}: the typed engine options in vLLM's syntax, the
     * experiment's seed as vLLM's engine seed (unless {@code server.args} or {@code extra:} set one), then what is
     * passed through verbatim.
     */
    @Override
    protected List<String> managedCommand(ServerSettings s) {
        List<String> cmd = new ArrayList<>(List.of(executable(), "serve", config.model(),
                "--host", s.baseUri().getHost(), "--port", String.valueOf(s.port())));
        config.server().modelName().ifPresent(n -> {
            cmd.add("--served-model-name");
            cmd.add(n);
        });
        cmd.addAll(VllmEngineOptions.FLAGS.commandLine(options));
        cmd.addAll(adapterFlags());
        if (!seedPassedThrough()) {
            cmd.add("--seed");
            cmd.add(String.valueOf(config.seed()));
        }
        cmd.addAll(config.server().args());
        cmd.addAll(ManagedServer.engineFlags(config.extra()));
        return cmd;
    }

    /**
     * The flags that serve {@code adapter.path}: {@code --enable-lora} (unless {@code options.enable_lora} already
     * writes it), {@code --lora-modules <name>=<folder>}, and {@code --max-lora-rank <r>} when the adapter's rank
     * ({@code r} in its adapter_config.json) is above vLLM's default of 16 and {@code options.max_lora_rank} is unset.
     */
    private List<String> adapterFlags() {
        Optional<String> folder = config.adapter().source();
        if (folder.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (!options.find(VllmEngineOptions.ENABLE_LORA).orElse(false)) {
            out.add("--enable-lora");
        }
        out.add("--lora-modules");
        out.add(config.adapter().effectiveName().orElseThrow() + "=" + folder.get());
        if (!options.isSet(VllmEngineOptions.MAX_LORA_RANK)) {
            try {
                JsonNode c = JSON.readTree(java.nio.file.Files.readString(java.nio.file.Path.of(folder.get())
                        .resolve("adapter_config.json")));
                int r = c.path("r").asInt(0);
                if (r > 16) {
                    out.add("--max-lora-rank");
                    out.add(String.valueOf(r));
                }
            } catch (IOException | JacksonException e) {
                LOG.debug("cannot read the adapter's rank", e);
            }
        }
        return out;
    }

    /**
     * Before {@code vllm serve} starts: when an option that newer vLLM versions accept is set, asks
     * {@code vllm --version} and refuses to start a version that would reject it.
     */
    @Override
    protected void beforeManagedStart() {
        boolean versioned = VllmEngineOptions.OPTIONS.stream().anyMatch(o -> o.since().isPresent() && options.isSet(o));
        if (!versioned) {
            return;
        }
        Optional<EngineVersion> v = ManagedServer.probeVersion(List.of(executable(), "--version"), VERSION_PROBE);
        if (v.isEmpty()) {
            LOG.warn("could not read the version of `{} --version`; options that need a newer vLLM are checked once "
                    + "the server runs", executable());
            return;
        }
        putEnvironment("server.version_before_start", v.get().text());
        List<String> bad = VllmEngineOptions.FLAGS.unsupported(options, v.get(), "vLLM", "`" + executable()
                + " --version`");
        if (!bad.isEmpty()) {
            throw new ConfigException(bad.stream().map(m -> new ConfigProblem(m.substring(0, m.indexOf(' ')),
                    m.substring(m.indexOf(' ') + 1))).toList());
        }
    }

    /**
     * The checks of every served backend, then: the server's version accepts the options set; the settings the
     * server reports ({@code max_model_len} of {@code /v1/models}, the labels of {@code vllm:cache_config_info} in
     * {@code /metrics}) are recorded, and for a server LEM did not start, one that contradicts an option declared
     * under {@code options:} fails the load.
     */
    @Override
    protected void verifyServer() {
        super.verifyServer();
        Map<String, String> env = environment();
        String where = (config.server().managed() ? "the managed server at " : "the server at ") + settings().baseUri();
        Optional<EngineVersion> version = Optional.ofNullable(env.get("server.version")).flatMap(EngineVersion::parse);
        if (version.isPresent()) {
            List<String> bad = VllmEngineOptions.FLAGS.unsupported(options, version.get(), "vLLM", where);
            if (!bad.isEmpty()) {
                throw new BackendException(String.join("; ", bad));
            }
        }
        Map<String, Object> reported = new LinkedHashMap<>();
        Optional.ofNullable(env.get("server.max_model_len")).ifPresent(v -> reported.put("max_model_len", v));
        if (options.get(METRICS)) {
            reported.putAll(cacheConfig());
        }
        List<EngineSetting> recorded = new ArrayList<>(VllmEngineOptions.FLAGS.settings(config, passedThrough));
        if (config.server().managed()) {
            recorded.add(seedPassedThrough() ? new EngineSetting("seed", null, EngineSetting.Source.PASSED_THROUGH, null,
                    "server.args or extra") : new EngineSetting("seed", config.seed(), EngineSetting.Source.CORE_KEY,
                    null, "seed"));
        }
        List<String> mismatches = new ArrayList<>();
        engineSettings = EngineFlags.withReported(recorded, reported, mismatches);
        if (!mismatches.isEmpty()) {
            String m = String.join("; ", mismatches);
            if (!config.server().managed()) {
                throw new BackendException("The vLLM server at " + settings().baseUri() + " runs with other settings than "
                        + "declared: " + m + ". Fix the options, or restart the server with them (or let LEM start it: "
                        + "server.managed: true)");
            }
            LOG.warn("the managed vLLM server reports other settings than it was started with: {}", m);
            putEnvironment("server.settings_mismatch", m);
        }
    }

    /** The labels of {@code vllm:cache_config_info} (one engine's), by engine argument; empty when absent. */
    private Map<String, Object> cacheConfig() {
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            ServingClient.Reply r = client().get("/metrics", TOKENIZE_TIMEOUT);
            if (!r.ok()) {
                return out;
            }
            for (PrometheusText.Sample s : PrometheusText.parse(r.body()).samples()) {
                if (!s.name().equals("vllm:cache_config_info")) {
                    continue;
                }
                s.labels().forEach((label, value) -> {
                    String arg = CACHE_CONFIG_LABELS.get(label);
                    if (arg != null && !value.isBlank() && !value.equals("None")) {
                        out.putIfAbsent(arg, value.equals("True") || value.equals("False")
                                ? value.toLowerCase(java.util.Locale.ROOT) : value);
                    }
                });
            }
        } catch (IOException e) {
            LOG.debug("/metrics not readable at load", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    @Override
    protected List<EngineSetting> engineSettings() {
        return engineSettings;
    }
}
