package dev.lem.backend.trtllm;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trtllm-serve model's energy apportioned between prefill and decode by the engine's iteration time: the scripted
 * server reports, per request, one context iteration lasting its TTFT (40 ms) and a generation iteration per later
 * token (3 of 10 ms for 4 tokens) in its /metrics iteration statistics, which the sampler reads throughout while each
 * window's edges read them at once; so each cycle's split is 4 x 40 : 4 x 30 ms of its energy, whatever the
 * measured energy is.
 */
@Timeout(120)
class TrtllmPhaseEnergyTest {
    @TempDir
    Path dir;
    private ScriptedServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Experiment.Builder experiment(ScriptedServer.Flavor flavor) throws Exception {
        server = ScriptedServer.builder().flavor(flavor).ttftMs(40).itlMs(10).chunkTokens(1).start();
        return Experiment.builder().backend("trtllm").server(server.uri().toString()).model("test-model").cycles(3)
                .resultsDir(dir.resolve("results")).maxOutputTokens(4).ignoreEos(true)
                .prompts(Prompts.of("a b c", "d e f g", "h i", "j k l m n")).set("warmup.mode", "fixed")
                .set("warmup.runs", 1).set("energy.idle_baseline_s", 0)
                .set("energy.meter_options.simulated.cpu_watts", 10.0).set("traffic.concurrency", 2)
                .option("metrics_min_interval_ms", 20);
    }

    @Test
    void eachCyclesEnergyIsSplitByTheEnginesIterationTime() throws Exception {
        ExperimentResult r = experiment(ScriptedServer.Flavor.TRTLLM).measure();
        for (CycleResult c : r.cycles()) {
            PhaseSplit s = c.phaseSplit().orElseThrow(() -> new AssertionError("cycle " + c.cycle() + " has no split"));
            assertThat(s.prefillSeconds()).as("4 context iterations x 40 ms").isCloseTo(0.160, within(1e-9));
            assertThat(s.decodeSeconds()).as("4 requests x 3 generation iterations x 10 ms")
                    .isCloseTo(0.120, within(1e-9));
            double total = c.energy().orElseThrow().totalJoules();
            assertThat(s.prefillJoules()).isCloseTo(total * 4 / 7, within(1e-9));
            assertThat(s.decodeJoules()).isCloseTo(total * 3 / 7, within(1e-9));
            assertThat(s.basis()).startsWith("apportioned by engine iteration time (TensorRT-LLM iteration statistics")
                    .contains("mixed iterations by token work");
        }
        var prefill = r.summary().get(Metric.PREFILL_ENERGY_PER_PROMPT_TOKEN_J);
        var decode = r.summary().get(Metric.DECODE_ENERGY_PER_OUTPUT_TOKEN_J);
        assertThat(prefill.basis()).contains("apportioned by engine iteration time");
        assertThat(prefill.ciLow()).as("an interval over cycles").isPresent();
        assertThat(decode.mean()).isPositive();
        double outputTokens = r.cycles().stream().mapToLong(c -> c.metrics().outputTokens()).sum();
        double splitDecode = r.cycles().stream().mapToDouble(c -> c.phaseSplit().orElseThrow().decodeJoules()).sum();
        assertThat(decode.mean()).as("ratio of sums").isCloseTo(splitDecode / outputTokens, within(1e-12));
        ExperimentResult read = new dev.lem.results.ResultsRepository(dir.resolve("results")).readAggregated(r.id())
                .orElseThrow();
        assertThat(read.cycles().get(0).phaseSplit()).as("kept in the results' JSON")
                .isEqualTo(r.cycles().get(0).phaseSplit());
    }

    @Test
    void withoutTheServersMetricsThereIsNoSplitAndTheSummarySaysWhy() throws Exception {
        ExperimentResult r = experiment(ScriptedServer.Flavor.TRTLLM).option("metrics", false).measure();
        assertThat(r.cycles()).allSatisfy(c -> assertThat(c.phaseSplit()).isEmpty());
        assertThat(r.summary().unavailable().get(Metric.PREFILL_ENERGY_PER_PROMPT_TOKEN_J))
                .contains("no prefill/decode phase times").contains("trtllm-serve");
    }

    @Test
    void tritonHasNoIterationStatisticsSoNoSplit() throws Exception {
        ExperimentResult r = experiment(ScriptedServer.Flavor.TRITON).set("server.api", "triton")
                .set("server.model_name", "test-model").measure();
        assertThat(r.cycles()).isNotEmpty().allSatisfy(c -> assertThat(c.phaseSplit()).isEmpty());
        assertThat(r.summary().unavailable().get(Metric.PREFILL_ENERGY_PER_PROMPT_TOKEN_J)).contains("Triton: none");
    }
}
