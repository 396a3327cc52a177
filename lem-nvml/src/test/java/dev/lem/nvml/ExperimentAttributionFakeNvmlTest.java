package dev.lem.nvml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.Experiment;
import dev.lem.Metric;
import dev.lem.result.CycleEnergy;
import dev.lem.result.ExperimentResult;
import dev.lem.workload.Prompts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole experiments (the simulated backend from lem-core's test kit) beside two fake H100s drawing known power:
 * which GPUs the headline counts, how the others are shown, MFU's device, and throttling reaching the warnings.
 */
class ExperimentAttributionFakeNvmlTest {
    private FakeNvml fake;

    @TempDir
    Path dir;

    @BeforeEach
    void setUp() {
        fake = FakeNvml.load().reset(2);
        fake.realTime();
        fake.set(0, "power_mw", 400_000).set(1, "power_mw", 100_000);
    }

    @AfterEach
    void paired() {
        FakeNvml.assertPaired(fake);
    }

    private Experiment.Builder experiment() {
        return Experiment.builder().backend("simulated").prompts(Prompts.builtIn().limit(4)).maxOutputTokens(8)
                .batchSize(4).cycles(2).warmupRuns(1).idleBaseline(Duration.ofMillis(300)).resultsDir(dir)
                .option("decode_ms_per_step", 40.0).set("energy.sampler_interval_ms", 20)
                .set("energy.meters", List.of("nvml", "ram-estimate"));
    }

    @Test
    void withTheModelOnTheCpuTheGpusAreMeasuredApartAndMfuUsesTheCpusPeak() {
        ExperimentResult r = experiment().set("device", "cpu").measure();
        CycleEnergy e = r.cycles().get(0).energy().orElseThrow();
        assertThat(e.domains()).filteredOn(d -> d.domain().kind().equals("gpu"))
                .allSatisfy(d -> assertThat(d.domain().usedByWorkload()).isFalse()).hasSize(2);
        assertThat(e.joulesByKind()).doesNotContainKey("gpu");
        assertThat(e.totalJoules()).as("only the process's memory").isEqualTo(e.joulesByKind().get("ram"));
        assertThat(e.notUsedJoules()).isGreaterThan(0.9 * 500 * r.cycles().get(0).metrics().durationS());
        assertThat(r.summary().find(Metric.ENERGY_GPU_J)).isEmpty();
        assertThat(r.summary().whyUnavailable(Metric.ENERGY_GPU_J).orElseThrow()).contains("the workload uses no gpu");
        assertThat(r.summary().get(Metric.ENERGY_NOT_USED_J).basis()).contains("gpu[0], gpu[1] (not used by the workload)");
        assertThat(r.summary().get(Metric.ENERGY_J).mean()).isLessThan(r.summary().get(Metric.ENERGY_NOT_USED_J).mean());
        // the peak MFU divides by (the simulated model reports no FLOPs, so MFU itself is absent here)
        String peak = dev.lem.result.SummaryInputs.of(r).peak().computeBasis();
        assertThat(peak).doesNotContain("H100").contains("estimated CPU peak");
        assertThat(r.processes().get(0).environment().contributions().get("energy"))
                .containsEntry("workload_devices", "no GPU (device: cpu (the model runs on the CPU))");
    }

    @Test
    void theWorkloadsGpuCountsAndItsThrottlingReachesTheBaselineAndTheWarnings() {
        fake.set(1, "reasons", 0x4); // gpu[1], the workload's, at its software power cap throughout
        ExperimentResult r = experiment().set("device", "cuda").set("energy.devices", List.of("1")).measure();
        CycleEnergy e = r.cycles().get(0).energy().orElseThrow();
        assertThat(e.domains()).filteredOn(d -> d.domain().usedByWorkload() && d.domain().kind().equals("gpu"))
                .extracting(d -> d.domain().id()).containsExactly("gpu[1]");
        double seconds = r.cycles().get(0).metrics().durationS();
        assertThat(e.joulesByKind().get("gpu")).as("gpu[1] at 100 W only").isBetween(90 * seconds, 130 * seconds);
        assertThat(e.notUsedJoules()).as("gpu[0] at 400 W, apart").isGreaterThan(350 * seconds);
        assertThat(r.processes().get(0).baseline().orElseThrow().disturbed().orElseThrow())
                .contains("a device throttled during it (gpu[1]:sw_power_cap");
        assertThat(r.warnings()).anySatisfy(w -> assertThat(w).startsWith("the idle baseline was not taken at idle"))
                .anySatisfy(w -> assertThat(w).startsWith("throttling in 2 of 2 cycles (cycles 1, 2): thermal in up to "
                        + "0% and power in up to 100% of samples (gpu[1]:sw_power_cap)"));
        assertThat(r.summary().get(Metric.ENERGY_ADJUSTED_J).basis()).contains("baseline disturbed");
        assertThat(r.summary().get(Metric.ENERGY_MEASURED_J).basis()).isEqualTo("measured only (hardware counters)");
        // the workload's GPU was found (the simulated model's data type, "none", has no peak)
        assertThat(dev.lem.result.SummaryInputs.of(r).peak().computeBasis()).doesNotContain("no accelerator")
                .contains("\"none\" is not a data type with a compute peak");
    }
}
