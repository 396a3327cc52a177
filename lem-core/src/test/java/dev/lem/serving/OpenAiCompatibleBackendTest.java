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
}
