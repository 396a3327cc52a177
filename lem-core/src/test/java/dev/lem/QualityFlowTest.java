package dev.lem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.campaign.CampaignResult;
import dev.lem.campaign.CampaignState;
import dev.lem.campaign.ScriptedPause;
import dev.lem.result.ExperimentResult;
import dev.lem.result.QualityResult;
import dev.lem.serving.ScriptedServer;
import dev.lem.stats.Estimate;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quality.perplexity} in the experiment flow, against a scripted vLLM server whose prompt log-probabilities
 * are all ln(1/2) (perplexity exactly 2): measured once per experiment after its cycles, in an energy window of its
 * own (a simulated 20 W meter), reported in the summary with an interval across the text's windows; a server
 * without prompt log-probabilities leaves it unavailable with the reason and the cycles stand.
 */
@Timeout(120)
class QualityFlowTest {
    @TempDir
    Path dir;
    ScriptedServer server;

    @BeforeEach
    void start() throws Exception {
        server = ScriptedServer.builder().ttftMs(1).itlMs(0.5).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Experiment.Builder served(ScriptedServer s) {
        return Experiment.builder().backend("openai").set("server.url", s.uri().toString())
                .set("server.max_retries", 0).maxOutputTokens(3).set("prompts.limit", 4).cycles(2)
                .set("warmup.mode", "fixed").warmupRuns(1).set("energy.idle_baseline_s", 0)
                .set("energy.meters", List.of("simulated"))
                .set("energy.meter_options", Map.of("simulated", Map.of("cpu_watts", 20)))
                .set("quality.perplexity.dataset", "builtin").set("quality.perplexity.max_tokens", 300)
                .set("quality.perplexity.window", 64).set("quality.perplexity.stride", 32)
                .resultsDir(dir.resolve("results"));
    }

    @Test
    void perplexityIsMeasuredOnceAfterTheCyclesInItsOwnEnergyWindow() {
        ExperimentResult r = served(server).build().measure();
        QualityResult q = r.processes().get(0).quality().orElseThrow();
        var p = q.perplexity().orElseThrow();
        assertThat(p.perplexity()).isCloseTo(2.0, within(1e-12));
        // 300 tokens: the first window scores 63, then 7 more windows of 32 and a last of 12 (each token once)
        assertThat(p.scoredTokens()).isEqualTo(299);
        assertThat(p.windows()).hasSize(9);
        assertThat(server.scoredPrompts()).as("one request per window, none in the cycles").isEqualTo(9);
        assertThat(server.traces()).as("generation requests: 1 warm-up + 2 cycles x 4").hasSize(9);
        // its own window, with its energy (20 W simulated)
        var m = q.measurement().orElseThrow();
        double j = m.energy().orElseThrow().totalJoules();
        assertThat(j / (m.durationNanos() / 1e9)).isCloseTo(20.0, within(0.5));
        assertThat(q.joulesPerScoredToken()).get().satisfies(x -> assertThat(x).isCloseTo(j / 299, within(1e-12)));
        // the summary: perplexity with an interval across the windows, and how it was measured
        Estimate e = r.summary().find(Metric.PERPLEXITY).orElseThrow();
        assertThat(e.mean()).isCloseTo(2.0, within(1e-9));
        assertThat(e.n()).isEqualTo(9);
        assertThat(e.basis()).contains("server prompt_logprobs");
        assertThat(p.scorer()).contains("server prompt_logprobs");
        assertThat(r.summary().find(Metric.ENERGY_PER_OUTPUT_TOKEN_J)).isPresent();
    }

    @Test
    void aServerWithoutPromptLogProbabilitiesLeavesPerplexityUnavailableWithTheReason() throws Exception {
        try (ScriptedServer trt = ScriptedServer.builder().flavor(ScriptedServer.Flavor.TRTLLM).ttftMs(1).itlMs(0.5)
                .start()) {
            ExperimentResult r = served(trt).build().measure();
            assertThat(r.summary().find(Metric.PERPLEXITY)).isEmpty();
            assertThat(r.summary().whyUnavailable(Metric.PERPLEXITY)).get().asString()
                    .startsWith("not offered by this server: ");
            assertThat(r.processes().get(0).warnings()).anySatisfy(w -> assertThat(w).startsWith("perplexity not "
                    + "measured: not offered by this server"));
            assertThat(r.cycles()).hasSize(2);
            assertThat(r.summary().find(Metric.ENERGY_PER_OUTPUT_TOKEN_J)).isPresent();
        }
    }

    @Test
    void aCampaignMeasuresPerplexityOnceForEachExperiment() throws Exception {
        Map<String, Object> base = new LinkedHashMap<>();
        base.put("backend", "openai");
        base.put("server", Map.of("url", server.uri().toString(), "max_retries", 0));
        base.put("prompts", Map.of("limit", 4));
        base.put("warmup", Map.of("mode", "fixed", "runs", 1));
        base.put("energy", Map.of("idle_baseline_s", 0, "meters", List.of("simulated"), "meter_options",
                Map.of("simulated", Map.of("cpu_watts", 20))));
        base.put("quality", Map.of("perplexity", Map.of("dataset", "builtin", "max_tokens", 100, "window", 64,
                "stride", 32)));
        CampaignResult r = Campaign.builder().base(base).vary("max_output_tokens", 2, 3).cycles(2).seed(7)
                .name("quality").resultsDir(dir.resolve("results"))
                .pause(new ScriptedPause(Instant.parse("2026-12-05T12:00:00Z"))).build().run();
        assertThat(r.state()).isEqualTo(CampaignState.COMPLETE);
        assertThat(r.experiments()).hasSize(2).allSatisfy(x -> {
            assertThat(x.summary().find(Metric.PERPLEXITY).orElseThrow().mean()).isCloseTo(2.0, within(1e-9));
            assertThat(x.processes().get(0).quality().orElseThrow().measurement().orElseThrow().energy()).isPresent();
        });
        // 100 tokens, window 64 stride 32: 3 windows per experiment, each experiment measured once
        assertThat(server.scoredPrompts()).isEqualTo(6);
    }
}
