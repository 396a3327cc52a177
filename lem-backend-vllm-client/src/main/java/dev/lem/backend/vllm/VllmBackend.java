package dev.lem.backend.vllm;

import dev.lem.config.Option;
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
import java.util.List;
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
        OPTIONS = List.copyOf(all);
    }
    private static final Duration TOKENIZE_TIMEOUT = Duration.ofSeconds(30);

    private final AtomicBoolean tokenizeWorks = new AtomicBoolean(true);

    /**
     * A backend for the vLLM server named in the context's configuration (started first when the
     * configuration asks for a managed {@code vllm serve}).
     *
     * @param context the experiment's configuration and options for this backend
     */
    public VllmBackend(BackendContext context) {
        super(context, "vllm", true);
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

    @Override
    public Optional<TelemetrySource> telemetry() {
        return scrapedTelemetry(VllmMetricsSource::new);
    }

    @Override
    protected List<String> managedCommand(ServerSettings s) {
        List<String> cmd = new ArrayList<>(List.of(options.find(EXECUTABLE).orElse("vllm"), "serve", config.model(),
                "--host", s.baseUri().getHost(), "--port", String.valueOf(s.port())));
        config.server().modelName().ifPresent(n -> {
            cmd.add("--served-model-name");
            cmd.add(n);
        });
        cmd.addAll(config.server().args());
        cmd.addAll(ManagedServer.engineFlags(config.extra()));
        return cmd;
    }
}
