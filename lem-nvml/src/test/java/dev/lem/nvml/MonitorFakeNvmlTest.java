package dev.lem.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.spi.PluginReport;
import dev.lem.energy.DomainEnergy;
import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.EnergyMonitor;
import dev.lem.energy.EnergyWindow;
import dev.lem.spi.Plugins;
import dev.lem.spi.EnergyMeter;
import dev.lem.spi.EnergyMeterProvider;
import dev.lem.spi.TelemetrySource;
import dev.lem.spi.TelemetrySourceProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The plug-ins as the core finds and runs them: ServiceLoader discovery, then LEM's own
 * {@link EnergyMonitor} with its sampler thread, against the fake NVML on the real clock.
 */
class MonitorFakeNvmlTest {
    private FakeNvml fake;

    @BeforeEach
    void setUp() {
        fake = FakeNvml.load().reset(2);
        fake.realTime();
    }

    @AfterEach
    void paired() {
        FakeNvml.assertPaired(fake);
    }

    private static <T> T only(Class<T> type) {
        List<T> found = new ArrayList<>();
        ServiceLoader.load(type).forEach(p -> {
            if (p.getClass().getPackageName().equals("dev.lem.nvml")) {
                found.add(p);
            }
        });
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    @Test
    void discoveredPluginsMeasureAWindowThroughTheMonitor() throws Exception {
        fake.set(0, "power_mw", 150_000).set(1, "energy_supported", 0).set(1, "power_mw", 80_000)
                .set(0, "reasons", 0x4);
        EnergyMeterProvider mp = only(EnergyMeterProvider.class);
        TelemetrySourceProvider tp = only(TelemetrySourceProvider.class);
        assertThat(mp.name()).isEqualTo("nvml");
        assertThat(mp.availability().available()).isTrue();
        EnergyMeter meter = mp.open(FakeNvml.context(null));
        TelemetrySource source = tp.open(FakeNvml.context(null));
        try (EnergyMonitor monitor = EnergyMonitor.start(List.of(meter), List.of(source), Duration.ofMillis(20))) {
            EnergyWindow cycle0 = monitor.window("cycle_0");
            Thread.sleep(400);
            fake.set(0, "lost", 1);
            // keep gpu[0] lost until the meter has noticed (its sampler polls gpu[0]'s power) and the sampler has
            // been round once more (gpu[1]'s power read 4 more times: the meter and the telemetry source read it
            // once a tick each), so the telemetry source has seen it too; not for a fixed time: a loaded machine may
            // not run the sampler for a while
            awaitLoss(meter, "gpu[0]");
            awaitPowerReads(fake, 4);
            fake.set(0, "lost", 0);
            EnergyWindow cycle1 = monitor.windowWithTimeSeries("cycle_1");
            Thread.sleep(300);
            EnergyMeasurement lost = cycle0.stop();
            EnergyMeasurement ok = cycle1.stop();
            assertThat(lost.domains()).extracting(d -> d.domain().id()).containsExactly("gpu[1]");
            assertThat(lost.throttle()).hasValueSatisfying(t -> {
                assertThat(t.powerShare()).as("gpu[0] was at its software power cap until lost").isBetween(0.2, 0.8);
                assertThat(t.flagged()).isTrue();
            });
            assertThat(lost.notes()).anySatisfy(n -> assertThat(n).startsWith("gpu[0]: no reading at the end")
                    .contains("(gpu[0] (" + FakeNvml.gpuUuid(0) + ") was lost ", "NVML_ERROR_GPU_IS_LOST (15)"));
            DomainEnergy integrated = ok.domains().get(0);
            assertThat(integrated.domain().id()).isEqualTo("gpu[1]");
            double expected = 80.0 * ok.durationSeconds();
            assertThat(integrated.joules()).as("80 W integrated over the window").isCloseTo(expected,
                    within(expected * 0.03));
            assertThat(ok.throttle()).hasValueSatisfying(t -> assertThat(t.samples()).isPositive());
            assertThat(cycle1.timeSeries()).hasValueSatisfying(ts -> assertThat(ts.columns())
                    .contains("power_w.gpu[1]", "gpu1.power_w", "gpu0.temperature_c"));
        }
    }

    @Test
    void pluginReportsNameEachGpuItsEnergyMethodAndWhyOneIsLeftOut() {
        fake.reset(3);
        fake.realTime();
        fake.set(1, "energy_supported", 0).set(2, "energy_supported", 0).set(2, "power_supported", 0);
        PluginReport nvml = Plugins.reports().stream().filter(r -> r.name().equals("nvml")
                && r.kind().equals("energy_meter")).findFirst().orElseThrow();
        assertThat(nvml.details()).anySatisfy(d -> assertThat(d).startsWith("gpu[0] Fake NVIDIA H100 80GB HBM3 ("
                + FakeNvml.gpuUuid(0) + "): measured (energy counter, read at window edges)"));
        assertThat(nvml.details()).anySatisfy(d -> assertThat(d).startsWith("gpu[1] Fake NVIDIA H100 80GB HBM3 (")
                .contains("integrated (instantaneous power").contains("no energy counter: NVML_ERROR_NOT_SUPPORTED"));
        assertThat(nvml.details()).anySatisfy(d -> assertThat(d).startsWith("gpu[2] Fake NVIDIA H100 80GB HBM3: left "
                + "out, unavailable: neither an energy counter nor a power reading"));
        assertThat(nvml.details()).anySatisfy(d -> assertThat(d).startsWith("workload GPUs by default: "));
    }

    @Test
    void pluginReportsListNvmlAsAvailable() {
        List<PluginReport> reports = Plugins.reports();
        assertThat(reports).filteredOn(r -> r.name().equals("nvml")).hasSize(2)
                .allSatisfy(r -> assertThat(r.available()).isTrue());
    }

    /** Waits (at most 30 s) until {@code meter} has found domain {@code id}'s GPU lost. */
    private static void awaitLoss(EnergyMeter meter, String id) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!meter.notes().containsKey(id + ".unavailable")) {
            assertThat(System.nanoTime()).as("the meter noticed the lost GPU within 30 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    /** Waits (at most 30 s) until the fake has answered {@code more} further power reads. */
    private static void awaitPowerReads(FakeNvml fake, long more) throws InterruptedException {
        long target = fake.get("power_calls") + more;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (fake.get("power_calls") < target) {
            assertThat(System.nanoTime()).as("the sampler read power again within 30 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
