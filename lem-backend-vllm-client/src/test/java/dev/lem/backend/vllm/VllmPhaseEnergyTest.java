package dev.lem.backend.vllm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.Experiment;
import dev.lem.Metric;
import dev.lem.result.CycleResult;
import dev.lem.result.ExperimentResult;
import dev.lem.result.PhaseSplit;
import dev.lem.serving.ScriptedServer;
import dev.lem.workload.Prompts;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A served model's energy apportioned between prefill and decode by the engine's own phase times: the scripted vLLM
 * server reports every request's prefill (its TTFT, 40 ms) and decode time (3 gaps of 10 ms for 4 tokens) in its
 * /metrics histograms, so each cycle's split is 40 : 30 of its energy, whatever the measured energy is.
 */
@Timeout(120)
class VllmPhaseEnergyTest {
    @TempDir
    Path dir;
    private ScriptedServer server;

    @BeforeEach
    void start() throws Exception {
        server = ScriptedServer.builder().ttftMs(40).itlMs(10).chunkTokens(1).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Experiment.Builder experiment() {
        return Experiment.builder().backend("vllm").server(server.uri().toString()).model("test-model").cycles(3)
                .resultsDir(dir.resolve("results")).maxOutputTokens(4).ignoreEos(true)
                .prompts(Prompts.of("a b c", "d e f g", "h i", "j k l m n")).set("warmup.mode", "fixed")
                .set("warmup.runs", 1).set("energy.idle_baseline_s", 0)
                .set("energy.meter_options.simulated.cpu_watts", 10.0).set("traffic.concurrency", 2);
    }

    @Test
    void eachCyclesEnergyIsSplitByTheEnginesPhaseTimes() {
        ExperimentResult r = experiment().measure();
        for (CycleResult c : r.cycles()) {
            PhaseSplit s = c.phaseSplit().orElseThrow(() -> new AssertionError("cycle " + c.cycle() + " has no split"));
            assertThat(s.prefillSeconds()).as("4 requests x 40 ms").isCloseTo(0.160, within(1e-9));
            assertThat(s.decodeSeconds()).as("4 requests x 3 x 10 ms").isCloseTo(0.120, within(1e-9));
            double total = c.energy().orElseThrow().totalJoules();
            assertThat(s.prefillJoules()).isCloseTo(total * 4 / 7, within(1e-9));
            assertThat(s.decodeJoules()).isCloseTo(total * 3 / 7, within(1e-9));
            assertThat(s.basis()).startsWith("apportioned by engine phase time");
        }
        var prefill = r.summary().get(Metric.PREFILL_ENERGY_PER_PROMPT_TOKEN_J);
        var decode = r.summary().get(Metric.DECODE_ENERGY_PER_OUTPUT_TOKEN_J);
        assertThat(prefill.basis()).contains("apportioned by engine phase time");
        assertThat(prefill.ciLow()).as("an interval over cycles").isPresent();
        assertThat(decode.mean()).isPositive();
        double promptTokens = r.cycles().stream().mapToLong(c -> c.metrics().promptTokens()).sum();
        double splitPrefill = r.cycles().stream().mapToDouble(c -> c.phaseSplit().orElseThrow().prefillJoules()).sum();
        assertThat(prefill.mean()).as("ratio of sums").isCloseTo(splitPrefill / promptTokens, within(1e-12));
        ExperimentResult read = new dev.lem.results.ResultsRepository(dir.resolve("results")).readAggregated(r.id())
                .orElseThrow();
        assertThat(read.cycles().get(0).phaseSplit()).as("kept in the results' JSON")
                .isEqualTo(r.cycles().get(0).phaseSplit());
    }

    @Test
    void withoutTheServersMetricsThereIsNoSplitAndTheSummarySaysWhy() {
        ExperimentResult r = experiment().option("metrics", false).measure();
        assertThat(r.cycles()).allSatisfy(c -> assertThat(c.phaseSplit()).isEmpty());
        assertThat(r.summary().unavailable().get(Metric.PREFILL_ENERGY_PER_PROMPT_TOKEN_J))
                .contains("no prefill/decode phase times");
    }
}
