package dev.lem.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.lem.config.QualityConfig;
import dev.lem.config.ServerApi;
import dev.lem.quality.Perplexity;
import dev.lem.quality.PerplexityResult;
import dev.lem.quality.QualityText;
import dev.lem.spi.TokenScoringException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Served prompt log-probabilities against canned replies in vLLM's formats
 * ({@code src/test/resources/dev/lem/serving/prompt-logprobs/}): which request form is used, which entry of each
 * position is read, and what a server that offers none says.
 */
@Timeout(30)
class PromptLogprobsScorerTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The prompt's token ids in vllm-tokenize.json. */
    private static final int[] IDS = {128000, 791, 8415, 7731, 389, 279, 5634, 13};
    /** The prompt's own log-probabilities in the canned replies, positions 1 to 7. */
    private static final double[] LP = {-3.2184503078460693, -9.119808197021484, -4.625234603881836,
        -0.6410496234893799, -0.4016733169555664, -1.2964897155761719, -1.8811211585998535};

    /** What the canned server does with each request form. */
    enum Mode {
        VLLM, ECHO_ONLY, NEITHER, NO_TOKENIZE
    }

    private HttpServer server;
    private ServingClient client;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.stop(0);
        }
    }

    private static String canned(String name) throws IOException {
        try (InputStream in = PromptLogprobsScorerTest.class.getResourceAsStream("prompt-logprobs/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private PromptLogprobsScorer scorer(Mode mode) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", x -> handle(x, mode));
        server.start();
        URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        client = ServingClient.create(new ServerSettings(uri, ServerApi.COMPLETIONS, "meta-llama/Llama-3.2-1B", true,
                Optional.empty(), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5),
                Duration.ofSeconds(10), 0, true));
        return new PromptLogprobsScorer(client, "meta-llama/Llama-3.2-1B", 8192, Duration.ofSeconds(5),
                "the vllm server at " + uri);
    }

    private void handle(HttpExchange x, Mode mode) throws IOException {
        JsonNode body = JSON.readTree(x.getRequestBody().readAllBytes());
        String path = x.getRequestURI().getPath();
        requests.add(path + " " + (body.has("prompt_logprobs") ? "prompt_logprobs" : body.has("echo") ? "echo" : ""));
        if (path.equals("/tokenize")) {
            if (mode == Mode.NO_TOKENIZE) {
                reply(x, 404, "{\"detail\":\"Not Found\"}");
            } else {
                reply(x, 200, canned("vllm-tokenize.json"));
            }
        } else if (body.has("prompt_logprobs")) {
            if (mode == Mode.VLLM) {
                reply(x, 200, canned("vllm-prompt-logprobs.json"));
            } else {
                reply(x, 400, canned("refused.json"));
            }
        } else if (body.path("echo").asBoolean(false) && mode == Mode.ECHO_ONLY) {
            reply(x, 200, canned("echo-logprobs.json"));
        } else {
            reply(x, 400, "{\"error\":{\"message\":\"echo is not supported\",\"type\":\"invalid_request_error\"}}");
        }
    }

    private static void reply(HttpExchange x, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
        x.close();
    }

    @Test
    void vllmPromptLogprobsGiveThePromptsOwnTokensLogProbabilities() throws IOException {
        PromptLogprobsScorer s = scorer(Mode.VLLM);
        assertThat(s.tokenize("The cat sat on the mat.")).containsExactly(IDS);
        // position 6 also lists the rank-1 token (8415, -1.02): the prompt's own token (5634) is the one read
        assertThat(s.logProbabilities(IDS, 1)).containsExactly(LP);
        assertThat(s.logProbabilities(IDS, 5)).containsExactly(LP[4], LP[5], LP[6]);
        assertThat(s.method()).startsWith("server prompt_logprobs");
        assertThat(requests).containsExactly("/tokenize ", "/v1/completions prompt_logprobs",
                "/v1/completions prompt_logprobs");
    }

    @Test
    void aServerThatRefusesPromptLogprobsIsAskedForTheEchoOnceAndThenOnlyThat() throws IOException {
        PromptLogprobsScorer s = scorer(Mode.ECHO_ONLY);
        assertThat(s.logProbabilities(IDS, 1)).containsExactly(LP);
        assertThat(s.logProbabilities(IDS, 2)).containsExactly(java.util.Arrays.copyOfRange(LP, 1, 7));
        assertThat(s.method()).startsWith("server echo with logprobs");
        assertThat(requests).containsExactly("/v1/completions prompt_logprobs", "/v1/completions echo",
                "/v1/completions echo");
    }

    @Test
    void perplexityThroughTheServerIsExpOfTheMeanNegativeLogLikelihood() throws IOException {
        PromptLogprobsScorer s = scorer(Mode.VLLM);
        PerplexityResult r = Perplexity.measure(s, new QualityText("canned", "The cat sat on the mat."),
                new QualityConfig.Perplexity(Optional.of("builtin"), "text", 2048, 8, 4));
        double nll = 0;
        for (double v : LP) {
            nll -= v;
        }
        assertThat(r.scoredTokens()).isEqualTo(7);
        assertThat(r.perplexity()).isCloseTo(Math.exp(nll / 7), within(1e-12));
    }

    @Test
    void aServerThatOffersNeitherSaysSoWithWhatItAnswered() throws IOException {
        PromptLogprobsScorer s = scorer(Mode.NEITHER);
        assertThatThrownBy(() -> s.logProbabilities(IDS, 1)).isInstanceOf(TokenScoringException.class)
                .hasMessageStartingWith("not offered by this server: ")
                .hasMessageContaining("prompt_logprobs: HTTP 400").hasMessageContaining("Extra inputs are not permitted")
                .hasMessageContaining("echo with logprobs: HTTP 400");
    }

    @Test
    void aServerWithoutTokenizeSaysSo() throws IOException {
        PromptLogprobsScorer s = scorer(Mode.NO_TOKENIZE);
        assertThatThrownBy(() -> s.tokenize("The cat")).isInstanceOf(TokenScoringException.class)
                .hasMessageStartingWith("not offered by this server: ").hasMessageContaining("/tokenize answered HTTP 404");
    }
}
