package dev.lem.backend.trtllm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import dev.lem.config.ServerApi;
import dev.lem.result.PhaseSplit;
import dev.lem.serving.ServerSettings;
import dev.lem.serving.ServingClient;
import dev.lem.spi.TelemetrySample;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The engine's iteration time by phase, from canned trtllm-serve iteration statistics in their real format
 * (TensorRT-LLM 1.0, PyTorch runtime: {@code avgNumDecodedTokensPerIter} is 0): a stand-in {@code /metrics} that, like
 * trtllm-serve's, returns each queued list once and then an empty list.
 */
@Timeout(60)
class TrtllmIterationStatsSourceTest {
    private static final String PREFILL = PhaseSplit.PREFILL_ITERATION_TIME_COUNTER;
    private static final String DECODE = PhaseSplit.DECODE_ITERATION_TIME_COUNTER;

    private final Deque<String> bodies = new ArrayDeque<>();
    private volatile int status = 200;
    private HttpServer server;
    private ServingClient client;
    private TrtllmIterationStatsSource source;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/metrics", x -> {
            String body;
            synchronized (bodies) {
                body = status == 200 && !bodies.isEmpty() ? bodies.poll() : status == 200 ? "[]" : "oops";
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", "application/json");
            x.sendResponseHeaders(status, b.length);
            try (OutputStream os = x.getResponseBody()) {
                os.write(b);
            }
        });
        server.start();
        URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        client = ServingClient.create(new ServerSettings(uri, ServerApi.COMPLETIONS, "test-model", true,
                Optional.empty(), Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2),
                Duration.ofSeconds(5), 0, true));
        source = new TrtllmIterationStatsSource(client, Duration.ZERO);
    }

    @AfterEach
    void stop() {
        client.close();
        server.stop(0);
    }

    private void serve(String... resources) throws IOException {
        synchronized (bodies) {
            for (String r : resources) {
                try (InputStream in = getClass().getResourceAsStream("/trtllm-iteration-stats/" + r)) {
                    bodies.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }
    }

    private void serveText(String body) {
        synchronized (bodies) {
            bodies.add(body);
        }
    }

    @Test
    void aContextOnlyIterationIsPrefillAndAGenerationOnlyIterationIsDecode() throws IOException {
        serve("context-only.json");
        Map<String, Double> c = source.phaseCounters();
        assertThat(c.get(PREFILL)).as("23.4 ms").isCloseTo(0.0234, within(1e-12));
        assertThat(c.get(DECODE)).isEqualTo(0.0);
        serve("generation-only.json");
        c = source.phaseCounters();
        assertThat(c.get(PREFILL)).as("unchanged").isCloseTo(0.0234, within(1e-12));
        assertThat(c.get(DECODE)).as("8.25 + 7.75 ms").isCloseTo(0.016, within(1e-12));
    }

    @Test
    void aMixedIterationIsDividedByTokenWork() throws IOException {
        // 20 ms, 96 context tokens, 32 generation requests x 1 token (avgNumDecodedTokensPerIter 0: one each):
        // 96 / 128 of it prefill = 15 ms, 5 ms decode; 12 ms, 64 context tokens, 16 x 2 tokens: 8 ms and 4 ms
        serve("mixed.json");
        Map<String, Double> c = source.phaseCounters();
        assertThat(c.get(PREFILL)).isCloseTo(0.023, within(1e-12));
        assertThat(c.get(DECODE)).isCloseTo(0.009, within(1e-12));
    }

    @Test
    void iterationsWithoutBatchingStatsOrLatencyAddNothingAndNeverMakeAZeroCounter() throws IOException {
        serve("without-batching-stats.json");
        assertThat(source.phaseCounters()).as("no iteration had the figures: no counters, not zeros").isEmpty();
        serveText("[]");
        assertThat(source.phaseCounters()).as("an empty list").isEmpty();
        serve("context-only.json", "without-batching-stats.json");
        assertThat(source.phaseCounters().get(PREFILL)).isCloseTo(0.0234, within(1e-12));
        Map<String, Double> c = source.phaseCounters();
        assertThat(c.get(PREFILL)).as("the context iteration without a latency adds nothing")
                .isCloseTo(0.0234, within(1e-12));
        assertThat(c.get(DECODE)).isEqualTo(0.0);
        serveText("[]");
        assertThat(source.phaseCounters()).as("an empty list keeps the counters").isEqualTo(c);
    }

    @Test
    void aFailedReadGivesNoCountersRatherThanOnesThatMissedIterations() throws IOException {
        serve("context-only.json");
        assertThat(source.phaseCounters()).isNotEmpty();
        status = 503;
        assertThat(source.phaseCounters()).isEmpty();
        assertThat(source.lastError()).contains("HTTP 503");
        status = 200;
        serveText("not json");
        assertThat(source.phaseCounters()).isEmpty();
        assertThat(source.phaseCounters().get(PREFILL)).as("the next good read has them again")
                .isCloseTo(0.0234, within(1e-12));
    }

    @Test
    void forcedAndSamplerReadsCountEachIterationOnceAndTheRowsLoseNone() throws IOException {
        serve("context-only.json");
        TelemetrySample first = source.sample();
        assertThat(first.values()).containsEntry("trtllm.iterations", 1.0);
        // a window edge reads the generation iterations; the sampler's next read gets the mixed ones
        serve("generation-only.json", "mixed.json");
        Map<String, Double> edge = source.phaseCounters();
        assertThat(edge.get(PREFILL)).isCloseTo(0.0234, within(1e-12));
        assertThat(edge.get(DECODE)).isCloseTo(0.016, within(1e-12));
        TelemetrySample row = source.sample();
        assertThat(row.values()).as("2 iterations carried from the edge's read + 2 read now")
                .containsEntry("trtllm.iterations", 4.0)
                .containsEntry("trtllm.active_requests", 18.0);
        assertThat(row.values().get("trtllm.iter_latency_ms_mean")).isCloseTo((8.25 + 7.75 + 20 + 12) / 4,
                within(1e-9));
        assertThat(row.values().get("trtllm.iterations_per_s")).isPositive();
        Map<String, Double> after = source.phaseCounters();
        assertThat(after.get(PREFILL)).as("context 23.4 + mixed 23 ms, each once").isCloseTo(0.0464, within(1e-12));
        assertThat(after.get(DECODE)).as("generation 16 + mixed 9 ms, each once").isCloseTo(0.025, within(1e-12));
        assertThat(source.sample().values()).as("nothing new, nothing carried")
                .doesNotContainKey("trtllm.iterations");
    }

    @Test
    void iterationsReadAtAnEdgeReachTheNextRowEvenWhenTheServerHasNothingNew() throws IOException {
        source.sample();
        serve("generation-only.json");
        source.phaseCounters();
        TelemetrySample row = source.sample();
        assertThat(row.values()).containsEntry("trtllm.iterations", 2.0).containsEntry("trtllm.queued_requests", 3.0);
        assertThat(row.values().get("trtllm.kv_cache_used_fraction")).isCloseTo(32.0 / 4096, within(1e-12));
    }

    @Test
    void theEdgesReadIsSerialisedWithTheSamplersSoEachIterationIsCountedOnce() throws Exception {
        int lists = 100;
        for (int i = 0; i < lists; i++) {
            serve("generation-only.json");
        }
        Thread sampler = new Thread(() -> {
            for (int i = 0; i < lists; i++) {
                source.sample();
            }
        });
        sampler.start();
        Map<String, Double> c = Map.of();
        for (int i = 0; i < lists; i++) {
            c = source.phaseCounters();
        }
        sampler.join();
        c = source.phaseCounters();
        assertThat(c.get(DECODE)).as("every list read once, by one reader or the other")
                .isCloseTo(lists * 0.016, within(1e-9));
    }
}
