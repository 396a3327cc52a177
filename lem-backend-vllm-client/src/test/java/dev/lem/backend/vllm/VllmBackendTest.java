package dev.lem.backend.vllm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.config.ConfigResolver;
import dev.lem.config.DecodingConfig;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.ValueSource;
import dev.lem.serving.CountingLog;
import dev.lem.serving.ScriptedServer;
import dev.lem.spi.BackendContext;
import dev.lem.spi.Completion;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.TelemetrySample;
import dev.lem.spi.TelemetrySource;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

@Timeout(60)
class VllmBackendTest {
    @TempDir
    Path dir;
    private ScriptedServer server;

    @BeforeEach
    void start() throws Exception {
        server = ScriptedServer.builder().chunkTokens(2).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private InferenceBackend backend(Object... kv) {
        ConfigResolver r = ConfigResolver.withDefaults().set("backend", "vllm", ValueSource.BUILDER)
                .set("server.url", server.uri().toString(), ValueSource.BUILDER)
                .set("model", "test-model", ValueSource.BUILDER);
        for (int i = 0; i < kv.length; i += 2) {
            r.set((String) kv[i], kv[i + 1], ValueSource.BUILDER);
        }
        ExperimentConfig c = r.resolve();
        return new VllmBackendProvider().create(BackendContext.of(c, new VllmBackendProvider(), dir, 0));
    }

    private static GenerationRequest request(String id, String prompt, int max) {
        return new GenerationRequest(id, prompt, null, max, 0, DecodingConfig.greedyDecoding(true), 5, false);
    }

    @Test
    void requestsAskForTokenIdsAndContinuousUsageAndCarryVllmSamplingFields() throws Exception {
        try (InferenceBackend b = backend("options.min_p", 0.05, "options.repetition_penalty", 1.1,
                "options.stop_token_ids", java.util.List.of(2, 32000), "options.skip_special_tokens", false)) {
            b.load();
            CountingLog log = new CountingLog();
            b.submit(request("v", "vllm fields", 5), log).get(20, TimeUnit.SECONDS);
            JsonNode body = server.trace("vllm fields").body;
            assertThat(body.path("return_token_ids").asBoolean()).isTrue();
            assertThat(body.path("stream_options").path("continuous_usage_stats").asBoolean()).isTrue();
            assertThat(body.path("ignore_eos").asBoolean()).isTrue();
            assertThat(body.path("min_p").asDouble()).isEqualTo(0.05);
            assertThat(body.path("repetition_penalty").asDouble()).isEqualTo(1.1);
            assertThat(body.path("stop_token_ids").toString()).isEqualTo("[2,32000]");
            assertThat(body.path("skip_special_tokens").asBoolean(true)).isFalse();
            assertThat(log.chunkCounts("v")).containsExactly(2, 2, 1);
            Completion c = log.log().end("v").completion();
            assertThat(c.outputTokens()).isEqualTo(5);
            assertThat(c.tokenCountSource()).isEqualTo("server_usage");
            assertThat(log.counter("serving.token_count_mismatch_requests")).isZero();
        }
    }

    @Test
    void chatUsesMaxCompletionTokens() throws Exception {
        try (InferenceBackend b = backend("server.api", "chat")) {
            b.load();
            CountingLog log = new CountingLog();
            b.submit(request("c", "chat fields", 3), log).get(20, TimeUnit.SECONDS);
            assertThat(server.trace("chat fields").body.path("max_completion_tokens").asInt()).isEqualTo(3);
            assertThat(log.log().tokenSum("c")).isEqualTo(3);
        }
    }

    @Test
    void tokenizeCountsPromptsAsTheServerDoes() {
        try (InferenceBackend b = backend()) {
            b.load();
            assertThat(b.countTokens("one two three")).hasValue(4);
        }
        try (InferenceBackend b = backend("options.tokenize", false)) {
            b.load();
            assertThat(b.countTokens("one two three")).isEmpty();
        }
    }

    @Test
    void theEnvironmentHasTheServersVersionAndModels() {
        try (InferenceBackend b = backend()) {
            b.load();
            assertThat(b.environment()).containsEntry("server.version", "0.10.1.dev-test")
                    .containsEntry("server.models", "test-model").containsEntry("server.api", "completions");
        }
    }

    @Test
    void metricsAreScrapedIntoTelemetryWithRatesBetweenScrapes() throws Exception {
        try (InferenceBackend b = backend("options.metrics_min_interval_ms", 10)) {
            b.load();
            TelemetrySource t = b.telemetry().orElseThrow();
            assertThat(t.name()).isEqualTo("vllm-metrics");
            TelemetrySample first = t.sample();
            assertThat(first.values()).containsKeys("vllm.requests_running", "vllm.kv_cache_usage_fraction",
                    "vllm.generation_tokens_total", "vllm-metrics.scrape_ms");
            assertThat(first.values()).doesNotContainKey("vllm.generation_tokens_per_s");
            b.submit(request("m", "metrics run", 8), new CountingLog()).get(20, TimeUnit.SECONDS);
            Thread.sleep(20);
            TelemetrySample second = t.sample();
            assertThat(second.values().get("vllm.generation_tokens_total")).isEqualTo(8.0);
            assertThat(second.values().get("vllm.generation_tokens_per_s")).isPositive();
            assertThat(second.values().get("vllm.prefix_cache_hit_rate_fraction")).isEqualTo(0.0);
            assertThat(t.columns()).containsAll(second.values().keySet());
        }
        try (InferenceBackend b = backend("options.metrics", false)) {
            assertThat(b.telemetry()).isEmpty();
        }
    }

    @Test
    void metricsOfAFastSamplerAreReadAtMostOncePerInterval() {
        try (InferenceBackend b = backend("options.metrics_min_interval_ms", 60_000)) {
            TelemetrySource t = b.telemetry().orElseThrow();
            TelemetrySample first = t.sample();
            TelemetrySample second = t.sample();
            TelemetrySample third = t.sample();
            assertThat(server.metricsReads()).isEqualTo(1);
            assertThat(first.values()).containsKey("vllm.generation_tokens_total");
            assertThat(second.values()).as("a row between scrapes stays empty: never a repeated value that someone "
                    + "would integrate twice").isEmpty();
            assertThat(third.values()).isEmpty();
        }
    }

    @Test
    void anUnreachableMetricsEndpointLeavesValuesOutAndDoesNotThrow() {
        try (InferenceBackend b = backend("server.url", "http://127.0.0.1:9")) {
            TelemetrySample s = b.telemetry().orElseThrow().sample();
            assertThat(s.values()).isEmpty();
        }
    }

    @Test
    void badOptionsNameTheKey() {
        assertThatThrownBy(() -> backend("options.min_p", -1.0)).hasMessageContaining("options.min_p")
                .hasMessageContaining("below the minimum");
        assertThatThrownBy(() -> backend("options.stop_token_ids", java.util.List.of("a")))
                .hasMessageContaining("options.stop_token_ids").hasMessageContaining("a list of integers");
        assertThatThrownBy(() -> backend("options.hidden_size", 64)).hasMessageContaining("options.hidden_size")
                .hasMessageContaining("is not an option of backend vllm");
    }
}
