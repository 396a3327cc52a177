package dev.lem.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.config.ExperimentConfig;
import dev.lem.energy.DomainUse;
import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.EnergyMonitor;
import dev.lem.energy.EnergyWindow;
import dev.lem.energy.IdleBaseline;
import dev.lem.energy.TimeSeries;
import dev.lem.nvml.internal.NvmlEnergyMeter;
import dev.lem.spi.MeterContext;
import dev.lem.spi.WorkloadDevices;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Against the fake NVML on its virtual clock, where each energy-counter read costs what the scripted
 * {@code energy_read_cost_ms} says (a real H100: ~4 ms inside the driver): the counter is read only at window edges,
 * each GPU's energy is divided by the interval between its own reads, and GPUs the workload does not use are
 * measured apart.
 */
class EdgesAndAttributionFakeNvmlTest {
    private FakeNvml fake;

    @BeforeEach
    void setUp() {
        fake = FakeNvml.load().reset(2);
    }

    @AfterEach
    void paired() {
        FakeNvml.assertPaired(fake);
    }

    private static MeterContext context(WorkloadDevices workload) {
        return new MeterContext(ExperimentConfig.defaults().energy(), Map.of(), 0, workload);
    }

    private EnergyMonitor monitor(NvmlEnergyMeter meter) {
        return EnergyMonitor.builder(List.of(meter), List.of()).clock(fake.fakeClock()).withoutSamplerThread()
                .interval(Duration.ofMillis(100)).start();
    }

    @Test
    void theCounterIsReadOnlyAtWindowEdgesAndTheSeriesIntegratesPowerInBetween() {
        fake.set(0, "power_mw", 300_000).set(1, "power_mw", 100_000);
        try (EnergyMonitor mon = monitor(NvmlEnergyMeter.open(context(WorkloadDevices.all("test")), fake.fakeClock()))) {
            long atOpen = fake.get("energy_calls");
            EnergyWindow w = mon.windowWithTimeSeries("cycle_0");
            for (int i = 0; i < 50; i++) {
                fake.advanceMs(100);
                mon.sample();
            }
            EnergyMeasurement e = w.stop();
            assertThat(fake.get("energy_calls") - atOpen).as("two GPUs x two edges; none in the 50 sampler ticks")
                    .isEqualTo(4);
            assertThat(e.domain("gpu[0]").orElseThrow().joules()).isCloseTo(300.0 * 5, within(1e-3));
            TimeSeries s = w.timeSeries().orElseThrow();
            double[] mid = s.rows().get(24);
            int energy0 = s.columns().indexOf("energy_j.gpu[0]");
            int power0 = s.columns().indexOf("power_w.gpu[0]");
            assertThat(mid[energy0]).as("sampled power integrated since the edge").isCloseTo(300.0 * 2.5, within(1.0));
            assertThat(mid[power0]).isCloseTo(300.0, within(1.0));
        }
    }

    @Test
    void slowCounterReadsSpreadOverTwoGpusSkewNeitherBaseline() {
        fake.set(0, "power_mw", 70_000).set(1, "power_mw", 140_000);
        NvmlEnergyMeter meter = NvmlEnergyMeter.open(context(WorkloadDevices.all("test")), fake.fakeClock());
        try (EnergyMonitor mon = monitor(meter)) {
            fake.global("energy_read_cost_ms", 40); // a slow first read of each counter...
            EnergyWindow idle = mon.idleWindow();
            fake.advanceMs(3_000);
            fake.global("energy_read_cost_ms", 4); // ...then the ~4 ms an H100 takes
            IdleBaseline b = mon.useAsBaseline(idle);
            // with one timestamp for both reads (the old monitor): 70.4 W and 139.2 W, skewed +0.6% and -0.6%
            assertThat(b.watts().get("gpu[0]")).isCloseTo(70.0, within(0.001));
            assertThat(b.watts().get("gpu[1]")).isCloseTo(140.0, within(0.001));
            EnergyWindow cycle = mon.window("cycle_0");
            fake.advanceMs(3_000);
            EnergyMeasurement e = cycle.stop();
            assertThat(e.domain("gpu[0]").orElseThrow().adjustedJoules().orElseThrow()).isCloseTo(0.0, within(0.01));
            assertThat(e.domain("gpu[1]").orElseThrow().adjustedJoules().orElseThrow()).isCloseTo(0.0, within(0.01));
        }
    }

    @Test
    void withTheModelOnTheCpuTheGpusAreMeasuredButNotCountedInTheWorkloadsEnergy() {
        fake.set(0, "power_mw", 350_000).set(1, "power_mw", 90_000);
        NvmlEnergyMeter meter = NvmlEnergyMeter.open(
                context(WorkloadDevices.none("device: cpu (the model runs on the CPU)")), fake.fakeClock());
        try (EnergyMonitor mon = monitor(meter)) {
            EnergyWindow w = mon.window("cycle_0");
            fake.advanceMs(2_000);
            EnergyMeasurement e = w.stop();
            assertThat(e.domains()).allSatisfy(d -> assertThat(d.domain().use()).isEqualTo(DomainUse.NOT_USED));
            assertThat(e.totalJoules()).as("no GPU in the workload's energy").isZero();
            assertThat(e.notUsedJoules()).isCloseTo(2 * (350.0 + 90.0), within(1e-3));
            assertThat(e.toString()).contains("not used by the workload: gpu[0] 700 J measured; gpu[1] 180 J measured");
        }
    }

    @Test
    void withOneGpuHiddenOnlyTheVisibleOneCounts() {
        fake.set(0, "power_mw", 350_000).set(1, "power_mw", 90_000);
        NvmlEnergyMeter meter = NvmlEnergyMeter.open(FakeNvml.context("1"), fake.fakeClock());
        try (EnergyMonitor mon = monitor(meter)) {
            EnergyWindow w = mon.window("cycle_0");
            fake.advanceMs(1_000);
            EnergyMeasurement e = w.stop();
            assertThat(e.totalJoules()).isCloseTo(90.0, within(1e-3));
            assertThat(e.notUsedJoules()).isCloseTo(350.0, within(1e-3));
            assertThat(e.domain("gpu[1]").orElseThrow().domain().usedByWorkload()).isTrue();
        }
    }
}
