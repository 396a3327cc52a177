package dev.lem.serving;

import dev.lem.spi.TokenScorer;
import dev.lem.spi.TokenScoringException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Log-probabilities of given text from an OpenAI-compatible server, for perplexity: the text is tokenised by the
 * server ({@code POST /tokenize}, vLLM's endpoint: {@code {"model", "prompt"}} → {@code {"tokens": [...]}}, special
 * tokens added as for a prompt), and each window is sent as token ids to {@code POST /v1/completions} with
 * {@code max_tokens: 1}, asking for:
 *
 * <ol>
 *   <li>vLLM's {@code prompt_logprobs: 0}: {@code choices[0].prompt_logprobs} is a list with one entry per prompt
 *       token, {@code null} for the first, else an object from token id (as text) to
 *       {@code {"logprob", "rank", "decoded_token"}} holding at least the prompt's own token;</li>
 *   <li>if the server ignores or refuses that field: the legacy completions API's {@code echo: true, logprobs: 0}:
 *       {@code choices[0].logprobs.token_logprobs} starts with one entry per prompt token, {@code null} for the
 *       first.</li>
 * </ol>
 *
 * <p>The first form that works is kept for later windows. When the server offers neither (or has no
 * {@code /tokenize}), every call fails with a {@link TokenScoringException} whose message starts "not offered by this
 * server" and says what the server answered; the experiment records perplexity as unavailable with it.
 */
public final class PromptLogprobsScorer implements TokenScorer {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String NOT_OFFERED = "not offered by this server: ";

    /** Which request form works. */
    enum Form {
        UNKNOWN, PROMPT_LOGPROBS, ECHO
    }

    private final ServingClient client;
    private final String model;
    private final int maxWindow;
    private final Duration timeout;
    private final String server;
    private Form form = Form.UNKNOWN;
    private String firstRefusal = "";

    /**
     * A scorer for a served model.
     *
     * @param client    the backend's client
     * @param model     the model name requests use (the adapter's, when one is served)
     * @param maxWindow the longest window, tokens ({@code max_model_len} − 1 when the server reported it: one token
     *                  is generated)
     * @param timeout   how long one request may take
     * @param server    the server's name for messages, e.g. {@code "the vllm server at http://..."}
     */
    public PromptLogprobsScorer(ServingClient client, String model, int maxWindow, Duration timeout, String server) {
        this.client = client;
        this.model = model;
        this.maxWindow = maxWindow;
        this.timeout = timeout;
        this.server = server;
    }

    @Override
    public int[] tokenize(String text) {
        ObjectNode body = JSON.createObjectNode().put("model", model).put("prompt", text);
        ServingClient.Reply r = post("/tokenize", body);
        if (r.status() == 404 || r.status() == 405) {
            throw new TokenScoringException(NOT_OFFERED + "POST /tokenize answered HTTP " + r.status() + " (perplexity "
                    + "through a server needs its tokenizer: vLLM's /tokenize)");
        }
        if (!r.ok()) {
            throw new TokenScoringException(NOT_OFFERED + "POST /tokenize answered HTTP " + r.status() + ": "
                    + excerpt(r.body()));
        }
        JsonNode tokens = read(r, "/tokenize").path("tokens");
        if (!tokens.isArray()) {
            throw new TokenScoringException(NOT_OFFERED + "POST /tokenize gave no \"tokens\" list: " + excerpt(r.body()));
        }
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokens.get(i).asInt();
        }
        return ids;
    }

    @Override
    public double[] logProbabilities(int[] tokens, int from) {
        if (form != Form.ECHO) {
            Optional<double[]> v = promptLogprobs(tokens, from);
            if (v.isPresent()) {
                form = Form.PROMPT_LOGPROBS;
                return v.get();
            }
        }
        Optional<double[]> v = echo(tokens, from);
        if (v.isPresent()) {
            form = Form.ECHO;
            return v.get();
        }
        throw new TokenScoringException(NOT_OFFERED + server + " gave no log-probabilities of a prompt ("
                + firstRefusal + "; echo with logprobs: " + lastRefusal + ")");
    }

    private String lastRefusal = "";

    private Optional<double[]> promptLogprobs(int[] tokens, int from) {
        ObjectNode body = request(tokens);
        body.put("prompt_logprobs", 0);
        ServingClient.Reply r = post("/v1/completions", body);
        if (!r.ok()) {
            firstRefusal = "prompt_logprobs: HTTP " + r.status() + " " + excerpt(r.body());
            return Optional.empty();
        }
        JsonNode list = read(r, "/v1/completions").path("choices").path(0).path("prompt_logprobs");
        if (!list.isArray()) {
            firstRefusal = "prompt_logprobs: the reply has no choices[0].prompt_logprobs list";
            return Optional.empty();
        }
        if (list.size() < tokens.length) {
            throw new TokenScoringException("the server's prompt_logprobs has " + list.size() + " entries for a prompt of "
                    + tokens.length + " tokens");
        }
        double[] out = new double[tokens.length - from];
        for (int i = from; i < tokens.length; i++) {
            JsonNode entry = list.get(i).path(Integer.toString(tokens[i]));
            JsonNode lp = entry.isObject() ? entry.path("logprob") : entry;
            if (!lp.isNumber()) {
                throw new TokenScoringException("the server's prompt_logprobs entry " + i + " holds no log-probability "
                        + "for the prompt's token " + tokens[i] + ": " + excerpt(list.get(i).toString()));
            }
            out[i - from] = lp.asDouble();
        }
        return Optional.of(out);
    }

    private Optional<double[]> echo(int[] tokens, int from) {
        ObjectNode body = request(tokens);
        body.put("echo", true);
        body.put("logprobs", 0);
        ServingClient.Reply r = post("/v1/completions", body);
        if (!r.ok()) {
            lastRefusal = "HTTP " + r.status() + " " + excerpt(r.body());
            return Optional.empty();
        }
        JsonNode list = read(r, "/v1/completions").path("choices").path(0).path("logprobs").path("token_logprobs");
        if (!list.isArray() || list.size() < tokens.length) {
            lastRefusal = list.isArray() ? "token_logprobs has " + list.size() + " entries for " + tokens.length
                    + " prompt tokens (the server does not echo the prompt's)" : "the reply has no "
                    + "choices[0].logprobs.token_logprobs";
            return Optional.empty();
        }
        double[] out = new double[tokens.length - from];
        for (int i = from; i < tokens.length; i++) {
            JsonNode lp = list.get(i);
            if (!lp.isNumber()) {
                lastRefusal = "token_logprobs[" + i + "] is " + lp;
                return Optional.empty();
            }
            out[i - from] = lp.asDouble();
        }
        return Optional.of(out);
    }

    private ObjectNode request(int[] tokens) {
        ObjectNode body = JSON.createObjectNode().put("model", model);
        ArrayNode prompt = body.putArray("prompt");
        for (int t : tokens) {
            prompt.add(t);
        }
        body.put("max_tokens", 1);
        body.put("temperature", 0.0);
        return body;
    }

    private ServingClient.Reply post(String path, ObjectNode body) {
        try {
            return client.postJson(path, JSON.writeValueAsBytes(body), timeout);
        } catch (IOException e) {
            throw new TokenScoringException("POST " + path + " to " + server + " failed: " + (e.getMessage() == null
                    ? e.getClass().getSimpleName() : e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenScoringException("interrupted while waiting for " + server, e);
        }
    }

    private JsonNode read(ServingClient.Reply r, String path) {
        try {
            return JSON.readTree(r.body());
        } catch (JacksonException e) {
            throw new TokenScoringException(NOT_OFFERED + path + " did not answer with JSON: " + excerpt(r.body()), e);
        }
    }

    @Override
    public int maxWindowTokens() {
        return maxWindow;
    }

    @Override
    public String method() {
        return switch (form) {
            case PROMPT_LOGPROBS -> "server prompt_logprobs (" + server + ")";
            case ECHO -> "server echo with logprobs (" + server + ")";
            case UNKNOWN -> "server prompt log-probabilities (" + server + ")";
        };
    }

    /** {@return the first 300 characters of a body, on one line} */
    static String excerpt(String body) {
        String s = body.strip().replaceAll("\\s+", " ");
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    /** {@return the request forms tried, for tests} */
    List<String> tried() {
        List<String> out = new ArrayList<>();
        out.add(firstRefusal);
        out.add(lastRefusal);
        return out;
    }
}
