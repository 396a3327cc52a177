package dev.lem.serving;

import dev.lem.config.DecodingPreset;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.config.ConfigException;
import dev.lem.config.ConfigResolver;
import dev.lem.config.DecodingConfig;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.ValueSource;
import dev.lem.spi.BackendContext;
import dev.lem.spi.BackendException;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.ModelInfo;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

@Timeout(60)
class OpenAiCompatibleBackendTest {
    @TempDir
    Path dir;
    private ScriptedServer server;

    @BeforeEach
    void start() throws Exception {
        server = ScriptedServer.builder().start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ExperimentConfig config(Object... kv) {
        ConfigResolver r = ConfigResolver.withDefaults().set("backend", "openai", ValueSource.BUILDER);
        for (int i = 0; i < kv.length; i += 2) {
            r.set((String) kv[i], kv[i + 1], ValueSource.BUILDER);
        }
        return r.resolve();
    }

    private InferenceBackend backend(ExperimentConfig c) {
        return new OpenAiBackendProvider().create(BackendContext.of(c, new OpenAiBackendProvider(), dir, 0));
    }

    private JsonNode send(InferenceBackend b, GenerationRequest r) throws Exception {
        CountingLog log = new CountingLog();
        b.submit(r, log).get(20, TimeUnit.SECONDS);
        assertThat(log.log().end(r.id()).kind()).isEqualTo("completed");
        return server.trace(r.prompt()).body;
    }

    @Test
    void aMissingOrBadUrlIsAConfigErrorNamingTheKey() {
        assertThatThrownBy(() -> backend(config())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("server.url").hasMessageContaining("is required for backend openai");
        assertThatThrownBy(() -> backend(config("server.url", "localhost:8000"))).hasMessageContaining("server.url")
                .hasMessageContaining("must start with http://");
        assertThatThrownBy(() -> backend(config("server.url", "http://:8000"))).hasMessageContaining("no host");
    }

    @Test
    void optionsAreChecked() {
        assertThatThrownBy(() -> backend(config("server.url", server.uri().toString(), "options.ignore_eoss", true)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("options.ignore_eoss")
                .hasMessageContaining("is not an option of backend openai (it knows: extra_body_json, "
                        + "sampling_extensions, stream_usage)");
        assertThatThrownBy(() -> backend(config("server.url", server.uri().toString(), "options.extra_body_json", "[1]")))
                .hasMessageContaining("options.extra_body_json").hasMessageContaining("must be a JSON object");
        assertThatThrownBy(() -> backend(config("server.url", server.uri().toString(), "options.stream_usage", "yes")))
                .hasMessageContaining("options.stream_usage").hasMessageContaining("is not true or false");
    }

    @Test
    void theGenericBackendCannotManageAServerOrSpeakTriton() {
        assertThatThrownBy(() -> backend(config("server.url", server.uri().toString(), "server.managed", true)))
                .hasMessageContaining("server.managed").hasMessageContaining("backend openai cannot start a server");
        assertThatThrownBy(() -> backend(config("server.url", server.uri().toString(), "server.api", "triton")))
                .hasMessageContaining("server.api").hasMessageContaining("backend trtllm");
    }

    @Test
    void anUnsetApiKeyVariableIsNamed() {
        assertThatThrownBy(() -> backend(config("server.url", server.uri().toString(), "server.api_key_env",
                "LEM_TEST_SURELY_UNSET_KEY"))).hasMessageContaining("server.api_key_env")
                .hasMessageContaining("LEM_TEST_SURELY_UNSET_KEY is not set");
    }

    @Test
    void theOnlyServedModelIsUsedWhenNoneIsNamedAndTheServerIsDescribed() {
        try (InferenceBackend b = backend(config("server.url", server.uri() + "/"))) {
            ModelInfo m = b.load();
            assertThat(m.id()).isEqualTo("test-model");
            assertThat(m.source()).isEqualTo("server");
            assertThat(b.environment()).containsEntry("server.version", "0.10.1.dev-test")
                    .containsEntry("server.models", "test-model").containsEntry("server.max_model_len", "4096");
            assertThat(b.environment().get("client.http_client")).as("the HTTP client is recorded")
                    .matches("(java\\.net\\.http \\(JDK .+\\)|jetty 12\\..+)");
            assertThat(b.capabilities().inProcess()).isFalse();
            assertThat(b.capabilities().concurrentRequests()).isTrue();
        }
    }

    @Test
    void theClientsAddedLatencyIsMeasuredOnceAfterLoadAndRecordedWithItsMethod() {
        try (InferenceBackend b = backend(config("server.url", server.uri().toString(), "server.client_latency_probe_streams", 5))) {
            assertThat(b.load().details()).as("the probe is not part of the load (nor of its window)")
                    .doesNotContainKey("client.added_latency.method");
            assertThat(b.environment()).containsEntry("client.added_latency.streams", "5")
                    .containsKeys("client.added_latency.mean_ms", "client.added_latency.p50_ms",
                            "client.added_latency.p90_ms", "client.added_latency.max_ms");
            assertThat(b.environment().get("client.added_latency.method")).startsWith("loopback echo");
            assertThat(server.traces()).as("the probe talks to its own echo, not to the server")
                    .noneMatch(t -> t.prompt.startsWith("probe "));
        }
        try (InferenceBackend b = backend(config("server.url", server.uri().toString(), "server.client_latency_probe_streams", 0))) {
            b.load();
            assertThat(b.environment()).doesNotContainKey("client.added_latency.mean_ms")
                    .containsEntry("client.added_latency.method", "not measured (server.client_latency_probe_streams: 0)");
        }
    }

    @Test
    void aModelTheServerDoesNotServeIsNamedWithTheChoices() {
        try (InferenceBackend b = backend(config("server.url", server.uri().toString(), "server.model_name", "llama"))) {
            assertThatThrownBy(b::load).isInstanceOf(BackendException.class)
                    .hasMessageContaining("serves [test-model], not \"llama\"").hasMessageContaining("server.model_name");
        }
    }

    @Test
    void anUnreachableServerSaysWhatToDo() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (InferenceBackend b = backend(config("server.url", "http://127.0.0.1:" + port))) {
            assertThatThrownBy(b::load).isInstanceOf(BackendException.class)
                    .hasMessageContaining("Cannot reach the openai server at http://127.0.0.1:" + port)
                    .hasMessageContaining("check server.url");
        }
    }

    @Test
    void completionBodyCarriesTheDecodingSettings() throws Exception {
        try (InferenceBackend b = backend(config("server.url", server.uri().toString(), "server.model_name", "test-model",
                "options.extra_body_json", "{\"priority\": 3}"))) {
            b.load();
            JsonNode greedy = send(b, new GenerationRequest("g", "greedy one", null, 4, 2,
                    DecodingConfig.greedyDecoding(true), 17, false));
            assertThat(greedy.path("model").asString()).isEqualTo("test-model");
            assertThat(greedy.path("max_tokens").asInt()).isEqualTo(4);
            assertThat(greedy.path("temperature").asDouble()).isZero();
            assertThat(greedy.path("seed").asLong()).isEqualTo(17);
            assertThat(greedy.path("stream").asBoolean()).isTrue();
            assertThat(greedy.path("stream_options").path("include_usage").asBoolean()).isTrue();
            assertThat(greedy.path("ignore_eos").asBoolean()).isTrue();
            assertThat(greedy.path("min_tokens").asInt()).isEqualTo(2);
            assertThat(greedy.has("top_k")).isFalse();
            assertThat(greedy.path("priority").asInt()).isEqualTo(3);
            JsonNode sampled = send(b, new GenerationRequest("s", "sampled one", null, 4, 0,
                    new DecodingConfig(DecodingPreset.STANDARD, false, 0.7, 50, 0.9, false), 18, false));
            assertThat(sampled.path("temperature").asDouble()).isEqualTo(0.7);
            assertThat(sampled.path("top_p").asDouble()).isEqualTo(0.9);
            assertThat(sampled.path("top_k").asInt()).isEqualTo(50);
            assertThat(sampled.has("ignore_eos")).isFalse();
        }
    }

    @Test
    void chatUsesMessagesAndStrictServersCanTurnExtensionsOff() throws Exception {
        try (InferenceBackend b = backend(config("server.url", server.uri().toString(), "server.api", "chat",
                "options.sampling_extensions", false, "options.stream_usage", false))) {
            b.load();
            JsonNode body = send(b, new GenerationRequest("c", "chat one", null, 3, 1,
                    DecodingConfig.greedyDecoding(true), 1, false));
            assertThat(body.path("messages").path(0).path("role").asString()).isEqualTo("user");
            assertThat(body.path("max_tokens").asInt()).isEqualTo(3);
            assertThat(body.has("ignore_eos")).isFalse();
            assertThat(body.has("min_tokens")).isFalse();
            assertThat(body.has("stream_options")).isFalse();
        }
    }

    @Test
    void anAdapterTheServerServesIsTheModelOfEveryRequestAndIsRecorded() throws Exception {
        try (ScriptedServer lora = ScriptedServer.builder().adapters("sql-lora").start();
                InferenceBackend b = backend(config("server.url", lora.uri().toString(), "adapter.name", "sql-lora"))) {
            ModelInfo m = b.load();
            // the base model is the one described; the adapter (listed with a parent) is not taken for a second model
            assertThat(m.id()).isEqualTo("test-model");
            assertThat(m.adapter()).get().satisfies(a -> {
                assertThat(a.name()).isEqualTo("sql-lora");
                assertThat(a.application()).isEqualTo("served");
            });
            assertThat(b.environment()).containsEntry("server.adapter", "sql-lora");
            CountingLog log = new CountingLog();
            GenerationRequest r = new GenerationRequest("a", "adapted one", null, 3, 0,
                    DecodingConfig.greedyDecoding(true), 1, false);
            b.submit(r, log).get(20, TimeUnit.SECONDS);
            assertThat(lora.trace("adapted one").body.path("model").asString()).isEqualTo("sql-lora");
        }
    }

    @Test
    void anAdapterTheServerDoesNotServeIsRefusedWithTheFix() {
        try (InferenceBackend b = backend(config("server.url", server.uri().toString(), "adapter.name", "sql-lora"))) {
            assertThatThrownBy(b::load).isInstanceOf(BackendException.class)
                    .hasMessageContaining("does not serve the adapter \"sql-lora\"")
                    .hasMessageContaining("--enable-lora --lora-modules sql-lora=<folder>");
        }
    }

    @Test
    void aServerAtAUrlRecordsItsQuantisationAsConfiguredByTheUser() {
        try (InferenceBackend b = backend(config("server.url", server.uri().toString()))) {
            ModelInfo m = b.load();
            assertThat(m.weights()).get().satisfies(w -> {
                assertThat(w.quantization()).isEqualTo("unknown");
                assertThat(w.basis()).contains("as configured by the user outside LEM");
                assertThat(w.bytesPerForwardPass()).isEmpty();
            });
        }
    }

    @Test
    void perplexityThroughAVllmServerUsesPromptLogprobs() {
        try (InferenceBackend b = backend(config("server.url", server.uri().toString()))) {
            b.load();
            dev.lem.spi.TokenScorer s = b.tokenScorer().orElseThrow();
            var r = dev.lem.quality.Perplexity.measure(s, new dev.lem.quality.QualityText("t",
                    "one two three four five six seven eight nine ten"), new dev.lem.config.QualityConfig.Perplexity(
                    java.util.Optional.of("builtin"), "text", 2048, 6, 3));
            // the scripted vLLM gives every prompt token ln(1/2): perplexity exactly 2, each token scored once
            assertThat(r.perplexity()).isCloseTo(2.0, org.assertj.core.api.Assertions.within(1e-12));
            assertThat(r.scoredTokens()).isEqualTo(10);
            assertThat(s.method()).startsWith("server prompt_logprobs");
            assertThat(server.scoredPrompts()).isEqualTo(r.windows().size());
        }
    }

    @Test
    void aServerWithoutPromptLogProbabilitiesSaysNotOffered() throws Exception {
        try (ScriptedServer trt = ScriptedServer.builder().flavor(ScriptedServer.Flavor.TRTLLM).start();
                InferenceBackend b = backend(config("server.url", trt.uri().toString()))) {
            b.load();
            dev.lem.spi.TokenScorer s = b.tokenScorer().orElseThrow();
            assertThatThrownBy(() -> dev.lem.quality.Perplexity.measure(s, new dev.lem.quality.QualityText("t",
                    "one two three"), new dev.lem.config.QualityConfig.Perplexity(java.util.Optional.of("builtin"),
                    "text", 2048, 6, 3))).isInstanceOf(dev.lem.spi.TokenScoringException.class)
                    .hasMessageStartingWith("not offered by this server: ");
        }
    }

    @Test
    void aWindowLongerThanTheServersContextLessTheGeneratedTokenIsRefusedWithTheFix() throws Exception {
        try (ScriptedServer small = ScriptedServer.builder().maxModelLen(64).start();
                InferenceBackend b = backend(config("server.url", small.uri().toString()))) {
            b.load();
            dev.lem.spi.TokenScorer s = b.tokenScorer().orElseThrow();
            assertThat(s.maxWindowTokens()).as("max_model_len 64, one token generated").isEqualTo(63);
            String text = String.join(" ", java.util.Collections.nCopies(100, "word"));
            assertThatThrownBy(() -> dev.lem.quality.Perplexity.measure(s, new dev.lem.quality.QualityText("t", text),
                    new dev.lem.config.QualityConfig.Perplexity(java.util.Optional.of("builtin"), "text", 2048, 64, 32)))
                    .hasMessageContaining("quality.perplexity.window (64 tokens) is longer than the model's context "
                            + "(63 tokens): set quality.perplexity.window to at most 63");
            assertThat(small.scoredPrompts()).isZero();
        }
    }

    @Test
    void loraModulesTheServerListsAreNotTakenForTheBaseModel() throws Exception {
        try (ScriptedServer lora = ScriptedServer.builder().adapters("sql-lora", "chat-lora").start();
                InferenceBackend b = backend(config("server.url", lora.uri().toString()))) {
            // no model named, three listed: the two with a parent are LoRA modules, so the base is the only choice
            assertThat(b.load().id()).isEqualTo("test-model");
            assertThat(b.load().adapter()).isEmpty();
        }
    }
}
