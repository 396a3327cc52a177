package dev.lem.backend.trtllm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lem.config.ConfigResolver;
import dev.lem.config.DecodingConfig;
import dev.lem.config.ValueSource;
import dev.lem.serving.CountingLog;
import dev.lem.serving.FakeServerScript;
import dev.lem.serving.ScriptedServer;
import dev.lem.spi.BackendContext;
import dev.lem.spi.BackendException;
import dev.lem.spi.Completion;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.TelemetrySample;
import dev.lem.spi.TelemetrySource;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

@Timeout(120)
class TrtllmBackendTest {
    @TempDir
    Path dir;
    private ScriptedServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private InferenceBackend backend(ScriptedServer.Flavor flavor, Object... kv) throws Exception {
        server = ScriptedServer.builder().flavor(flavor).chunkTokens(1).start();
        return backendOnServer(kv);
    }

    /** A backend on the server already started, with settings that may name its URL. */
    private InferenceBackend backendOnServer(Object... kv) throws Exception {
        ConfigResolver r = ConfigResolver.withDefaults().set("backend", "trtllm", ValueSource.BUILDER)
                .set("server.url", server.uri().toString(), ValueSource.BUILDER)
                .set("server.model_name", "test-model", ValueSource.BUILDER);
        for (int i = 0; i < kv.length; i += 2) {
            r.set((String) kv[i], kv[i + 1], ValueSource.BUILDER);
        }
        return new TrtllmBackendProvider().create(BackendContext.of(r.resolve(), new TrtllmBackendProvider(), dir, 0));
    }

    private static GenerationRequest request(String id, String prompt, int max) {
        return new GenerationRequest(id, prompt, null, max, 0, DecodingConfig.greedyDecoding(true), 5, false);
    }

    private static CountingLog send(InferenceBackend b, GenerationRequest r) throws Exception {
        CountingLog log = new CountingLog();
        b.submit(r, log).get(30, TimeUnit.SECONDS);
        assertThat(log.log().violations()).isEmpty();
        return log;
    }

    @Test
    void trtllmServeStreamsWithContinuousUsage() throws Exception {
        try (InferenceBackend b = backend(ScriptedServer.Flavor.TRTLLM)) {
            b.load();
            CountingLog log = send(b, request("t", "trtllm serve", 4));
            JsonNode body = server.trace("trtllm serve").body;
            assertThat(body.path("stream_options").path("continuous_usage_stats").asBoolean()).isTrue();
            assertThat(body.has("return_token_ids")).isFalse();
            assertThat(log.chunkCounts("t")).containsExactly(1, 1, 1, 1);
            assertThat(log.log().end("t").completion().outputTokens()).isEqualTo(4);
            assertThat(b.environment()).containsEntry("server.version", "1.0.0rc-test");
        }
    }

    @Test
    void iterationStatsAreReadByOnePollerAndRemovedOnRead() throws Exception {
        try (InferenceBackend b = backend(ScriptedServer.Flavor.TRTLLM, "options.metrics_min_interval_ms", 10)) {
            b.load();
            TelemetrySource t = b.telemetry().orElseThrow();
            assertThat(t).isSameAs(b.telemetry().orElseThrow());
            send(b, request("a", "stats one", 6));
            TelemetrySample first = t.sample();
            assertThat(first.values()).containsEntry("trtllm.iterations", 6.0).containsEntry("trtllm.active_requests", 1.0)
                    .containsEntry("trtllm.kv_cache_hit_rate_fraction", 0.25)
                    .containsEntry("trtllm.gpu_mem_usage_bytes", 1073741824.0);
            assertThat(first.values().get("trtllm.kv_cache_used_fraction")).isCloseTo(0.01, within(1e-12));
            Thread.sleep(20);
            TelemetrySample empty = t.sample();
            assertThat(empty.values()).as("stats were removed by the first read").doesNotContainKey("trtllm.iterations");
            send(b, request("b", "stats two", 3));
            Thread.sleep(20);
            TelemetrySample second = t.sample();
            assertThat(second.values()).containsEntry("trtllm.iterations", 3.0);
            assertThat(second.values().get("trtllm.iterations_per_s")).isPositive();
            assertThat(t.columns()).containsAll(second.values().keySet());
        }
    }

    @Test
    void tritonsPrometheusPortIsScrapedLikeVllmsMetrics() throws Exception {
        server = ScriptedServer.builder().flavor(ScriptedServer.Flavor.TRITON).chunkTokens(1).start();
        try (InferenceBackend b = backendOnServer("server.api", "triton",
                "options.triton_metrics_url", server.uri() + "/metrics", "options.metrics_min_interval_ms", 10)) {
            b.load();
            TelemetrySource t = b.telemetry().orElseThrow();
            assertThat(t.environment()).containsEntry("triton-metrics.endpoint", server.uri() + "/metrics");
            TelemetrySample first = t.sample();
            assertThat(first.values()).containsEntry("triton.requests_success_total", 0.0)
                    .containsEntry("trtllm.max_requests", 512.0).containsEntry("triton.gpu_power_w", 123.5)
                    .doesNotContainKey("triton.requests_per_s");
            send(b, request("m", "triton metrics", 4));
            Thread.sleep(20);
            TelemetrySample second = t.sample();
            assertThat(second.values()).containsEntry("triton.requests_success_total", 1.0);
            assertThat(second.values().get("triton.requests_per_s")).isPositive();
            assertThat(second.values().get("triton.queue_mean_ms")).isCloseTo(0.1, within(1e-9));
            assertThat(second.values().get("trtllm.iterations_per_s")).isPositive();
            assertThat(t.columns()).containsAll(second.values().keySet());
        }
    }

    @Test
    void tritonsMetricsUrlDefaultsToPort8002OfTheServersHostAndIsChecked() {
        assertThat(TritonMetricsSource.url(java.net.URI.create("http://10.0.0.5:8000"), java.util.Optional.empty()))
                .hasToString("http://10.0.0.5:8002/metrics");
        assertThat(TritonMetricsSource.url(java.net.URI.create("http://h:8000"),
                java.util.Optional.of("http://m:9000/metrics"))).hasToString("http://m:9000/metrics");
        assertThatThrownBy(() -> backend(ScriptedServer.Flavor.TRITON, "server.api", "triton",
                "options.triton_metrics_url", "not a url")).hasMessageContaining("options.triton_metrics_url")
                .hasMessageContaining("e.g. http://127.0.0.1:8002/metrics");
    }

    @Test
    void tritonGenerateStreamHasNoDoneSentinelAndCarriesPerfMetrics() throws Exception {
        try (InferenceBackend b = backend(ScriptedServer.Flavor.TRITON, "server.api", "triton", "options.end_id", 2)) {
            assertThat(b.load().id()).isEqualTo("test-model");
            assertThat(b.environment()).containsEntry("server.version", "triton 2.50.0");
            assertThat(b.telemetry()).as("Triton's metrics port").hasValueSatisfying(t -> assertThat(t.name())
                    .isEqualTo("triton-metrics"));
            CountingLog log = send(b, request("x", "triton stream", 5));
            JsonNode body = server.trace("triton stream").body;
            assertThat(body.path("text_input").asString()).isEqualTo("triton stream");
            assertThat(body.path("max_tokens").asInt()).isEqualTo(5);
            assertThat(body.path("min_tokens").asInt()).as("ignore_eos: exact length").isEqualTo(5);
            assertThat(body.path("top_k").asInt()).as("greedy").isEqualTo(1);
            assertThat(body.path("end_id").asInt()).isEqualTo(2);
            assertThat(body.path("return_perf_metrics").asBoolean()).isTrue();
            assertThat(body.path("stream").asBoolean()).isTrue();
            Completion c = log.log().end("x").completion();
            assertThat(c.outputTokens()).isEqualTo(5);
            assertThat(c.tokenCountSource()).isEqualTo("chunk_count_fallback");
            assertThat(log.chunkCounts("x")).containsExactly(1, 1, 1, 1, 1);
            assertThat(log.counter("server.perf_metrics_requests")).isEqualTo(1);
            assertThat(log.counter("server.ttft_ms")).isCloseTo(10.0, within(1e-6));
            assertThat(log.counter("server.queue_ms")).isCloseTo(2.0, within(1e-6));
            assertThat(log.counter("server.e2e_ms")).isCloseTo(50.0, within(1e-6));
            assertThat(log.counter("serving.streams_without_done")).as("no [DONE] is normal for Triton").isZero();
        }
    }

    @Test
    void tritonErrorsInsideTheStreamAreFailures() throws Exception {
        try (InferenceBackend b = backend(ScriptedServer.Flavor.TRITON, "server.api", "triton")) {
            b.load();
            CountingLog log = send(b, request("e", "triton @error_after=2", 5));
            assertThat(log.log().end("e").kind()).isEqualTo("failed");
            assertThat(log.log().end("e").cause()).contains("scripted engine error");
        }
    }

    @Test
    void tritonGenerateWithoutStreamingEstimatesTheCountAndSaysSo() throws Exception {
        try (InferenceBackend b = backend(ScriptedServer.Flavor.TRITON, "server.api", "triton", "options.stream", false)) {
            b.load();
            CountingLog log = send(b, request("g", "triton whole", 4));
            assertThat(server.trace("triton whole").body.path("exclude_input_in_output").asBoolean()).isTrue();
            Completion c = log.log().end("g").completion();
            assertThat(c.tokenCountSource()).isEqualTo("estimated_4_chars_per_token");
            assertThat(log.chunkCounts("g")).hasSize(1);
            assertThat(c.outputTokens()).isEqualTo((" t1 t2 t3 t4".length() + 3) / 4);
        }
    }

    @Test
    void aTritonModelThatIsNotReadyIsNamed() throws Exception {
        try (InferenceBackend b = backend(ScriptedServer.Flavor.TRITON, "server.api", "triton", "server.model_name",
                "llama_ensemble")) {
            assertThatThrownBy(b::load).isInstanceOf(BackendException.class)
                    .hasMessageContaining("model \"llama_ensemble\" is not ready").hasMessageContaining("server.model_name");
        }
    }

    @Test
    void configurationErrorsNameTheKey() {
        assertThatThrownBy(() -> backend(ScriptedServer.Flavor.TRITON, "server.api", "triton", "server.managed", true))
                .hasMessageContaining("server.managed").hasMessageContaining("not Triton");
        assertThatThrownBy(() -> backend(ScriptedServer.Flavor.TRITON, "server.api", "triton", "server.model_name",
                "my model")).hasMessageContaining("server.model_name").hasMessageContaining("is not a Triton model name");
        assertThatThrownBy(() -> backend(ScriptedServer.Flavor.TRTLLM, "options.end_id", 1.5))
                .hasMessageContaining("options.end_id").hasMessageContaining("1.5 is not a whole number");
    }

    @Test
    void aManagedTrtllmServeIsStartedAndStopped() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path exe = FakeServerScript.write(dir, "trtllm-serve", "--flavor trtllm");
        var c = ConfigResolver.withDefaults().set("backend", "trtllm", ValueSource.BUILDER)
                .set("model", "test-model", ValueSource.BUILDER)
                .set("server.managed", true, ValueSource.BUILDER)
                .set("server.url", "http://127.0.0.1:" + port, ValueSource.BUILDER)
                .set("server.args", java.util.List.of("--backend", "pytorch"), ValueSource.BUILDER)
                .set("options.executable", exe.toString(), ValueSource.BUILDER).resolve();
        try (InferenceBackend b = new TrtllmBackendProvider().create(BackendContext.of(c, new TrtllmBackendProvider(), dir.resolve("art"), 0))) {
            assertThat(b.load().id()).isEqualTo("test-model");
            Map<String, String> env = b.environment();
            Path options = dir.resolve("art").resolve("trtllm-llm-api-options.yaml");
            assertThat(env.get("server.managed_command")).endsWith("test-model --host 127.0.0.1 --port " + port
                    + " --extra_llm_api_options " + options + " --backend pytorch");
            assertThat(java.nio.file.Files.readString(options)).as("LEM reads iteration statistics (options.metrics)")
                    .contains("enable_iter_perf_stats: true");
            assertThat(send(b, request("m", "managed trt", 2)).log().end("m").kind()).isEqualTo("completed");
        }
        assertThat(dir.resolve("art").resolve("trtllm-server.log")).exists();
    }

    @Test
    void aManagedServersQuantisationIsWrittenToTheOptionsFileAndRecorded() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path exe = FakeServerScript.write(dir, "trtllm-serve", "--flavor trtllm");
        var c = ConfigResolver.withDefaults().set("backend", "trtllm", ValueSource.BUILDER)
                .set("model", "test-model", ValueSource.BUILDER)
                .set("server.managed", true, ValueSource.BUILDER)
                .set("server.url", "http://127.0.0.1:" + port, ValueSource.BUILDER)
                .set("options.quantization", "W4A16_AWQ", ValueSource.BUILDER)
                .set("options.executable", exe.toString(), ValueSource.BUILDER).resolve();
        try (InferenceBackend b = new TrtllmBackendProvider().create(BackendContext.of(c, new TrtllmBackendProvider(),
                dir.resolve("art"), 0))) {
            var m = b.load();
            String yaml = java.nio.file.Files.readString(dir.resolve("art").resolve("trtllm-llm-api-options.yaml"));
            assertThat(yaml).containsPattern("quant_config:\\s+quant_algo: \"?W4A16_AWQ\"?");
            assertThat(m.weights()).get().satisfies(w -> {
                assertThat(w.quantization()).isEqualTo("W4A16_AWQ");
                assertThat(w.basis()).isEqualTo("set for the managed server (options.quantization)");
            });
        }
    }
}
