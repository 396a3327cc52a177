package dev.lem.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.lem.result.ExperimentResult;
import dev.lem.Experiment;
import dev.lem.Metric;
import dev.lem.config.ConfigResolver;
import dev.lem.config.DecodingConfig;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.ValueSource;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.ModelInfo;
import dev.lem.workload.Prompts;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every LEM backend must meet, as tests. A backend's test class extends this kit,
 * says how to create its backend, and inherits every check: the same prompts, event order, token
 * counts, monotonic timestamps, failures surfaced, and a full experiment through the public API.
 *
 * <pre>{@code
 * class MyBackendCompatibilityTest extends BackendCompatibilityKit {
 *     protected InferenceBackend createBackend(ExperimentConfig config) { return new MyBackend(config); }
 *     protected Map<String, Object> settings() { return Map.of("model", "synthetic:tiny-llama"); }
 * }
 * }</pre>
 */
public abstract class BackendCompatibilityKit {

    /** The prompts every backend is checked with: short and long, plain and with punctuation and Unicode. */
    public static final List<String> PROMPTS = List.of(
            "Hello",
            "Explain in one sentence why the sky is blue.",
            "Write a haiku about a lighthouse in winter, then explain its imagery in detail.",
            "Zürich, Москва, 東京 — name the countries.");

    private InferenceBackend backend;
    private ModelInfo model;

    @TempDir
    protected Path tempDir;

    /** Creates the backend under test for this configuration (not yet loaded). */
    protected abstract InferenceBackend createBackend(ExperimentConfig config);

    /**
     * Settings (dotted config keys) the backend needs, e.g. {@code model}, {@code server.url},
     * {@code options.*}. Applied over small defaults: max_output_tokens 8, one cycle.
     */
    protected Map<String, Object> settings() {
        return Map.of();
    }

    /** A prompt the backend (or its test server) is set up to fail, if the test can arrange one. */
    protected Optional<String> failingPrompt() {
        return Optional.empty();
    }

    /** Largest batch the checks pass to {@code generate} (1 for backends without batching). */
    protected int batchSize() {
        return backend.capabilities().batching() ? PROMPTS.size() : 1;
    }

    /** The configuration the kit uses. */
    protected final ExperimentConfig config() {
        ConfigResolver r = ConfigResolver.withDefaults()
                .set("max_output_tokens", 8, ValueSource.BUILDER)
                .set("cycles", 1, ValueSource.BUILDER)
                .set("results_dir", tempDir.resolve("results").toString(), ValueSource.BUILDER)
                .set("energy.idle_baseline_s", 0.0, ValueSource.BUILDER)
                .set("warmup.mode", "fixed", ValueSource.BUILDER)
                .set("warmup.runs", 1, ValueSource.BUILDER);
        settings().forEach((k, v) -> r.set(k, v, ValueSource.BUILDER));
        return r.resolve();
    }

    @BeforeEach
    void createAndLoad() {
        backend = createBackend(config());
        model = backend.load();
    }

    @AfterEach
    void closeBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    /** The loaded backend, for subclasses' own checks. */
    protected final InferenceBackend backend() {
        return backend;
    }

    private List<GenerationRequest> requests(int maxTokens, int minTokens, boolean ignoreEos) {
        List<GenerationRequest> out = new ArrayList<>();
        for (int i = 0; i < PROMPTS.size(); i++) {
            out.add(new GenerationRequest("kit-" + i, PROMPTS.get(i), null, maxTokens, minTokens,
                    DecodingConfig.greedyDecoding(ignoreEos), 42 + i, false));
        }
        return out;
    }

    private EventLog run(List<GenerationRequest> requests) throws Exception {
        EventLog log = new EventLog();
        if (backend.capabilities().concurrentRequests()) {
            List<CompletableFuture<Void>> fs = new ArrayList<>();
            for (GenerationRequest r : requests) {
                fs.add(backend.submit(r, log));
            }
            CompletableFuture.allOf(fs.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
        } else {
            int b = batchSize();
            for (int i = 0; i < requests.size(); i += b) {
                backend.generate(requests.subList(i, Math.min(requests.size(), i + b)), log);
            }
        }
        return log;
    }

    @Test
    void loadDescribesTheModel() {
        assertThat(model.id()).isNotBlank();
        assertThat(model.source()).isNotBlank();
        assertThat(model.dtype()).isNotBlank();
    }

    @Test
    void everyRequestStartsStreamsAndEndsExactlyOnce() throws Exception {
        List<GenerationRequest> reqs = requests(8, 0, true);
        EventLog log = run(reqs);
        assertThat(log.violations()).as("event contract violations").isEmpty();
        for (GenerationRequest r : reqs) {
            List<EventLog.Event> events = log.of(r.id());
            assertThat(events).as(r.id()).isNotEmpty();
            assertThat(events.get(0).kind()).as(r.id() + " first event").isEqualTo("started");
            assertThat(events.stream().filter(e -> e.kind().equals("completed") || e.kind().equals("failed")))
                    .as(r.id() + " end events").hasSize(1);
            assertThat(events.get(events.size() - 1).kind()).as(r.id() + " last event").isEqualTo("completed");
        }
    }

    @Test
    void timestampsAreMonotonicAndTakenDuringTheCall() throws Exception {
        long before = System.nanoTime();
        EventLog log = run(requests(6, 0, true));
        long after = System.nanoTime();
        for (EventLog.Event e : log.all()) {
            assertThat(e.nanoTime()).as(e.kind() + " of " + e.requestId()).isBetween(before, after);
        }
        assertThat(log.violations()).isEmpty();
    }

    @Test
    void ignoreEosProducesExactlyMaxOutputTokensAndCountsAgree() throws Exception {
        List<GenerationRequest> reqs = requests(7, 0, true);
        EventLog log = run(reqs);
        for (GenerationRequest r : reqs) {
            EventLog.Event end = log.end(r.id());
            assertThat(end).as(r.id() + " ended").isNotNull();
            assertThat(end.kind()).isEqualTo("completed");
            assertThat(end.completion().outputTokens()).as(r.id() + " output tokens").isEqualTo(7);
            assertThat(log.tokenSum(r.id())).as(r.id() + " tokens in chunks").isEqualTo(7);
            assertThat(end.completion().promptTokens()).as(r.id() + " prompt tokens").isPositive();
        }
    }

    @Test
    void outputStaysWithinMinAndMaxTokens() throws Exception {
        List<GenerationRequest> reqs = requests(5, 2, false);
        EventLog log = run(reqs);
        for (GenerationRequest r : reqs) {
            EventLog.Event end = log.end(r.id());
            assertThat(end).isNotNull();
            assertThat(end.completion().outputTokens()).as(r.id()).isBetween(2, 5);
            assertThat(log.tokenSum(r.id())).isEqualTo(end.completion().outputTokens());
        }
    }

    @Test
    void failuresAreReportedNotDropped() throws Exception {
        Optional<String> failing = failingPrompt();
        assumeThat(failing).as("this backend's test cannot arrange a failing request").isPresent();
        GenerationRequest bad = new GenerationRequest("kit-fail", failing.get(), null, 4, 0,
                DecodingConfig.greedyDecoding(true), 1, false);
        EventLog log = new EventLog();
        try {
            if (backend.capabilities().concurrentRequests()) {
                backend.submit(bad, log).get(120, TimeUnit.SECONDS);
            } else {
                backend.generate(List.of(bad), log);
            }
        } catch (Exception e) {
            // a backend may also throw; then the core records the request as failed itself
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        EventLog.Event end = log.end("kit-fail");
        assertThat(end).as("the failing request ended").isNotNull();
        assertThat(end.kind()).isEqualTo("failed");
        assertThat(end.cause()).isNotBlank();
    }

    @Test
    void aFullExperimentThroughThePublicApiCountsEveryToken() {
        InferenceBackend fresh = createBackend(config());
        try {
            Experiment.Builder b = Experiment.builder();
            settings().forEach(b::set);
            ExperimentResult r = b.backend(fresh)
                    .prompts(Prompts.of(PROMPTS))
                    .maxOutputTokens(5)
                    .ignoreEos(true)
                    .cycles(2)
                    .warmupRuns(1)
                    .idleBaseline(java.time.Duration.ZERO)
                    .batchSize(Math.min(2, batchSize()))
                    .resultsDir(tempDir.resolve("api"))
                    .measure();
            assertThat(r.cycles()).hasSize(2);
            for (var c : r.cycles()) {
                assertThat(c.metrics().completed()).isEqualTo(PROMPTS.size());
                assertThat(c.metrics().outputTokens()).isEqualTo(5L * PROMPTS.size());
                assertThat(c.metrics().failed()).isZero();
            }
            assertThat(r.summary().get(Metric.OUTPUT_TOKENS_PER_S).mean()).isPositive();
            assertThat(r.summary().get(Metric.TTFT_MEAN_MS).mean()).isPositive();
        } finally {
            fresh.close();
        }
    }
}
