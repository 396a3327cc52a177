package dev.lem.backend.trtllm;

import dev.lem.config.ConfigException;
import dev.lem.config.ConfigProblem;
import dev.lem.config.Option;
import dev.lem.serving.EngineFlags;
import dev.lem.serving.EngineVersion;
import dev.lem.spi.EngineSetting;
import java.io.IOException;
import java.nio.file.Files;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.dataformat.yaml.YAMLMapper;
import dev.lem.config.ServerApi;
import dev.lem.serving.ManagedServer;
import dev.lem.serving.OpenAiCompatibleBackend;
import dev.lem.serving.ServerSettings;
import dev.lem.serving.ServingClient;
import dev.lem.serving.StreamCall;
import dev.lem.serving.StreamDialect;
import dev.lem.spi.BackendContext;
import dev.lem.spi.BackendSettings;
import dev.lem.spi.BackendException;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.TelemetrySource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The backend {@code trtllm}.
 *
 * <p><b>trtllm-serve</b> ({@code server.api: completions} or {@code chat}): the OpenAI request of
 * {@link OpenAiCompatibleBackend} with {@code continuous_usage_stats}; its {@code /metrics} JSON iteration
 * statistics (start the server with {@code enable_iter_perf_stats: true}) are read by one poller,
 * {@link TrtllmIterationStatsSource}, because each read removes them (it also reads them at each measured
 * window's edges, for the engine's iteration time by phase: {@link #engineCounters()}); with
 * {@code server.managed: true} it runs {@code trtllm-serve <model> --host <host> --port <port> <server.args...>
 * <extra as --flags>}.
 *
 * <p><b>Triton</b> ({@code server.api: triton}): {@code POST /v2/models/<server.model_name, default
 * ensemble>/generate_stream} (or {@code /generate} with {@code options.stream: false}) with
 * {@code text_input}, {@code max_tokens}, {@code stream}, greedy as {@code top_k: 1} or
 * {@code temperature}/{@code top_k}/{@code top_p}, {@code min_tokens} ({@code = max_tokens} under
 * {@code decoding.ignore_eos}, so lengths are exact without relying on the end token), {@code end_id}
 * ({@code options.end_id}) and {@code return_perf_metrics} ({@code options.return_perf_metrics}, default
 * true; the server's arrival, first-scheduled, first- and last-token times become the cycle counters
 * {@code server.queue_ms}, {@code server.ttft_ms}, {@code server.e2e_ms} summed over requests). Triton sends
 * no token counts: each event with text counts one token (Triton streams one token per event), and prompt
 * tokens are recorded as 0 unless the ensemble returns {@code num_input_tokens}. Triton serves no iteration
 * statistics, so its cycles have no prefill/decode split.
 */
public class TrtllmBackend extends OpenAiCompatibleBackend {
    static final Option<Boolean> STREAM = Option.bool("stream").defaultValue(true)
            .describe("triton: generate_stream (true) or generate (false)");
    static final Option<Boolean> RETURN_PERF_METRICS = Option.bool("return_perf_metrics").defaultValue(true)
            .describe("triton: ask for the server's timestamps");
    static final Option<Integer> END_ID = Option.integer("end_id").min(0)
            .describe("triton: the end-of-sequence token id");
    static final Option<String> TRITON_METRICS_URL = Option.text("triton_metrics_url")
            .describe("triton: its Prometheus metrics endpoint (default: server.url's host, port 8002, /metrics)");
    /** Every option of the trtllm backend. */
    static final List<Option<?>> OPTIONS;

    static {
        List<Option<?>> all = new ArrayList<>(COMMON_OPTIONS);
        all.addAll(ENGINE_OPTIONS);
        all.addAll(List.of(STREAM, RETURN_PERF_METRICS, END_ID, TRITON_METRICS_URL));
        all.addAll(TrtllmEngineOptions.OPTIONS);
        OPTIONS = List.copyOf(all);
    }
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9_.-]+");

    /**
     * A backend for the {@code trtllm-serve} or Triton server named in the context's configuration
     * (started first when the configuration asks for a managed {@code trtllm-serve}).
     *
     * @param context the experiment's configuration and options for this backend
     * @throws ConfigException when the configured Triton model name is not a plain name
     */
    public TrtllmBackend(BackendContext context) {
        super(context, "trtllm", true);
        check(context.settings());
        this.passedThrough = config.server().managed()
                ? TrtllmEngineOptions.FLAGS.passThrough(config, new ArrayList<>()) : List.of();
    }

    private final List<EngineFlags.PassThrough> passedThrough;
    private List<EngineSetting> engineSettings = List.of();

    /**
     * Checks the settings without connecting: those of every served backend, the Triton model name, and that
     * a managed server is trtllm-serve.
     *
     * @throws ConfigException listing every problem
     */
    static void check(BackendSettings settings) {
        List<ConfigProblem> problems = new ArrayList<>();
        try {
            OpenAiCompatibleBackend.check(settings, "trtllm", true);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        List<EngineFlags.PassThrough> passed = settings.server().managed()
                ? TrtllmEngineOptions.FLAGS.passThrough(settings, problems) : List.of();
        problems.addAll(TrtllmEngineOptions.check(settings.options(), runtime(settings, passed)));
        if (settings.server().managed()) {
            userOptionsFile(settings, problems);
        }
        if (settings.server().api() == ServerApi.TRITON) {
            String model = settings.server().modelName().orElse(settings.modelExplicit() ? settings.model() : "ensemble");
            if (!MODEL_NAME.matcher(model).matches()) {
                problems.add(new ConfigProblem("server.model_name", "\"" + model + "\" is not a Triton model name "
                        + "(letters, digits, _ . -); set it to the ensemble's name, e.g. ensemble"));
            }
            settings.options().find(TRITON_METRICS_URL).ifPresent(u -> {
                try {
                    URI url = URI.create(u.strip());
                    if (url.getHost() == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
                        throw new IllegalArgumentException("not an http(s) URL with a host");
                    }
                } catch (IllegalArgumentException e) {
                    problems.add(new ConfigProblem("options.triton_metrics_url", "\"" + u + "\" is not an http(s) URL "
                            + "with a host; give Triton's metrics endpoint, e.g. http://127.0.0.1:8002/metrics"));
                }
            });
            if (settings.server().managed()) {
                problems.add(new ConfigProblem("server.managed", "LEM manages trtllm-serve, not Triton: start Triton "
                        + "yourself, or use server.api completions or chat"));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    private boolean triton() {
        return settings().api() == ServerApi.TRITON;
    }

    private String tritonModel() {
        return settings().modelNameGiven() ? settings().modelName() : "ensemble";
    }

    @Override
    protected void checkApi(ServerApi api) {
        // completions, chat (trtllm-serve) and triton are all served
    }

    @Override
    protected void verifyServer() {
        if (!triton()) {
            super.verifyServer();
            checkVersionAndRecordSettings();
            return;
        }
        String model = tritonModel();
        ServingClient.Reply ready = probe("/v2/models/" + model + "/ready");
        if (!ready.ok()) {
            throw new BackendException("Triton at " + settings().baseUri() + " says model \"" + model
                    + "\" is not ready (HTTP " + ready.status() + (ready.body().isBlank() ? "" : ": "
                    + excerpt(ready.body())) + "): set server.model_name to the TensorRT-LLM ensemble's name");
        }
        useModel(model);
        ServingClient.Reply meta = probe("/v2");
        if (meta.ok()) {
            try {
                JsonNode v = JSON.readTree(meta.body()).path("version");
                if (v.isString()) {
                    putEnvironment("server.version", "triton " + v.asString());
                }
            } catch (JacksonException e) {
                putEnvironment("server.version", "unknown (GET /v2 was not JSON)");
            }
        }
        checkVersionAndRecordSettings();
    }

    @Override
    protected StreamCall call(GenerationRequest r) {
        if (!triton()) {
            return super.call(r);
        }
        boolean stream = options.get(STREAM);
        ObjectNode body = JSON.createObjectNode();
        body.put("text_input", r.prompt());
        body.put("max_tokens", r.maxOutputTokens());
        body.put("stream", stream);
        if (r.decoding().isGreedy()) {
            body.put("top_k", 1);
        } else {
            body.put("temperature", r.decoding().temperature());
            if (r.decoding().topK() > 0) {
                body.put("top_k", r.decoding().topK());
            }
            if (r.decoding().topP() < 1.0) {
                body.put("top_p", r.decoding().topP());
            }
        }
        int min = r.decoding().ignoreEos() ? r.maxOutputTokens() : r.minOutputTokens();
        if (min > 0) {
            body.put("min_tokens", min);
        }
        options.find(END_ID).ifPresent(v -> body.put("end_id", v));
        options.find(REPETITION_PENALTY).ifPresent(v -> body.put("repetition_penalty", v));
        if (options.get(RETURN_PERF_METRICS)) {
            body.put("return_perf_metrics", true);
        }
        if (!stream) {
            body.put("exclude_input_in_output", true);
        }
        String path = "/v2/models/" + settings().modelName() + (stream ? "/generate_stream" : "/generate");
        return new StreamCall(r.id(), path, JSON.writeValueAsBytes(body), StreamDialect.TRITON, r.maxOutputTokens());
    }

    @Override
    public Optional<TelemetrySource> telemetry() {
        if (triton()) {
            URI url = TritonMetricsSource.url(settings().baseUri(), options.find(TRITON_METRICS_URL));
            return scrapedTelemetry((client, interval) -> new TritonMetricsSource(client, url, interval,
                    settings().modelName()));
        }
        return scrapedTelemetry(TrtllmIterationStatsSource::new);
    }

    /**
     * trtllm-serve's cumulative iteration time by phase ({@code engine.prefill_iteration_time_s},
     * {@code engine.decode_iteration_time_s}, s; see {@link TrtllmIterationStatsSource}), after reading
     * {@code /metrics} now through the one reader of the iteration statistics, for apportioning a cycle's energy
     * between prefill and decode. Empty in Triton mode (its Prometheus metrics have no phase times), with
     * {@code options.metrics} off, when the read fails, and while no iteration statistics with batching figures
     * have been read (the server runs without {@code enable_iter_perf_stats}).
     */
    @Override
    public Map<String, Double> engineCounters() {
        if (triton()) {
            return Map.of();
        }
        return scrapedTelemetry(TrtllmIterationStatsSource::new)
                .map(s -> s instanceof TrtllmIterationStatsSource t ? t.phaseCounters() : Map.<String, Double>of())
                .orElse(Map.of());
    }

    /**
     * {@code trtllm-serve <model> --host <host> --port <port> <engine options as flags> [--extra_llm_api_options
     * <file>] <server.args...> <extra as --flags>}: the engine options that are trtllm-serve flags in its syntax
     * ({@code --max_batch_size 64}); the others, and {@code enable_iter_perf_stats: true} when LEM reads the
     * iteration statistics ({@code options.metrics}), in an LLM API options file LEM writes next to the server's
     * log, merged with the file {@code server.args} names with {@code --extra_llm_api_options}, if any; then what
     * is passed through ({@code extra:} keys keep their underscores, as trtllm-serve's flags do).
     */
    @Override
    protected List<String> managedCommand(ServerSettings s) {
        if (s.api() == ServerApi.TRITON) {
            throw new ConfigException("server.managed", "LEM manages trtllm-serve, not Triton: start Triton yourself, "
                    + "or use server.api completions or chat");
        }
        List<String> cmd = new ArrayList<>(List.of(options.find(EXECUTABLE).orElse("trtllm-serve"), config.model(),
                "--host", s.baseUri().getHost(), "--port", String.valueOf(s.port())));
        cmd.addAll(TrtllmEngineOptions.FLAGS.commandLine(options));
        List<String> args = new ArrayList<>(config.server().args());
        Optional<Integer> userFile = fileFlagIndex(args);
        if (!llmApiOptions().isEmpty()) {
            cmd.add(TrtllmEngineOptions.FILE_FLAG);
            cmd.add(optionsFile().toString());
            userFile.ifPresent(i -> {
                args.remove((int) i);
                if (i < args.size()) {
                    args.remove((int) i);
                }
            });
        }
        cmd.addAll(args);
        cmd.addAll(ManagedServer.engineFlags(config.extra(), false));
        return cmd;
    }

    private Path optionsFile() {
        return artifacts.resolve("trtllm-llm-api-options" + (rank > 0 ? "-rank" + rank : "") + ".yaml");
    }

    private static Optional<Integer> fileFlagIndex(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals(TrtllmEngineOptions.FILE_FLAG) || args.get(i).startsWith(TrtllmEngineOptions.FILE_FLAG
                    + "=")) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    /** The runtime asked for: {@code options.backend}, else a {@code --backend} passed through; empty when unset. */
    static Optional<String> runtime(BackendSettings settings, List<EngineFlags.PassThrough> passed) {
        Optional<String> set = settings.options().find(TrtllmEngineOptions.BACKEND).map(dev.lem.config.Choice::word);
        return set.or(() -> passed.stream().filter(p -> p.flag().option().name().equals("backend")).findFirst()
                .map(p -> p.value() instanceof Enum<?> e ? dev.lem.config.Choice.word(e) : String.valueOf(p.value())));
    }

    /** The file {@code server.args} names with {@code --extra_llm_api_options}, if any. */
    private static Optional<Path> userFile(BackendSettings settings) {
        List<String> args = settings.server().args();
        return fileFlagIndex(args).flatMap(i -> {
            String a = args.get(i);
            if (a.contains("=")) {
                return Optional.of(Path.of(a.substring(a.indexOf('=') + 1)));
            }
            return i + 1 < args.size() ? Optional.of(Path.of(args.get(i + 1))) : Optional.empty();
        });
    }

    /**
     * The entries of the user's own LLM API options file, checked against the engine options set: a key in both
     * is a problem naming the option and the file. Empty when there is no such file.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> userOptionsFile(BackendSettings settings, List<ConfigProblem> problems) {
        Optional<Path> file = userFile(settings);
        if (file.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> user;
        try {
            Object read = YAML.readValue(Files.readString(file.get()), Object.class);
            user = read instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        } catch (IOException | JacksonException e) {
            problems.add(new ConfigProblem("server.args", TrtllmEngineOptions.FILE_FLAG + " names " + file.get()
                    + ", which cannot be read as YAML (" + e.getMessage() + "): fix the file or the path"));
            return Map.of();
        }
        for (EngineFlags.Flag f : TrtllmEngineOptions.FLAGS.flags()) {
            if (settings.options().isSet(f.option()) && lookup(user, f.key()).isPresent()) {
                problems.add(new ConfigProblem("options." + f.option().name(), "is also set in " + file.get() + " ("
                        + f.key() + ", named by server.args " + TrtllmEngineOptions.FILE_FLAG + "): set it once; "
                        + "options." + f.option().name() + " is typed, checked, recorded and can be a campaign axis, "
                        + "so remove " + f.key() + " from the file"));
            }
        }
        return user;
    }

    @SuppressWarnings("unchecked")
    private static Optional<Object> lookup(Map<String, Object> tree, String path) {
        Object at = tree;
        for (String part : path.split("\\.")) {
            if (!(at instanceof Map<?, ?> m) || !m.containsKey(part)) {
                return Optional.empty();
            }
            at = ((Map<String, Object>) m).get(part);
        }
        return Optional.ofNullable(at);
    }

    /**
     * What LEM writes to the LLM API options file (before merging with the user's own): the options' entries, and
     * {@code enable_iter_perf_stats: true} when LEM reads iteration statistics ({@code options.metrics}) and the
     * runtime is PyTorch (TensorRT-LLM 1.0's default; the field does not exist for the other runtimes).
     */
    private Map<String, Object> llmApiOptions() {
        boolean pytorch = runtime(config, TrtllmEngineOptions.FLAGS.passThrough(config, new ArrayList<>()))
                .map(r -> r.equals("pytorch")).orElse(true);
        return TrtllmEngineOptions.fileEntries(options,
                options.get(METRICS) && config.server().api() != ServerApi.TRITON && pytorch);
    }

    /** Writes the LLM API options file: the user's own file (if any) with LEM's entries merged in. */
    @Override
    protected void beforeManagedStart() {
        Map<String, Object> lem = llmApiOptions();
        if (lem.isEmpty()) {
            return;
        }
        List<ConfigProblem> problems = new ArrayList<>();
        Map<String, Object> merged = new LinkedHashMap<>(userOptionsFile(config, problems));
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        if (lookup(merged, "enable_iter_perf_stats").isPresent()) {
            lem.remove("enable_iter_perf_stats"); // the user's own file decides
        }
        merge(merged, lem);
        try {
            Files.createDirectories(optionsFile().getParent());
            Files.writeString(optionsFile(), "# LLM API options written by LEM for trtllm-serve "
                    + TrtllmEngineOptions.FILE_FLAG + "\n" + YAML.writeValueAsString(merged));
        } catch (IOException e) {
            throw new BackendException("Cannot write the LLM API options file " + optionsFile() + ": " + e.getMessage(), e);
        }
        putEnvironment("server.llm_api_options_file", optionsFile().toString());
    }

    @SuppressWarnings("unchecked")
    private static void merge(Map<String, Object> into, Map<String, Object> from) {
        from.forEach((k, v) -> {
            Object mine = into.get(k);
            if (mine instanceof Map<?, ?> a && v instanceof Map<?, ?> b) {
                Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) a);
                merge(copy, (Map<String, Object>) b);
                into.put(k, copy);
            } else {
                into.put(k, v);
            }
        });
    }

    /**
     * After the server was checked: the server's version accepts the options set; and the engine settings are
     * recorded (set by LEM, passed through, the engine's default, or declared for a server LEM did
     * not start).
     */
    private void checkVersionAndRecordSettings() {
        String where = (config.server().managed() ? "the managed server at " : "the server at ") + settings().baseUri();
        Optional.ofNullable(environment().get("server.version")).flatMap(EngineVersion::parse).ifPresent(v -> {
            List<String> bad = TrtllmEngineOptions.FLAGS.unsupported(options, v, "TensorRT-LLM", where);
            if (!bad.isEmpty()) {
                throw new BackendException(String.join("; ", bad));
            }
        });
        List<EngineSetting> recorded = new ArrayList<>();
        Map<String, Object> user = config.server().managed() ? userOptionsFile(config, new ArrayList<>()) : Map.of();
        for (EngineSetting e : TrtllmEngineOptions.FLAGS.settings(config, passedThrough)) {
            Optional<EngineFlags.Flag> f = TrtllmEngineOptions.FLAGS.flags().stream()
                    .filter(x -> x.argument().equals(e.name())).findFirst();
            Optional<Object> fromFile = f.filter(x -> x.style() == EngineFlags.Style.FILE_ENTRY)
                    .flatMap(x -> lookup(user, x.key()));
            recorded.add(e.source() == EngineSetting.Source.ENGINE_DEFAULT && fromFile.isPresent()
                    ? new EngineSetting(e.name(), fromFile.get(), EngineSetting.Source.PASSED_THROUGH, null,
                            userFile(config).map(Path::toString).orElse("server.args"))
                    : e);
        }
        if (config.server().managed() && !triton()) {
            Optional<Object> stats = lookup(user, "enable_iter_perf_stats");
            recorded.add(stats.isPresent() ? new EngineSetting("enable_iter_perf_stats", stats.get(),
                    EngineSetting.Source.PASSED_THROUGH, null, userFile(config).map(Path::toString).orElse(""))
                    : llmApiOptions().containsKey("enable_iter_perf_stats")
                            ? new EngineSetting("enable_iter_perf_stats", true, EngineSetting.Source.SET_BY_LEM, null,
                                    "options.metrics")
                            : new EngineSetting("enable_iter_perf_stats", null, EngineSetting.Source.ENGINE_DEFAULT, null,
                                    "engine default: false (LEM sets it only for the pytorch runtime, with options.metrics)"));
        }
        engineSettings = recorded;
    }

    @Override
    protected List<EngineSetting> engineSettings() {
        return engineSettings;
    }
}
