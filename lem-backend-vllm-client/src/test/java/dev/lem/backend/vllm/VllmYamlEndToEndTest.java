package dev.lem.backend.vllm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.result.CycleResult;
import dev.lem.Experiment;
import dev.lem.result.ExperimentResult;
import dev.lem.Metric;
import dev.lem.serving.ScriptedServer;
import dev.lem.workload.SyntheticPrompts;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docs/examples/vllm.yaml} runs end to end through {@link Experiment#fromConfig} against the scripted
 * vLLM server, with overrides only for the URL, the size of the run and where results go — what
 * {@code lem run docs/examples/vllm.yaml --set server.url=...} does.
 */
@Timeout(120)
class VllmYamlEndToEndTest {
    private static final Path EXAMPLE = Path.of("..", "docs", "examples", "vllm.yaml");

    @TempDir
    Path dir;
    private ScriptedServer server;

    @BeforeEach
    void start() throws Exception {
        server = ScriptedServer.builder().model("meta-llama/Llama-3.1-8B-Instruct").ttftMs(3).itlMs(0.5).chunkTokens(2)
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void theDocumentedVllmExampleRunsAgainstAUrl() throws Exception {
        assertThat(EXAMPLE).exists();
        ExperimentResult r = Experiment.fromConfig(EXAMPLE,
                "server.url=" + server.uri(),
                "results_dir=" + dir.resolve("results"),
                "cycles=2", "traffic.rate=200", "traffic.max_requests=24", "traffic.warmup_requests=4",
                "prompts.limit=24", "prompts.synthetic.input_tokens_mean=40", "prompts.synthetic.input_tokens_std=8",
                "prompts.synthetic.output_tokens_mean=12", "max_output_tokens=16", "warmup.runs=1",
                "energy.idle_baseline_s=0", "energy.sampler_interval_ms=20", "options.metrics_min_interval_ms=20")
                .measure();
        assertThat(r.config().backend()).isEqualTo("vllm");
        assertThat(r.model()).hasValueSatisfying(m -> assertThat(m.id()).isEqualTo("meta-llama/Llama-3.1-8B-Instruct"));
        assertThat(r.cycles()).hasSize(2);
        long expectedOutput = 0;
        long expectedPrompt = 0;
        for (int i = 0; i < 24; i++) {
            expectedOutput += SyntheticPrompts.outputTokens(r.config().prompts().synthetic(), 16, 42, i);
            expectedPrompt += SyntheticPrompts.inputTokens(r.config().prompts().synthetic(), 42, i);
        }
        for (CycleResult c : r.cycles()) {
            assertThat(c.metrics().completed()).isEqualTo(24);
            assertThat(c.metrics().failed()).isZero();
            assertThat(c.metrics().outputTokens()).as("exact synthetic output lengths").isEqualTo(expectedOutput);
            assertThat(c.metrics().promptTokens()).as("prompts sized with /tokenize to the exact input lengths")
                    .isEqualTo(expectedPrompt);
            assertThat(c.metrics().sendLagMs()).as("open loop: the client's lag is recorded").isPresent();
            assertThat(c.metrics().goodputRequestsPerS()).isPresent();
            assertThat(c.metrics().ttftMs().orElseThrow().mean()).isGreaterThanOrEqualTo(3.0);
        }
        assertThat(r.summary().get(Metric.OUTPUT_TOKENS_PER_S).mean()).isPositive();
        assertThat(r.summary().get(Metric.ACHIEVED_REQUEST_RATE_PER_S).mean()).as("beside traffic.rate 200")
                .isBetween(50.0, 1000.0);
        assertThat(r.summary().get(Metric.SEND_LAG_P99_MS).mean()).isNotNegative();
        assertThat(r.summary().get(Metric.MAX_IN_FLIGHT).mean()).isGreaterThanOrEqualTo(1.0);
        assertThat(r.cycles().get(0).metrics().meanInFlight()).isPresent();
        assertThat(r.summary().get(Metric.TPOT_MEAN_MS).mean()).isPositive();
        assertThat(r.processes().get(0).backendEnvironment()).containsEntry("server.version", "0.10.1.dev-test");
        assertThat(server.traces()).as("warm-up run 1 + traffic warm-up 4 + 2 cycles x 24").hasSize(1 + 4 + 48);
        try (var files = Files.walk(dir.resolve("results"))) {
            Path csv = files.filter(p -> p.getFileName().toString().startsWith("timeseries_")).findFirst().orElseThrow();
            assertThat(Files.readAllLines(csv).get(0)).contains("vllm.requests_running")
                    .contains("vllm.generation_tokens_per_s");
        }
    }
}
