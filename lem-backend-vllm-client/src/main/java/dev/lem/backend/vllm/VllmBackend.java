package dev.lem.backend.vllm;

import dev.lem.serving.BackendOptions;
import dev.lem.serving.BackendOptions.Type;
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
 * <server.args...>} and stops it at the end.
 *
 * <p>Options: {@code return_token_ids}, {@code tokenize} (booleans, default true), {@code min_p},
 * {@code presence_penalty}, {@code frequency_penalty} (numbers), {@code stop_token_ids} (integers),
 * {@code skip_special_tokens} (boolean), plus {@link OpenAiCompatibleBackend#COMMON_OPTIONS} and
 * {@link OpenAiCompatibleBackend#ENGINE_OPTIONS} ({@code executable} defaults to {@code vllm}).
 */
public class VllmBackend extends OpenAiCompatibleBackend {
    private static final Logger LOG = LoggerFactory.getLogger(VllmBackend.class);
    static final List<BackendOptions.Spec> OPTIONS = List.of(
            BackendOptions.spec("return_token_ids", Type.BOOLEAN, "ask for token_ids per chunk (vLLM >= 0.10.2)"),
            BackendOptions.spec("tokenize", Type.BOOLEAN, "size synthetic prompts with /tokenize"),
            BackendOptions.spec("min_p", Type.NUMBER, 0, "min-p sampling"),
            BackendOptions.spec("presence_penalty", Type.NUMBER, "presence penalty"),
            BackendOptions.spec("frequency_penalty", Type.NUMBER, "frequency penalty"),
            BackendOptions.spec("stop_token_ids", Type.INTEGER_LIST, "token ids that stop generation"),
            BackendOptions.spec("skip_special_tokens", Type.BOOLEAN, "drop special tokens from the text"));
    private static final Duration TOKENIZE_TIMEOUT = Duration.ofSeconds(30);

    private final AtomicBoolean tokenizeWorks = new AtomicBoolean(true);

    /**
     * A backend for the vLLM server named in the context's configuration (started first when the
     * configuration asks for a managed {@code vllm serve}).
     *
     * @param context the experiment's configuration and options for this backend
     */
    public VllmBackend(BackendContext context) {
        super(context, "vllm", true, OPTIONS);
    }

    @Override
    protected void addFields(ObjectNode body, GenerationRequest r) {
        if (options.bool("return_token_ids", true)) {
            body.put("return_token_ids", true);
        }
        options.number("min_p").ifPresent(v -> body.put("min_p", v));
        options.number("presence_penalty").ifPresent(v -> body.put("presence_penalty", v));
        options.number("frequency_penalty").ifPresent(v -> body.put("frequency_penalty", v));
        if (options.has("stop_token_ids")) {
            var a = body.putArray("stop_token_ids");
            ((List<?>) options.values().get("stop_token_ids")).forEach(v -> a.add(((Number) v).longValue()));
        }
        if (options.has("skip_special_tokens")) {
            body.put("skip_special_tokens", options.bool("skip_special_tokens", true));
        }
    }

    /** Tokens of {@code text} as the served model counts them ({@code POST /tokenize}, BOS included). */
    @Override
    public Optional<Integer> countTokens(String text) {
        if (!options.bool("tokenize", true) || !tokenizeWorks.get()) {
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
        List<String> cmd = new ArrayList<>(List.of(options.string("executable").orElse("vllm"), "serve", config.model(),
                "--host", s.baseUri().getHost(), "--port", String.valueOf(s.port())));
        config.server().modelName().ifPresent(n -> {
            cmd.add("--served-model-name");
            cmd.add(n);
        });
        cmd.addAll(config.server().args());
        return cmd;
    }
}
