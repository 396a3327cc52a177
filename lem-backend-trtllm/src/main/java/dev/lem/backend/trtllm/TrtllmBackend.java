package dev.lem.backend.trtllm;

import dev.lem.config.ConfigException;
import dev.lem.config.ConfigProblem;
import dev.lem.config.Option;
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
 * {@link TrtllmIterationStatsSource}, because each read removes them; with {@code server.managed: true} it
 * runs {@code trtllm-serve <model> --host <host> --port <port> <server.args...> <extra as --flags>}.
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
 * tokens are recorded as 0 unless the ensemble returns {@code num_input_tokens}.
 */
public class TrtllmBackend extends OpenAiCompatibleBackend {
    static final Option<Boolean> STREAM = Option.bool("stream").defaultValue(true)
            .describe("triton: generate_stream (true) or generate (false)");
    static final Option<Boolean> RETURN_PERF_METRICS = Option.bool("return_perf_metrics").defaultValue(true)
            .describe("triton: ask for the server's timestamps");
    static final Option<Integer> END_ID = Option.integer("end_id").min(0)
            .describe("triton: the end-of-sequence token id");
    /** Every option of the trtllm backend. */
    static final List<Option<?>> OPTIONS;

    static {
        List<Option<?>> all = new ArrayList<>(COMMON_OPTIONS);
        all.addAll(ENGINE_OPTIONS);
        all.addAll(List.of(STREAM, RETURN_PERF_METRICS, END_ID));
        OPTIONS = List.copyOf(all);
    }

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
    }

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
        if (settings.server().api() == ServerApi.TRITON) {
            String model = settings.server().modelName().orElse(settings.modelExplicit() ? settings.model() : "ensemble");
            if (!MODEL_NAME.matcher(model).matches()) {
                problems.add(new ConfigProblem("server.model_name", "\"" + model + "\" is not a Triton model name "
                        + "(letters, digits, _ . -); set it to the ensemble's name, e.g. ensemble"));
            }
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
        return triton() ? Optional.empty() : scrapedTelemetry(TrtllmIterationStatsSource::new);
    }

    @Override
    protected List<String> managedCommand(ServerSettings s) {
        if (s.api() == ServerApi.TRITON) {
            throw new ConfigException("server.managed", "LEM manages trtllm-serve, not Triton: start Triton yourself, "
                    + "or use server.api completions or chat");
        }
        List<String> cmd = new ArrayList<>(List.of(options.find(EXECUTABLE).orElse("trtllm-serve"), config.model(),
                "--host", s.baseUri().getHost(), "--port", String.valueOf(s.port())));
        cmd.addAll(config.server().args());
        cmd.addAll(ManagedServer.engineFlags(config.extra()));
        return cmd;
    }
}
