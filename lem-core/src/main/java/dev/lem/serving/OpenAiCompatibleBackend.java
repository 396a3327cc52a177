package dev.lem.serving;

import dev.lem.config.ConfigException;
import dev.lem.config.Option;
import dev.lem.config.OptionValues;
import dev.lem.config.ServerApi;
import dev.lem.spi.BackendCapabilities;
import dev.lem.spi.BackendContext;
import dev.lem.spi.BackendException;
import dev.lem.spi.BackendSettings;
import dev.lem.spi.GenerationListener;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.ModelInfo;
import dev.lem.spi.TelemetrySource;
import dev.lem.spi.WeightFormat;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A backend for any server with the OpenAI completions or chat API (SGLang, llama.cpp server, TGI,
 * Ollama, LM Studio, vLLM, trtllm-serve), built on {@link ServingClient}. The vLLM and TensorRT-LLM
 * backends extend it with their sampling fields, metrics and managed servers.
 *
 * <p>Request body: {@code model}, {@code prompt} (completions) or one user message (chat),
 * {@code max_tokens} (chat: {@link #maxTokensField()}), {@code temperature} (0 for greedy decoding),
 * {@code top_p} when below 1, {@code seed}, {@code stream: true} and
 * {@code stream_options: {include_usage: true}}; unless {@code options.sampling_extensions: false},
 * {@code ignore_eos} ({@code decoding.ignore_eos}), {@code min_tokens} (when above 0) and {@code top_k}
 * (when sampling with top-k), which vLLM, SGLang, llama.cpp and trtllm-serve accept; then the subclass's fields
 * ({@link #addFields}) and finally {@code options.extra_body_json}, a JSON object merged into every body.
 * The options each backend accepts are declared as {@link Option} constants here and by the subclasses.
 *
 * <p>Life cycle: the constructor checks the configuration (no I/O); {@link #load()} starts a managed
 * server when asked, then checks that the server answers and serves the model; {@link #close()} stops
 * the client and the managed server.
 */
public class OpenAiCompatibleBackend implements InferenceBackend {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiCompatibleBackend.class);
    /** JSON mapper shared by the served backends. */
    protected static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
    /** The most connections {@link #openConnections} opens ahead of a window. */
    static final int MAX_OPENED_CONNECTIONS = 2048;

    /** A JSON object merged into every request body. */
    public static final Option<String> EXTRA_BODY_JSON = Option.text("extra_body_json")
            .describe("a JSON object merged into every request body, for server-specific fields");
    /** Ask for the usage chunk. */
    public static final Option<Boolean> STREAM_USAGE = Option.bool("stream_usage").defaultValue(true)
            .describe("ask for the usage chunk (stream_options.include_usage)");
    /** Send the sampling fields most engines accept beyond OpenAI's. */
    public static final Option<Boolean> SAMPLING_EXTENSIONS = Option.bool("sampling_extensions").defaultValue(true)
            .describe("send ignore_eos, min_tokens and top_k (vLLM, SGLang, llama.cpp, trtllm-serve understand "
                    + "them); false for servers that reject unknown fields");
    /** Usage in every chunk (engine servers). */
    public static final Option<Boolean> CONTINUOUS_USAGE_STATS = Option.bool("continuous_usage_stats")
            .defaultValue(true).describe("ask for usage in every chunk (token counts per chunk)");
    /** Repetition penalty (engine servers). */
    public static final Option<Double> REPETITION_PENALTY = Option.number("repetition_penalty").min(0)
            .describe("repetition penalty (1: off)");
    /** Read the server's metrics endpoint into the time series (engine servers). */
    public static final Option<Boolean> METRICS = Option.bool("metrics").defaultValue(true)
            .describe("read the server's /metrics into the time series");
    /** Shortest time between two reads of the metrics endpoint. */
    public static final Option<Integer> METRICS_MIN_INTERVAL_MS = Option.integer("metrics_min_interval_ms")
            .defaultValue(250).range(10, 3_600_000).unit("ms").describe("shortest time between two reads of /metrics");
    /** The command of a managed server. */
    public static final Option<String> EXECUTABLE = Option.text("executable")
            .describe("the command that starts a managed server (default: the engine's own, on the PATH)");

    /** Options every served backend accepts. */
    public static final List<Option<?>> COMMON_OPTIONS = List.of(EXTRA_BODY_JSON, STREAM_USAGE, SAMPLING_EXTENSIONS);

    /** Options of the engine servers (vLLM, trtllm-serve) besides {@link #COMMON_OPTIONS}. */
    public static final List<Option<?>> ENGINE_OPTIONS = List.of(CONTINUOUS_USAGE_STATS, REPETITION_PENALTY, METRICS,
            METRICS_MIN_INTERVAL_MS, EXECUTABLE);

    private final String name;
    private final boolean engine;
    private @Nullable ScrapedTelemetry scraped;
    /** The backend's settings. */
    protected final BackendSettings config;
    /** The backend's checked options. */
    protected final OptionValues options;
    /** Where server logs go. */
    protected final Path artifacts;
    /** This process's rank. */
    protected final int rank;
    private final @Nullable ObjectNode extraBody;
    private ServerSettings settings;
    private final ServingClient client;
    private @Nullable ManagedServer managed;
    private final Map<String, String> environment = Collections.synchronizedMap(new LinkedHashMap<>());
    /** Set at the end of {@link #load()}: the client latency probe runs at the next read of the environment. */
    private volatile boolean clientLatencyProbePending;

    /**
     * A backend for the server in the context's settings; nothing is sent before {@link #load()}.
     *
     * @param context the backend context (its options already checked against the provider's declarations)
     * @param name    the backend's name, for messages ({@code openai}, {@code vllm}, {@code trtllm})
     * @param engine  an engine server (vLLM, trtllm-serve): asks for {@code continuous_usage_stats} (unless the
     *                option turns it off), sends {@code repetition_penalty} when set and names the chat limit
     *                {@code max_completion_tokens}
     * @throws ConfigException when a setting is wrong
     */
    protected OpenAiCompatibleBackend(BackendContext context, String name, boolean engine) {
        this.name = name;
        this.engine = engine;
        this.config = context.settings();
        this.artifacts = context.artifactsDirectory();
        this.rank = context.rank();
        this.options = context.options();
        this.extraBody = options.find(EXTRA_BODY_JSON).map(OpenAiCompatibleBackend::parseExtraBody).orElse(null);
        ServerSettings s = ServerSettings.from(config, name, System::getenv);
        if (config.server().managed()) {
            s = managedSettings(s);
        }
        checkApi(s.api());
        this.settings = s;
        try {
            this.client = ServingClient.create(s);
        } catch (IllegalArgumentException e) { // -Dlem.serving.http_client names no HTTP client on the class path
            throw new BackendException(e.getMessage(), e);
        }
    }

    /**
     * Checks a served backend's settings without connecting: the URL, the API key variable, the API,
     * {@code options.extra_body_json}, and whether it can start a server when asked to.
     *
     * @param settings the backend's settings
     * @param name the backend's name, for messages
     * @param canManage whether the backend can start its server ({@code server.managed})
     * @throws ConfigException listing every problem
     */
    public static void check(BackendSettings settings, String name, boolean canManage) {
        List<dev.lem.config.ConfigProblem> problems = new ArrayList<>();
        try {
            ServerSettings.from(settings, name, System::getenv);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        try {
            settings.options().find(EXTRA_BODY_JSON).ifPresent(OpenAiCompatibleBackend::parseExtraBody);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        if (settings.server().api() == ServerApi.TRITON && !name.equals("trtllm")) {
            problems.add(new dev.lem.config.ConfigProblem("server.api", "triton is served by backend trtllm, not "
                    + name + "; use completions or chat"));
        }
        dev.lem.config.AdapterConfig adapter = settings.adapter();
        if (adapter.synthetic()) {
            problems.add(new dev.lem.config.ConfigProblem("adapter.path", "synthetic adapters are made by the djl "
                    + "backend only; a server needs a PEFT adapter folder (or adapter.name for one it already serves)"));
        } else if (adapter.source().isPresent() && name.equals("trtllm")) {
            problems.add(new dev.lem.config.ConfigProblem("adapter.path", "the trtllm backend does not pass LoRA "
                    + "adapters to TensorRT-LLM yet; use backend vllm (--enable-lora --lora-modules) or djl"));
        } else if (adapter.source().isPresent() && settings.server().managed()) {
            java.nio.file.Path folder = java.nio.file.Path.of(adapter.source().get());
            if (!java.nio.file.Files.isRegularFile(folder.resolve("adapter_config.json"))) {
                problems.add(new dev.lem.config.ConfigProblem("adapter.path", "\"" + folder + "\" is not a PEFT "
                        + "adapter folder (no adapter_config.json): a managed server loads the adapter from it"));
            }
        }
        if (settings.server().managed() && !canManage) {
            problems.add(new dev.lem.config.ConfigProblem("server.managed", "backend " + name + " cannot start a "
                    + "server: start it yourself and set server.url, or use backend vllm or trtllm, which can"));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    /**
     * The generic backend {@code openai}.
     *
     * @param context the backend context
     * @return the backend, not yet loaded
     */
    public static OpenAiCompatibleBackend openAi(BackendContext context) {
        return new OpenAiCompatibleBackend(context, "openai", false);
    }

    private ServerSettings managedSettings(ServerSettings s) {
        managedCommand(s); // fails early with a ConfigException when this backend cannot manage a server
        if (rank == 0) {
            return s;
        }
        URI u = s.baseUri();
        URI shifted = URI.create(u.getScheme() + "://" + u.getHost() + ":" + (s.port() + rank));
        return new ServerSettings(shifted, s.api(), s.modelName(), s.modelNameGiven(), s.apiKey(), s.connectTimeout(),
                s.firstTokenTimeout(), s.idleTimeout(), s.requestTimeout(), s.maxRetries(), s.sameHost());
    }

    private static ObjectNode parseExtraBody(String json) {
        try {
            JsonNode n = JSON.readTree(json);
            if (n instanceof ObjectNode o) {
                return o;
            }
        } catch (JacksonException e) {
            throw new ConfigException("options.extra_body_json", "is not JSON: " + e.getOriginalMessage());
        }
        throw new ConfigException("options.extra_body_json", "must be a JSON object, e.g. '{\"top_k\": 20}'");
    }

    /**
     * Checks {@code server.api}; backends without Triton support refuse it.
     *
     * @param api the configured API
     */
    protected void checkApi(ServerApi api) {
        if (api == ServerApi.TRITON) {
            throw new ConfigException("server.api", "triton is served by backend trtllm, not " + name
                    + "; use completions or chat");
        }
    }

    /** {@return the backend's name} */
    public String name() {
        return name;
    }

    /** {@return the server settings (the model name is the served one after {@link #load()})} */
    public ServerSettings settings() {
        return settings;
    }

    /** {@return the streaming client} */
    protected ServingClient client() {
        return client;
    }

    // ------------------------------------------------------------------ life cycle

    @Override
    public ModelInfo load() {
        if (config.server().managed() && managed == null) {
            beforeManagedStart();
            List<String> cmd = managedCommand(settings);
            Path log = artifacts.resolve(name + "-server" + (rank > 0 ? "-rank" + rank : "") + ".log");
            managed = ManagedServer.start(cmd, settings.resolve(healthPath()),
                    Duration.ofNanos(Math.round(config.server().startupTimeoutS() * 1e9)), log);
            environment.put("server.managed_command", String.join(" ", cmd));
            environment.put("server.managed_log", log.toString());
            environment.put("server.managed_startup_s", String.format(java.util.Locale.ROOT, "%.1f",
                    managed.startupNanos() / 1e9));
        }
        environment.put("server.url", settings.baseUri().toString());
        environment.put("server.api", settings.api().toString());
        environment.put("client.http_client", client.transportDescription());
        verifyServer();
        environment.put("server.model", settings.modelName());
        clientLatencyProbePending = true;
        Map<String, String> details = new LinkedHashMap<>(environment);
        List<dev.lem.spi.EngineSetting> engine = engineSettings();
        ModelInfo info = new ModelInfo(settings.modelName(), "server", settings.baseUri().toString(), Optional.empty(),
                "unknown (chosen by the server)", false, Optional.empty(), details, engine).withWeights(weightFormat(engine));
        if (config.adapter().source().isPresent() || config.adapter().name().isPresent()) {
            info = info.withAdapter(servedAdapter());
        }
        return info;
    }

    /**
     * The served adapter as recorded: its name, and r, lora_alpha, target_modules and use_rslora from the folder's
     * adapter_config.json when LEM can read it (a managed server's adapter, or a folder given for a server at a URL);
     * 0 and no targets when unknown (an adapter the server serves by adapter.name only).
     */
    private dev.lem.spi.AdapterInfo servedAdapter() {
        Optional<String> folder = config.adapter().source();
        int r = 0;
        double alpha = 0;
        boolean rs = false;
        List<String> targets = List.of();
        if (folder.isPresent()) {
            try {
                JsonNode c = JSON.readTree(java.nio.file.Files.readString(Path.of(folder.get())
                        .resolve("adapter_config.json")));
                r = c.path("r").asInt(0);
                alpha = c.path("lora_alpha").asDouble(0);
                rs = c.path("use_rslora").asBoolean(false);
                List<String> t = new ArrayList<>();
                c.path("target_modules").forEach(n -> t.add(n.asString()));
                if (c.path("target_modules").isString()) {
                    t.add(c.path("target_modules").asString());
                }
                targets = t;
            } catch (IOException | RuntimeException e) {
                LOG.debug("cannot read the adapter's adapter_config.json", e);
            }
        }
        double scaling = r == 0 ? 0 : rs ? alpha / Math.sqrt(r) : alpha / r;
        return new dev.lem.spi.AdapterInfo(requestModel(), folder.orElse("served by the server (adapter.name)"), r,
                alpha, scaling, rs, targets, "served", 0);
    }

    /**
     * The weights' quantisation as the configuration and the server state it: the engine's {@code quantization}
     * (vLLM) or {@code quant_config.quant_algo} (TensorRT-LLM) setting when recorded (set for a managed server, passed through, or declared for a server at a URL), else
     * unknown — "as configured by the user outside LEM; not reported by the server".
     */
    private WeightFormat weightFormat(List<dev.lem.spi.EngineSetting> engine) {
        Optional<dev.lem.spi.EngineSetting> q = engine.stream().filter(e -> (e.name().equals("quantization")
                || e.name().equals("quant_config.quant_algo")) && e.value() != null).findFirst();
        Optional<dev.lem.spi.EngineSetting> dtype = engine.stream().filter(e -> e.name().equals("dtype")
                && e.value() != null).findFirst();
        String d = dtype.map(e -> String.valueOf(e.value())).orElse("unknown");
        if (q.isPresent()) {
            dev.lem.spi.EngineSetting e = q.get();
            String basis = switch (e.source()) {
                case SET_BY_LEM -> "set for the managed server (options.quantization)";
                case PASSED_THROUGH -> "passed to the managed server (server.args or extra)";
                case REPORTED_BY_SERVER -> "reported by the server";
                default -> "declared in options.quantization for a server configured outside LEM; not reported by it";
            };
            return new WeightFormat(d, String.valueOf(e.value()), basis, Optional.empty());
        }
        return new WeightFormat(d, "unknown", config.server().managed() ? "the engine's default for the checkpoint "
                + "(its quantization_config, if any): not reported by the server" : "as configured by the user outside "
                + "LEM; not reported by the server (declare options.quantization to record it)", Optional.empty());
    }

    /**
     * Opens the connections a window's first requests will use (at most {@value #MAX_OPENED_CONNECTIONS}) with
     * cheap GETs the server answers without work: {@code /v1/models}, or Triton's {@code /v2/health/ready}.
     *
     * @param connections how many requests the window will send at once at its start
     */
    @Override
    public void openConnections(int connections) {
        int n = Math.max(1, Math.min(connections, MAX_OPENED_CONNECTIONS));
        String path = settings.api() == ServerApi.TRITON ? "/v2/health/ready" : "/v1/models";
        try {
            int answered = client.openConnections(path, n, PROBE_TIMEOUT);
            if (answered < n) {
                LOG.debug("{} of {} connection-opening GETs of {} were answered", answered, n, path);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Measures the client's own added latency to a first chunk against a loopback echo and records it in the
     * environment; a probe that fails says why there instead. Runs once per load, the first time the environment
     * is read after {@link #load()} returned: the runner reads it just after the {@code model_load} window closes
     * and before warm-up, so the probe is inside no measured window (its 0.1–0.3 s are neither load time nor
     * load energy).
     */
    private void probeClientLatency() {
        int streams = config.server().clientLatencyProbeStreams();
        if (streams <= 0) {
            environment.put("client.added_latency.method", "not measured (server.client_latency_probe_streams: 0)");
            return;
        }
        try {
            environment.putAll(ClientLatencyProbe.measure(settings, streams, Math.min(10, streams)).facts());
        } catch (java.io.IOException | RuntimeException e) {
            environment.put("client.added_latency.method", "not measured: the probe failed (" + e.getMessage() + ")");
        }
    }

    /**
     * Runs just before a managed server is started (after the configuration was checked): check the engine's
     * version, write files the command line names. Throwing stops the load before anything is started.
     */
    protected void beforeManagedStart() {
    }

    /**
     * The engine settings to record with the model (after {@link #verifyServer()}): the settings of the typed
     * engine options, with what the server reported. The generic backend records none.
     *
     * @return the settings; empty for the generic backend
     */
    protected List<dev.lem.spi.EngineSetting> engineSettings() {
        return List.of();
    }

    /**
     * Checks that the server answers and serves the model: {@code GET /v1/models}, {@code GET /version}.
     * When the model was not named explicitly and the server serves exactly one, that one is used.
     *
     * @throws BackendException naming the URL, what was found and the fix
     */
    protected void verifyServer() {
        ServingClient.Reply models = probe("/v1/models");
        if (!models.ok()) {
            throw new BackendException("The " + name + " server at " + settings.baseUri() + " answered HTTP "
                    + models.status() + " to GET /v1/models: " + excerpt(models.body())
                    + " (check server.url and server.api_key_env)");
        }
        List<String> ids = new ArrayList<>();
        List<String> loras = new ArrayList<>();
        try {
            JsonNode root = JSON.readTree(models.body());
            for (JsonNode m : root.path("data")) {
                if (m.path("id").isString()) {
                    ids.add(m.get("id").asString());
                    if (m.path("parent").isString()) {
                        loras.add(m.get("id").asString()); // vLLM lists a LoRA module with its base as parent
                    }
                }
            }
            JsonNode first = root.path("data").path(0);
            if (first.path("max_model_len").isNumber()) {
                environment.put("server.max_model_len", first.get("max_model_len").asString());
            }
        } catch (JacksonException e) {
            throw new BackendException("The " + name + " server at " + settings.baseUri()
                    + " did not answer GET /v1/models with JSON: " + excerpt(models.body()));
        }
        environment.put("server.models", String.join(",", ids));
        Optional<String> adapter = config.adapter().effectiveName();
        if (adapter.isPresent()) {
            if (!ids.isEmpty() && !ids.contains(adapter.get())) {
                throw new BackendException("The " + name + " server at " + settings.baseUri() + " does not serve the "
                        + "adapter \"" + adapter.get() + "\" (it serves " + ids + "): start it with --enable-lora "
                        + "--lora-modules " + adapter.get() + "=<folder>, set adapter.name to the served adapter's name"
                        + (canManage() ? ", or let LEM start it (server.managed: true)" : ""));
            }
            environment.put("server.adapter", adapter.get());
        }
        // the base model is chosen among the models that are no adapter of another (and not the adapter named)
        List<String> bases = ids.stream().filter(i -> !loras.contains(i) && !adapter.filter(i::equals).isPresent())
                .toList();
        resolveModel(bases.isEmpty() ? ids : bases);
        version().ifPresent(v -> environment.put("server.version", v));
    }

    /**
     * The model name requests carry: the adapter's name when {@code adapter.*} names one (a vLLM LoRA module), else
     * the served model's.
     *
     * @return the name of the {@code model} field of requests
     */
    protected final String requestModel() {
        return config.adapter().effectiveName().orElse(settings.modelName());
    }

    /**
     * Log-probabilities of given text through the server ({@link PromptLogprobsScorer}: {@code /tokenize}, then
     * {@code prompt_logprobs} or {@code echo} with {@code logprobs}); whether the server offers them shows on the
     * first call. None for Triton's API.
     */
    @Override
    public Optional<dev.lem.spi.TokenScorer> tokenScorer() {
        if (settings.api() == ServerApi.TRITON) {
            return Optional.empty();
        }
        int context = Optional.ofNullable(environment().get("server.max_model_len")).flatMap(v -> {
            try {
                // each window is sent with max_tokens 1: the prompt may fill the context but for that token
                return Optional.of(Math.max(2, Integer.parseInt(v.trim()) - 1));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }).orElse(Integer.MAX_VALUE);
        return Optional.of(new PromptLogprobsScorer(client, requestModel(), context, settings.requestTimeout(),
                "the " + name + " server at " + settings.baseUri()));
    }

    /**
     * Picks the served model matching the configured name (or the only one when none was named).
     *
     * @param served the names of the models the server serves
     */
    protected final void resolveModel(List<String> served) {
        if (served.isEmpty() || served.contains(settings.modelName())) {
            return;
        }
        if (!settings.modelNameGiven() && served.size() == 1) {
            LOG.info("no model named in the configuration; using the one the server serves: {}", served.get(0));
            settings = settings.withModelName(served.get(0));
            return;
        }
        throw new BackendException("The " + name + " server at " + settings.baseUri() + " serves " + served
                + ", not \"" + settings.modelName() + "\": set server.model_name to one of them");
    }

    /**
     * Sends requests to this model from now on (a backend that found the served name another way).
     *
     * @param modelName the served model's name
     */
    protected final void useModel(String modelName) {
        settings = settings.withModelName(modelName);
    }

    /** {@return the server's version from {@code GET /version}, when it has that endpoint} */
    protected Optional<String> version() {
        try {
            ServingClient.Reply r = client.get("/version", PROBE_TIMEOUT);
            if (r.ok()) {
                JsonNode v = JSON.readTree(r.body()).path("version");
                return v.isString() ? Optional.of(v.asString()) : Optional.empty();
            }
        } catch (IOException | JacksonException e) {
            LOG.debug("no /version", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }

    /**
     * A blocking GET for probes during {@link #load()}.
     *
     * @param path the path, e.g. {@code /v1/models}
     * @return the server's reply
     * @throws BackendException when the server cannot be reached
     */
    protected final ServingClient.Reply probe(String path) {
        try {
            return client.get(path, PROBE_TIMEOUT.plus(settings.connectTimeout()));
        } catch (IOException e) {
            throw new BackendException("Cannot reach the " + name + " server at " + settings.baseUri() + " (GET " + path
                    + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + "): start it, check server.url" + (canManage() ? ", or set server.managed: true" : ""), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("Interrupted while contacting " + settings.baseUri(), e);
        }
    }

    private boolean canManage() {
        try {
            managedCommand(settings);
            return true;
        } catch (ConfigException e) {
            return false;
        }
    }

    /** {@return the health endpoint of a managed server, a path such as {@code /health}} */
    protected String healthPath() {
        return "/health";
    }

    /**
     * The command line that starts a managed server for these settings ({@code server.managed: true}).
     *
     * @param s the server settings
     * @return the command and its arguments
     * @throws ConfigException when this backend cannot start a server
     */
    protected List<String> managedCommand(ServerSettings s) {
        throw new ConfigException("server.managed", "backend " + name + " cannot start a server: start it yourself "
                + "and set server.url, or use backend vllm or trtllm, which can");
    }

    @Override
    public BackendCapabilities capabilities() {
        return new BackendCapabilities(false, false, true, settings.sameHost(), false);
    }

    @Override
    public void generate(List<GenerationRequest> batch, GenerationListener listener) {
        List<CompletableFuture<Void>> fs = new ArrayList<>();
        for (GenerationRequest r : batch) {
            fs.add(submit(r, listener));
        }
        long waitS = (long) Math.ceil(settings.requestTimeout().toSeconds() + 30.0);
        try {
            CompletableFuture.allOf(fs.toArray(new CompletableFuture[0])).get(waitS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException("Interrupted while waiting for " + batch.size() + " request(s)", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new BackendException("Requests did not finish within " + waitS + " s: " + e.getMessage(), e);
        }
    }

    @Override
    public CompletableFuture<Void> submit(GenerationRequest request, GenerationListener listener) {
        StreamCall call;
        try {
            call = call(request);
        } catch (RuntimeException e) {
            long now = System.nanoTime();
            listener.requestStarted(request.id(), now);
            listener.requestFailed(request.id(), now, "could not build the request: " + e.getMessage());
            return CompletableFuture.completedFuture(null);
        }
        return client.stream(call, listener);
    }

    /**
     * The HTTP call for one request (endpoint, body, dialect).
     *
     * @param r the request
     * @return the call
     */
    protected StreamCall call(GenerationRequest r) {
        boolean chat = settings.api() == ServerApi.CHAT;
        ObjectNode body = JSON.createObjectNode();
        body.put("model", requestModel());
        if (chat) {
            body.putArray("messages").addObject().put("role", "user").put("content", r.prompt());
            body.put(maxTokensField(), r.maxOutputTokens());
        } else {
            body.put("prompt", r.prompt());
            body.put("max_tokens", r.maxOutputTokens());
        }
        body.put("stream", true);
        if (options.get(STREAM_USAGE)) {
            body.set("stream_options", streamOptions());
        }
        if (r.decoding().isGreedy()) {
            body.put("temperature", 0.0);
        } else {
            body.put("temperature", r.decoding().temperature());
            if (r.decoding().topP() < 1.0) {
                body.put("top_p", r.decoding().topP());
            }
        }
        body.put("seed", r.seed());
        if (options.get(SAMPLING_EXTENSIONS)) {
            if (r.decoding().ignoreEos()) {
                body.put("ignore_eos", true);
            }
            if (r.minOutputTokens() > 0) {
                body.put("min_tokens", r.minOutputTokens());
            }
            if (!r.decoding().isGreedy() && r.decoding().topK() > 0) {
                body.put("top_k", r.decoding().topK());
            }
        }
        if (engine) {
            options.find(REPETITION_PENALTY).ifPresent(v -> body.put("repetition_penalty", v));
        }
        addFields(body, r);
        if (extraBody != null) {
            body.setAll(extraBody.deepCopy());
        }
        return new StreamCall(r.id(), chat ? "/v1/chat/completions" : "/v1/completions", JSON.writeValueAsBytes(body),
                chat ? StreamDialect.OPENAI_CHAT : StreamDialect.OPENAI_COMPLETIONS, r.maxOutputTokens());
    }

    /** {@return {@code stream_options}: the usage chunk, and for engine servers usage in every chunk} */
    protected ObjectNode streamOptions() {
        ObjectNode o = JSON.createObjectNode().put("include_usage", true);
        if (engine) {
            o.put("continuous_usage_stats", options.get(CONTINUOUS_USAGE_STATS));
        }
        return o;
    }

    /** {@return the output-limit field of chat requests: {@code max_tokens}, engine servers the newer name} */
    protected String maxTokensField() {
        return engine ? "max_completion_tokens" : "max_tokens";
    }

    /**
     * The server-metrics source, made once by {@code create} (client, minimum interval from
     * {@code options.metrics_min_interval_ms}, default 250 ms); empty when {@code options.metrics: false}.
     *
     * @param create makes the source from the client and the minimum interval
     * @return the source; empty when server metrics are off
     */
    protected final synchronized Optional<TelemetrySource> scrapedTelemetry(
            BiFunction<ServingClient, Duration, ScrapedTelemetry> create) {
        if (!options.get(METRICS)) {
            return Optional.empty();
        }
        if (scraped == null) {
            scraped = create.apply(client, Duration.ofMillis(options.get(METRICS_MIN_INTERVAL_MS)));
        }
        return Optional.of(scraped);
    }

    /**
     * Adds backend-specific fields to a request body. The generic backend adds none.
     *
     * @param body the request body, to add to
     * @param request the request
     */
    protected void addFields(ObjectNode body, GenerationRequest request) {
    }

    @Override
    public Map<String, String> environment() {
        if (clientLatencyProbePending) {
            synchronized (environment) {
                if (clientLatencyProbePending) {
                    clientLatencyProbePending = false;
                    probeClientLatency();
                }
            }
        }
        synchronized (environment) {
            return Map.copyOf(environment);
        }
    }

    /**
     * Adds a fact to the environment section.
     *
     * @param key the fact's name
     * @param value the fact
     */
    protected final void putEnvironment(String key, String value) {
        environment.put(key, value);
    }

    /** {@return the managed server, when one was started} */
    protected Optional<ManagedServer> managedServer() {
        return Optional.ofNullable(managed);
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (RuntimeException e) {
            LOG.debug("closing the client failed", e);
        }
        ManagedServer m = managed;
        managed = null;
        if (m != null) {
            m.close();
        }
    }

    /**
     * The first 300 characters of a body.
     *
     * @param body the body
     * @return the body without surrounding white space, cut to 300 characters followed by {@code ...} when longer
     */
    protected static String excerpt(String body) {
        String s = body.strip();
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
