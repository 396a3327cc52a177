package dev.lem;

import dev.lem.result.ExperimentResult;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lem.stats.Comparison;
import dev.lem.workload.Prompts;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComparisonsTest {
    @TempDir
    Path dir;

    private ExperimentResult run(double decodeMs) {
        return Experiment.builder().backend("simulated").prompts(Prompts.builtIn().limit(4)).maxOutputTokens(6)
                .batchSize(4).cycles(4).warmupRuns(2).idleBaseline(Duration.ZERO).resultsDir(dir)
                .option("decode_ms_per_step", decodeMs).set("energy.meter_options.simulated.cpu_watts", 50)
                .set("energy.sampler_interval_ms", 10).set("energy.meters", java.util.List.of("simulated"))
                .measure();
    }

    @Test
    void aSlowerBackendAtTheSamePowerUsesMoreEnergyPerToken() {
        ExperimentResult fast = run(2);
        ExperimentResult slow = run(12);
        Comparison c = Comparisons.compare(fast, slow, Metric.ENERGY_PER_OUTPUT_TOKEN_J);
        assertThat(c.estimateA()).isCloseTo(fast.summary().get(Metric.ENERGY_PER_OUTPUT_TOKEN_J).mean(), within(1e-12));
        // at the same power, 6x slower decoding costs clearly more energy per token (JIT and load noise aside)
        assertThat(c.estimateB()).isGreaterThan(c.estimateA() * 1.5);
        assertThat(c.differenceExcludesZero()).isTrue();
        assertThat(c.ratioExcludesOne()).isTrue();
        assertThat(c.describe("fast", "slow", "energy per token")).contains("higher");
    }

    @Test
    void anUnavailableMetricIsNamedWithItsReason() {
        ExperimentResult a = run(2);
        assertThatThrownBy(() -> Comparisons.compare(a, a, Metric.MFU))
                .isInstanceOf(LemException.class)
                .hasMessageContaining("Cannot compare mfu: it is not available in experiment A");
    }
}
