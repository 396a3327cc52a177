package dev.lem.nvml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.config.ExperimentConfig;
import dev.lem.energy.EnergyMonitor;
import dev.lem.energy.EnergyWindow;
import dev.lem.energy.SamplerStats;
import dev.lem.nvml.internal.NvmlEnergyMeter;
import dev.lem.spi.EnergyMeter;
import dev.lem.spi.MeterContext;
import dev.lem.spi.WorkloadDevices;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a 100 ms sampler tick costs with two GPUs whose energy-counter read costs 4 ms each (the fake sleeps in the
 * call, as a real H100's driver takes ~4 ms): before, every tick read the counters; now a tick samples power and the
 * counters are read at the window edges only. The numbers are printed for docs/performance.md; the test asserts only
 * the count of counter reads, never a time.
 */
class SamplerCostFakeNvmlTest {
    private FakeNvml fake;

    @BeforeEach
    void setUp() {
        fake = FakeNvml.load().reset(2);
        fake.realTime();
        fake.global("energy_read_cost_ms", 4);
    }

    @AfterEach
    void paired() {
        if (fake != null) {
            fake.global("energy_read_cost_ms", 0);
        }
        FakeNvml.assertPaired(fake);
    }

    /** The meter as the sampler used it before: every tick's series reading was an exact counter read. */
    static EnergyMeter countersEveryTick(EnergyMeter m) {
        return new EnergyMeter() {
            @Override
            public String name() {
                return m.name();
            }

            @Override
            public List<dev.lem.energy.EnergyDomain> domains() {
                return m.domains();
            }

            @Override
            public Map<String, Double> cumulativeJoules() {
                return m.cumulativeJoules();
            }

            @Override
            public Map<String, Double> sampleJoules() {
                return m.cumulativeJoules();
            }

            @Override
            public void poll() {
                m.poll();
            }

            @Override
            public void close() {
                m.close();
            }
        };
    }

    private double[] run(boolean before) {
        MeterContext ctx = new MeterContext(ExperimentConfig.defaults().energy(), Map.of(), 0,
                WorkloadDevices.all("test"));
        EnergyMeter meter = NvmlEnergyMeter.open(ctx, System::nanoTime);
        if (before) {
            meter = countersEveryTick(meter);
        }
        long calls0 = fake.get("energy_calls");
        try (EnergyMonitor mon = EnergyMonitor.builder(List.of(meter), List.of()).interval(Duration.ofMillis(100))
                .withoutSamplerThread().start()) {
            EnergyWindow w = mon.windowWithTimeSeries("cycle_0");
            int ticks = 30;
            long wall = 0;
            for (int i = 0; i < ticks; i++) {
                long t0 = System.nanoTime();
                mon.sample();
                wall += System.nanoTime() - t0;
            }
            w.stop();
            SamplerStats s = mon.samplerStats();
            return new double[] {wall / 1e6 / ticks, s.maxTickNanos() / 1e6, fake.get("energy_calls") - calls0, ticks};
        }
    }

    @Test
    void aTickNoLongerReadsTheCountersSoItsCostFallsFromMillisecondsToMicroseconds() {
        double[] before = run(true);
        double[] after = run(false);
        System.out.printf(Locale.ROOT, "sampler tick, 2 GPUs, counter read 4 ms: before %.3f ms mean (max %.3f), "
                + "%d counter reads over %d ticks; after %.3f ms mean (max %.3f), %d counter reads%n", before[0],
                before[1], (long) before[2], (long) before[3], after[0], after[1], (long) after[2]);
        assertThat((long) before[2]).as("before: both counters at both edges and every tick").isEqualTo(2 * 2 + 2 * 30);
        assertThat((long) after[2]).as("after: both counters at both edges only").isEqualTo(2 * 2);
    }
}
