package dev.lem.energy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.energy.DomainScope;
import dev.lem.energy.MeasurementMethod;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RamEstimateTest {
    private static final long GIB = 1L << 30;
    private static final long S = 1_000_000_000L;

    @Test
    void energyIsWattsPerGibTimesResidentMemoryIntegratedOverTime() {
        AtomicLong clock = new AtomicLong();
        AtomicLong rss = new AtomicLong(2 * GIB);
        RamEstimateMeter m = new RamEstimateMeter(0.5, rss::get, S, clock::get, Map.of("attribution", "test"));
        assertThat(m.domains().get(0)).satisfies(d -> {
            assertThat(d.id()).isEqualTo("ram");
            assertThat(d.scope()).isEqualTo(DomainScope.PROCESS);
            assertThat(d.method()).isEqualTo(MeasurementMethod.ESTIMATED);
        });
        clock.set(2 * S);
        m.poll(); // 1 W for 2 s; samples 2 GiB again at 2 s
        rss.set(6 * GIB);
        clock.set(3 * S);
        m.poll(); // still 1 W (sampled at 2 s) for 1 s; samples 6 GiB
        clock.set(5 * S);
        assertThat(m.cumulativeJoules().get("ram")).isCloseTo(2 + 1 + 3 * 2, within(1e-9));
    }

    @Test
    void adjustedRamIsTheEnergyOfTheMemoryAddedSinceTheBaselineIncludingTheWeightsLoadedJustBeforeTheCycle() {
        // the definition (docs/energy.md): the baseline is taken before the model loads, so adjusted RAM =
        // watts_per_gb x (resident memory during the window - resident memory during the baseline) x duration
        AtomicLong clock = new AtomicLong();
        AtomicLong rss = new AtomicLong(GIB); // the JVM and engine before the model loads
        RamEstimateMeter ram = new RamEstimateMeter(0.375, rss::get, S, clock::get, Map.of());
        try (dev.lem.energy.EnergyMonitor mon = dev.lem.energy.EnergyMonitor.builder(java.util.List.of(ram),
                java.util.List.of()).clock(clock::get).withoutSamplerThread().start()) {
            dev.lem.energy.EnergyWindow idle = mon.idleWindow();
            for (int i = 1; i <= 10; i++) {
                clock.set(i * S);
                mon.sample();
            }
            assertThat(mon.useAsBaseline(idle).watts().get("ram")).isCloseTo(0.375, within(1e-9));
            clock.set(10 * S + S / 5);
            rss.set(3 * GIB); // the weights: 2 GiB more, loaded 0.2 s after the baseline
            clock.set(10 * S + S / 2);
            dev.lem.energy.EnergyWindow cycle = mon.window("cycle_0");
            clock.set(11 * S + S / 2);
            mon.sample();
            clock.set(12 * S + S / 2);
            dev.lem.energy.DomainEnergy e = cycle.stop().domain("ram").orElseThrow();
            assertThat(e.joules()).isCloseTo(0.375 * 3 * 2, within(1e-9));
            assertThat(e.adjustedJoules().orElseThrow()).as("2 GiB of weights x 0.375 W/GiB x 2 s")
                    .isCloseTo(0.375 * 2 * 2, within(1e-9));
        }
    }

    @Test
    void residentMemoryIsSampledAtMostOncePerGap() {
        AtomicLong clock = new AtomicLong();
        int[] samples = {0};
        RamEstimateMeter m = new RamEstimateMeter(1, () -> {
            samples[0]++;
            return GIB;
        }, S, clock::get, Map.of());
        for (int i = 1; i <= 10; i++) {
            clock.set(i * S / 10);
            m.poll();
        }
        assertThat(samples[0]).isEqualTo(2); // at open and at 1 s
        assertThat(m.cumulativeJoules().get("ram")).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void anUnreadableSampleKeepsThePreviousPower() {
        AtomicLong clock = new AtomicLong();
        AtomicLong rss = new AtomicLong(GIB);
        RamEstimateMeter m = new RamEstimateMeter(2, rss::get, 0, clock::get, Map.of());
        rss.set(-1);
        clock.set(S);
        m.poll();
        clock.set(2 * S);
        assertThat(m.cumulativeJoules().get("ram")).isCloseTo(4.0, within(1e-9));
    }

    @Test
    void vmRssIsReadFromAStatusFile(@TempDir Path dir) {
        FakePowercap.write(dir.resolve("status"), "Name:\tjava\nVmHWM:\t  900 kB\nVmRSS:\t  123456 kB\nThreads:\t40\n");
        assertThat(ProcessMemory.vmRss(dir.resolve("status"))).isEqualTo(123456L * 1024);
        assertThat(ProcessMemory.vmRss(dir.resolve("missing"))).isEqualTo(-1);
    }

    @Test
    void thisProcessTreeHasAPositiveResidentSetWhereProcIsReadable() {
        ProcessMemory pm = new ProcessMemory(Path.of("/proc"), System::nanoTime);
        org.junit.jupiter.api.Assumptions.assumeTrue(pm.description().startsWith("resident set"),
                "/proc/self/status is not readable on this OS");
        assertThat(pm.getAsLong()).isGreaterThan(1L << 20);
    }
}
