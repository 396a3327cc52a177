package dev.lem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.result.ExperimentResult;
import dev.lem.results.ScriptedResults;
import dev.lem.results.ScriptedResults.Cycle;
import dev.lem.stats.Comparison;
import dev.lem.workload.Prompts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Comparisons on scripted results (fixed durations and energies, seeded resampling), so that a loaded machine
 * cannot change their outcome; one real run checks that the pipeline feeds them.
 */
class ComparisonsTest {
    static final ExperimentConfig CONFIG = ConfigResolver.withDefaults().override("cycles=4").resolve();
    static final double WATTS = 50;

    @TempDir
    Path dir;

    /** 4 cycles of 4 requests x 6 tokens at 50 W, each cycle taking {@code durations[i]} seconds. */
    private static ExperimentResult scripted(String id, double... durations) {
        return ScriptedResults.experiment(id, CONFIG, java.util.Arrays.stream(durations)
                .mapToObj(d -> new Cycle(d, 4, 6, WATTS * d)).toList());
    }

    @Test
    void aSlowerBackendAtTheSamePowerUsesMoreEnergyPerToken() {
        ExperimentResult fast = scripted("20260101T000000Z-fast00", 0.100, 0.108, 0.095, 0.103);
        ExperimentResult slow = scripted("20260101T000000Z-slow00", 0.600, 0.630, 0.580, 0.610);
        Comparison c = Comparisons.compare(fast, slow, Metric.ENERGY_PER_OUTPUT_TOKEN_J);
        // energy per token = 50 W x total duration / total tokens: (50 x 0.406) / 96 and (50 x 2.42) / 96
        assertThat(c.estimateA()).isCloseTo(50 * 0.406 / 96, within(1e-12));
        assertThat(c.estimateB()).isCloseTo(50 * 2.42 / 96, within(1e-12));
        assertThat(c.estimateA()).isCloseTo(fast.summary().get(Metric.ENERGY_PER_OUTPUT_TOKEN_J).mean(), within(1e-12));
        assertThat(c.differenceExcludesZero()).isTrue();
        assertThat(c.ratioExcludesOne()).isTrue();
        assertThat(c.describe("fast", "slow", "energy per token")).contains("higher");
        // seeded resampling: the same inputs give the same interval, bit for bit
        assertThat(Comparisons.compare(fast, slow, Metric.ENERGY_PER_OUTPUT_TOKEN_J)).isEqualTo(c);
    }

    @Test
    void overlappingExperimentsAreNotCalledDifferent() {
        ExperimentResult a = scripted("20260101T000000Z-aaaa00", 0.100, 0.140, 0.090, 0.120);
        ExperimentResult b = scripted("20260101T000000Z-bbbb00", 0.110, 0.095, 0.135, 0.105);
        Comparison c = Comparisons.compare(a, b, Metric.OUTPUT_TOKENS_PER_S);
        assertThat(c.differenceExcludesZero()).isFalse();
        assertThat(c.ratioExcludesOne()).isFalse();
    }

    @Test
    void anUnavailableMetricIsNamedWithItsReason() {
        ExperimentResult a = scripted("20260101T000000Z-aaaa00", 0.1, 0.1, 0.1, 0.1);
        assertThatThrownBy(() -> Comparisons.compare(a, a, Metric.MFU))
                .isInstanceOf(LemException.class)
                .hasMessageContaining("Cannot compare mfu: it is not available in experiment A");
    }

    @Test
    void aRealRunFeedsTheComparisonWithItsOwnSummary() {
        ExperimentResult real = Experiment.builder().backend("simulated").prompts(Prompts.builtIn().limit(4))
                .maxOutputTokens(4).batchSize(4).cycles(3).warmupRuns(0).idleBaseline(Duration.ZERO).resultsDir(dir)
                .set("energy.meters", List.of("simulated")).set("energy.meter_options.simulated.cpu_watts", 50).measure();
        Comparison c = Comparisons.compare(real, real, Metric.ENERGY_PER_OUTPUT_TOKEN_J);
        assertThat(c.estimateA()).isCloseTo(real.summary().get(Metric.ENERGY_PER_OUTPUT_TOKEN_J).mean(),
                within(1e-12));
        assertThat(c.estimateB()).isEqualTo(c.estimateA());
    }
}
