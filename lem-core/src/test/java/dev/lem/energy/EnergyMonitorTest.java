package dev.lem.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lem.spi.EnergyMeter;
import dev.lem.spi.TelemetrySample;
import dev.lem.spi.TelemetrySource;
import dev.lem.spi.ThrottleReason;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class EnergyMonitorTest {
    static final Duration FAST = Duration.ofMillis(10);

    static EnergyDomain domain(String id, String kind) {
        return new EnergyDomain(id, kind, "", DomainScope.MACHINE, MeasurementMethod.MEASURED, "fake");
    }

    /** A meter whose cumulative energy the test sets by hand. */
    static class ManualMeter implements EnergyMeter {
        final String name;
        final EnergyDomain domain;
        volatile double joules;
        volatile boolean fail;

        ManualMeter(String name, String id) {
            this.name = name;
            this.domain = domain(id, "cpu");
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<EnergyDomain> domains() {
            return List.of(domain);
        }

        @Override
        public Map<String, Double> cumulativeJoules() {
            if (fail) {
                throw new IllegalStateException("device lost");
            }
            return Map.of(domain.id(), joules);
        }

        @Override
        public void close() {
        }
    }

    /** A meter at a settable constant power, integrated over real time. */
    static final class PowerMeter extends ManualMeter {
        private double watts;
        private double total;
        private long last = System.nanoTime();

        PowerMeter(double watts) {
            super("power", "cpu");
            this.watts = watts;
        }

        synchronized void setWatts(double w) {
            advance();
            watts = w;
        }

        @Override
        public synchronized Map<String, Double> cumulativeJoules() {
            advance();
            return Map.of("cpu", total);
        }

        private void advance() {
            long now = System.nanoTime();
            total += watts * (now - last) / 1e9;
            last = now;
        }
    }

    /** A telemetry source whose sample is computed from the call count. */
    static TelemetrySource telemetry(Function<Integer, TelemetrySample> f) {
        AtomicInteger calls = new AtomicInteger();
        return new TelemetrySource() {
            @Override
            public String name() {
                return "fake-telemetry";
            }

            @Override
            public List<String> columns() {
                return List.of("gpu0.temperature_c");
            }

            @Override
            public TelemetrySample sample() {
                return f.apply(calls.incrementAndGet());
            }

            @Override
            public void close() {
            }
        };
    }

    static final ThrottleReason THERMAL = new ThrottleReason("gpu[0]", "hw_thermal", ThrottleReason.Kind.THERMAL);
    static final ThrottleReason POWER = new ThrottleReason("gpu[0]", "sw_power_cap", ThrottleReason.Kind.POWER);
    static final ThrottleReason IDLE = new ThrottleReason("gpu[0]", "gpu_idle", ThrottleReason.Kind.OTHER);

    @Test
    void nestedAndOverlappingWindowsEachGetTheirOwnDifference() {
        ManualMeter m = new ManualMeter("manual", "cpu");
        try (EnergyMonitor mon = EnergyMonitor.start(List.of(m), List.of(), FAST)) {
            m.joules = 100;
            EnergyWindow outerWindow = mon.window("outer");
            m.joules = 110;
            EnergyWindow a = mon.window("a");
            m.joules = 125;
            EnergyWindow b = mon.window("b");
            m.joules = 140;
            assertThat(a.stop().domain("cpu").orElseThrow().joules()).isEqualTo(30.0);
            m.joules = 170;
            assertThat(b.stop().domain("cpu").orElseThrow().joules()).isEqualTo(45.0);
            EnergyMeasurement outer = outerWindow.stop();
            assertThat(outer.totalJoules()).isEqualTo(70.0);
            assertThat(outer.domain("cpu").orElseThrow().adjustedJoules()).isEmpty();
            assertThat(outer.throttle()).isEmpty();
        }
    }

    @Test
    void windowsAreObjectsThatCannotBeMismatchedAndStopOnce() {
        ManualMeter m = new ManualMeter("m", "cpu");
        EnergyMonitor closedMonitor;
        try (EnergyMonitor mon = EnergyMonitor.start(List.of(m), List.of(), FAST)) {
            EnergyWindow first = mon.window("cycle_0");
            EnergyWindow second = mon.window("cycle_0");
            m.joules = 4;
            EnergyMeasurement once = first.stop();
            m.joules = 9;
            assertThat(first.stop()).as("a second stop returns the first reading").isSameAs(once);
            assertThat(first.isOpen()).isFalse();
            assertThat(second.stop().totalJoules()).as("two windows of one name are independent").isEqualTo(9.0);
            assertThat(first.timeSeries()).as("no series unless asked for").isEmpty();
            try (EnergyWindow w = mon.window("block")) {
                m.joules = 12;
                assertThat(w.isOpen()).isTrue();
                assertThat(w.measurement()).isEmpty();
            }
            closedMonitor = mon;
        }
        assertThatThrownBy(() -> closedMonitor.window("late")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("this energy monitor is closed");
        assertThatThrownBy(() -> EnergyMonitor.start(List.of(), List.of(), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be positive");
    }

    @Test
    void measureRunsTheCodeInAWindowAndReturnsItsValueAndEnergy() {
        ManualMeter m = new ManualMeter("m", "cpu");
        try (EnergyMonitor mon = EnergyMonitor.start(List.of(m), List.of(), FAST)) {
            EnergyMeasurement ran = mon.measure("step", () -> {
                m.joules += 2.5;
            });
            assertThat(ran.window()).isEqualTo("step");
            assertThat(ran.totalJoules()).isEqualTo(2.5);
            Measured<String> value = mon.measure("compute", () -> {
                m.joules += 1.5;
                return "done";
            });
            assertThat(value.value()).isEqualTo("done");
            assertThat(value.energy().totalJoules()).isEqualTo(1.5);
            assertThat(value.energy().toString()).startsWith("compute: 1.5 J over ").contains("(cpu 1.5 J measured)");
        }
    }

    @Test
    void theBaselineGivesAdjustedEnergyAndABelowIdleWindowIsFlaggedNotClamped() throws Exception {
        PowerMeter m = new PowerMeter(10);
        try (EnergyMonitor mon = EnergyMonitor.start(List.of(m), List.of(), FAST)) {
            IdleBaseline idle = mon.measureIdle(Duration.ofMillis(300));
            assertThat(idle.watts().get("cpu")).isCloseTo(10.0, within(0.2));
            assertThat(mon.baseline()).contains(idle);
            assertThat(idle.measurement().window()).isEqualTo("idle_baseline");

            m.setWatts(30);
            EnergyWindow busyWindow = mon.window("busy");
            Thread.sleep(100);
            DomainEnergy busy = busyWindow.stop().domain("cpu").orElseThrow();
            EnergyMeasurement quiet;
            m.setWatts(2);
            EnergyWindow quietWindow = mon.window("quiet");
            Thread.sleep(100);
            quiet = quietWindow.stop();
            DomainEnergy q = quiet.domain("cpu").orElseThrow();

            double idleW = idle.watts().get("cpu");
            assertThat(busy.idleWatts()).contains(idleW);
            assertThat(busy.belowIdle()).isFalse();
            assertThat(busy.adjustedJoules().orElseThrow()).isGreaterThan(0).isLessThan(busy.joules());
            // idle power x the domain's own interval between its reads (within a read's time of the window's)
            assertThat(q.adjustedJoules().orElseThrow())
                    .isCloseTo(q.joules() - idleW * quiet.durationSeconds(), within(idleW * 0.002))
                    .isNegative();
            assertThat(q.belowIdle()).isTrue();
        }
    }

    @Test
    void theTimeSeriesHasEnergyPowerAndTelemetryAndEndsAtTheWindowsTotal() throws Exception {
        PowerMeter m = new PowerMeter(50);
        TelemetrySource t = telemetry(i -> new TelemetrySample(Map.of("gpu0.temperature_c", 40.0 + i), List.of()));
        try (EnergyMonitor mon = EnergyMonitor.start(List.of(m), List.of(t), FAST)) {
            EnergyWindow w = mon.windowWithTimeSeries("cycle_0");
            Thread.sleep(200);
            EnergyMeasurement e = w.stop();
            TimeSeries s = w.timeSeries().orElseThrow();
            assertThat(s.columns()).containsExactly("t_ms", "energy_j.cpu", "power_w.cpu", "gpu0.temperature_c");
            assertThat(s.rows().size()).isGreaterThanOrEqualTo(5);
            double[] last = s.rows().get(s.rows().size() - 1);
            assertThat(last[1]).isEqualTo(e.domain("cpu").orElseThrow().joules());
            assertThat(last[0]).isCloseTo(e.durationNanos() / 1e6, within(0.001));
            assertThat(last[3]).isNaN();
            double[] powers = new double[s.rows().size()];
            for (int i = 0; i < s.rows().size() - 1; i++) {
                double[] row = s.rows().get(i);
                powers[i] = row[2];
                assertThat(row[3]).isGreaterThan(40.0);
                if (i > 0) {
                    assertThat(row[0]).isGreaterThan(s.rows().get(i - 1)[0]);
                    assertThat(row[1]).isGreaterThanOrEqualTo(s.rows().get(i - 1)[1]);
                }
            }
            powers[powers.length - 1] = last[2];
            java.util.Arrays.sort(powers);
            // the median row: robust to a sampler thread preempted mid-reading on a busy machine
            assertThat(powers[powers.length / 2]).isCloseTo(50.0, within(2.5));
            assertThat(s.toCsv()).startsWith("t_ms,energy_j.cpu,power_w.cpu,gpu0.temperature_c\n");
            assertThat(e.throttle()).hasValueSatisfying(th -> assertThat(th.flagged()).isFalse());
        }
    }

    @Test
    void throttleSharesCountSamplesWithThermalOrPowerReasons() {
        ThrottleSummary s = EnergyMonitor.throttle(List.of(List.of(THERMAL), List.of(THERMAL, POWER), List.of(),
                List.of(IDLE)));
        assertThat(s.samples()).isEqualTo(4);
        assertThat(s.thermalShare()).isEqualTo(0.5);
        assertThat(s.powerShare()).isEqualTo(0.25);
        assertThat(s.reasonShares()).containsEntry("gpu[0]:hw_thermal", 0.5).containsEntry("gpu[0]:sw_power_cap", 0.25)
                .containsEntry("gpu[0]:gpu_idle", 0.25);
        assertThat(s.flagged()).isTrue();
        assertThat(s.reasons()).containsExactly("gpu[0]:gpu_idle", "gpu[0]:hw_thermal", "gpu[0]:sw_power_cap");
        assertThat(EnergyMonitor.throttle(List.of(List.of(IDLE), List.of())).flagged()).isFalse();
    }

    @Test
    void aWindowDuringWhichTelemetryReportedThermalThrottlingIsFlagged() throws Exception {
        TelemetrySource hot = telemetry(i -> new TelemetrySample(Map.of(), List.of(THERMAL)));
        try (EnergyMonitor mon = EnergyMonitor.start(List.of(new ManualMeter("m", "cpu")), List.of(hot), FAST)) {
            EnergyWindow w = mon.window("cycle_0");
            Thread.sleep(100);
            ThrottleSummary s = w.stop().throttle().orElseThrow();
            assertThat(s.samples()).isGreaterThanOrEqualTo(3);
            assertThat(s.flagged()).isTrue();
            assertThat(s.thermalShare()).isEqualTo(1.0);
            assertThat(s.powerShare()).isZero();
        }
    }

    @Test
    void aMeterThatFailsAtTheEndIsNotedAndItsDomainLeftOutNotZeroed() {
        ManualMeter ok = new ManualMeter("ok", "gpu[0]");
        ManualMeter bad = new ManualMeter("bad", "cpu");
        try (EnergyMonitor mon = EnergyMonitor.start(List.of(ok, bad), List.of(), FAST)) {
            EnergyWindow w = mon.window("w");
            ok.joules = 5;
            bad.fail = true;
            EnergyMeasurement e = w.stop();
            assertThat(e.domains()).extracting(d -> d.domain().id()).containsExactly("gpu[0]");
            assertThat(e.notes()).anySatisfy(n -> assertThat(n).contains("meter bad failed to read: device lost"))
                    .anySatisfy(n -> assertThat(n).contains("cpu: no reading at the end of the window"));
        }
    }

    @Test
    void aDomainReportedByTwoMetersIsReadFromTheFirstOnly() {
        ManualMeter first = new ManualMeter("first", "cpu");
        ManualMeter second = new ManualMeter("second", "cpu");
        try (EnergyMonitor mon = EnergyMonitor.start(List.of(first, second), List.of(), FAST)) {
            assertThat(mon.domains()).hasSize(1);
            EnergyWindow w = mon.window("w");
            first.joules = 3;
            second.joules = 1000;
            EnergyMeasurement e = w.stop();
            assertThat(e.totalJoules()).isEqualTo(3.0);
            assertThat(e.notes()).anySatisfy(n -> assertThat(n).contains("meter second also reports cpu"));
        }
    }

    /** A clock the test moves by hand, in ns. */
    static final class ScriptedClock implements java.util.function.LongSupplier {
        long nanos;

        @Override
        public long getAsLong() {
            return nanos;
        }

        void advanceMs(double ms) {
            nanos += (long) (ms * 1e6);
        }
    }

    /**
     * Domains at constant powers on a scripted clock, read one after the other: each read costs the clock
     * {@code costMs} (like NVML's energy counter, ~4 ms a read) and returns the energy at its midpoint.
     */
    static final class SlowDevices implements EnergyMeter {
        final ScriptedClock clock;
        final double[] watts;
        final List<EnergyDomain> domains = new java.util.ArrayList<>();
        double costMs;
        Optional<Duration> wrap = Optional.empty();
        Optional<Duration> maxPoll = Optional.empty();

        SlowDevices(ScriptedClock clock, double... watts) {
            this.clock = clock;
            this.watts = watts;
            for (int i = 0; i < watts.length; i++) {
                domains.add(new EnergyDomain("gpu[" + i + "]", "gpu", "GPU-" + i, DomainScope.DEVICE,
                        MeasurementMethod.MEASURED, "slow"));
            }
        }

        @Override
        public String name() {
            return "slow";
        }

        @Override
        public List<EnergyDomain> domains() {
            return domains;
        }

        @Override
        public Map<String, Double> cumulativeJoules() {
            Map<String, Double> out = new java.util.LinkedHashMap<>();
            read(clock).forEach((id, r) -> out.put(id, r.joules()));
            return out;
        }

        @Override
        public Map<String, dev.lem.spi.EnergyReading> read(java.util.function.LongSupplier c) {
            Map<String, dev.lem.spi.EnergyReading> out = new java.util.LinkedHashMap<>();
            for (int i = 0; i < watts.length; i++) {
                clock.advanceMs(costMs / 2);
                out.put("gpu[" + i + "]", new dev.lem.spi.EnergyReading(watts[i] * clock.nanos / 1e9, clock.nanos));
                clock.advanceMs(costMs / 2);
            }
            return out;
        }

        @Override
        public Optional<Duration> wrapInterval() {
            return wrap;
        }

        @Override
        public Optional<Duration> maxPollInterval() {
            return maxPoll;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void eachDomainIsDividedByItsOwnIntervalSoSlowReadsSpreadOverDevicesSkewNothing() {
        ScriptedClock clock = new ScriptedClock();
        SlowDevices gpus = new SlowDevices(clock, 70, 140);
        try (EnergyMonitor mon = EnergyMonitor.builder(List.of(gpus), List.of()).clock(clock).withoutSamplerThread()
                .start()) {
            gpus.costMs = 40; // a slow first read of each counter...
            EnergyWindow idle = mon.idleWindow();
            clock.advanceMs(1000);
            gpus.costMs = 4; // ...then the usual 4 ms
            IdleBaseline b = mon.useAsBaseline(idle);
            // one timestamp for both reads would give 70 W x 0.976 s / 0.958 s and 140 W x 0.940 / 0.958
            assertThat(b.watts().get("gpu[0]")).isCloseTo(70.0, within(1e-9));
            assertThat(b.watts().get("gpu[1]")).isCloseTo(140.0, within(1e-9));
            EnergyWindow cycle = mon.window("cycle_0");
            clock.advanceMs(2000);
            EnergyMeasurement e = cycle.stop();
            assertThat(e.domain("gpu[0]").orElseThrow().adjustedJoules().orElseThrow()).isCloseTo(0.0, within(1e-9));
            assertThat(e.domain("gpu[1]").orElseThrow().adjustedJoules().orElseThrow()).isCloseTo(0.0, within(1e-9));
        }
    }

    @Test
    void aLateSamplerIsNotNotedForMetersWhoseCountersCannotWrap() {
        ScriptedClock clock = new ScriptedClock();
        SlowDevices gpu = new SlowDevices(clock, 300);
        gpu.maxPoll = Optional.of(Duration.ofMillis(100)); // integrates power, but nothing wraps
        try (EnergyMonitor mon = EnergyMonitor.builder(List.of(gpu), List.of()).clock(clock).withoutSamplerThread()
                .start()) {
            EnergyWindow w = mon.window("w");
            for (int i = 0; i < 10; i++) {
                clock.advanceMs(170); // every tick late for the 100 ms it asked for
                mon.sample();
            }
            EnergyMeasurement e = w.stop();
            assertThat(e.notes()).noneSatisfy(n -> assertThat(n).contains("late"));
            assertThat(e.notes()).noneSatisfy(n -> assertThat(n).contains("wrap"));
            assertThat(mon.samplerStats().lateTicks()).isZero();
        }
    }

    @Test
    void aGapLongerThanACounterNeedsToWrapIsNotedWithItsLengthAndAShorterOneIsNot() {
        ScriptedClock clock = new ScriptedClock();
        SlowDevices rapl = new SlowDevices(clock, 100);
        rapl.wrap = Optional.of(Duration.ofMillis(4_000));
        try (EnergyMonitor mon = EnergyMonitor.builder(List.of(rapl), List.of()).clock(clock).withoutSamplerThread()
                .start()) {
            EnergyWindow w = mon.window("w");
            for (int i = 0; i < 3; i++) {
                clock.advanceMs(3_900); // late for a 100 ms sampler, but no wrap can hide in 3.9 s
                mon.sample();
            }
            EnergyWindow quiet = mon.window("quiet");
            assertThat(quiet.stop().notes()).isEmpty();
            clock.advanceMs(9_500); // a suspended machine
            mon.sample();
            EnergyMeasurement e = w.stop();
            assertThat(e.notes()).containsExactly("meter slow was not read for 9.5 s, longer than the 4.0 s in which "
                    + "its counters can wrap at their power bound: a counter wrap may have been missed");
            assertThat(mon.samplerStats().lateTicks()).isEqualTo(1);
        }
    }

    /** A CPU-utilisation source like the built-in {@code cpu} one, at a scripted level. */
    static TelemetrySource cpuLoad(double pct) {
        return new TelemetrySource() {
            @Override
            public String name() {
                return "cpu";
            }

            @Override
            public List<String> columns() {
                return List.of(EnergyMonitor.CPU_UTILISATION_COLUMN);
            }

            @Override
            public TelemetrySample sample() {
                return new TelemetrySample(Map.of(EnergyMonitor.CPU_UTILISATION_COLUMN, pct), List.of());
            }

            @Override
            public void close() {
            }
        };
    }

    @Test
    void aBaselineReadWhileTheMachineIsBusyIsMarkedDisturbedAndSoAreTheAdjustedFigures() {
        ScriptedClock clock = new ScriptedClock();
        SlowDevices cpu = new SlowDevices(clock, 95); // a machine-wide domain already at its loaded power
        try (EnergyMonitor mon = EnergyMonitor.builder(List.of(cpu), List.of(cpuLoad(85))).clock(clock)
                .withoutSamplerThread().start()) {
            EnergyWindow idle = mon.idleWindow();
            for (int i = 0; i < 20; i++) {
                clock.advanceMs(100);
                mon.sample();
            }
            IdleBaseline b = mon.useAsBaseline(idle);
            assertThat(b.cpuUtilisationPct()).contains(85.0);
            assertThat(b.disturbed()).hasValueSatisfying(r -> assertThat(r).isEqualTo("the CPUs were 85% busy "
                    + "(machine-wide mean over the 2.0 s baseline; idle means at most 10%)"));
            EnergyWindow cycle = mon.window("cycle_0");
            clock.advanceMs(1000);
            EnergyMeasurement e = cycle.stop();
            assertThat(e.baselineDisturbed()).isEqualTo(b.disturbed());
            assertThat(e.toString()).contains("idle baseline disturbed: the CPUs were 85% busy");
        }
    }

    @Test
    void aBusyOrThrottledGpuDisturbsTheBaselineAndAnIdleMachineDoesNot() {
        ScriptedClock clock = new ScriptedClock();
        TelemetrySource gpus = telemetry(i -> new TelemetrySample(Map.of("gpu0.utilization_gpu_pct", 0.0,
                "gpu1.utilization_gpu_pct", 60.0), List.of(POWER)));
        try (EnergyMonitor mon = EnergyMonitor.builder(List.of(new SlowDevices(clock, 70, 70)),
                List.of(cpuLoad(2), gpus)).clock(clock).withoutSamplerThread().start()) {
            EnergyWindow idle = mon.idleWindow();
            clock.advanceMs(100);
            mon.sample();
            IdleBaseline b = mon.useAsBaseline(idle);
            assertThat(b.gpuUtilisationPct()).contains(60.0);
            assertThat(b.disturbed().orElseThrow()).isEqualTo("gpu[1] was 60% busy (mean utilisation over the "
                    + "baseline; idle means at most 5%); a device throttled during it (gpu[0]:sw_power_cap; thermal in "
                    + "0%, power in 100% of samples)");
        }
        try (EnergyMonitor mon = EnergyMonitor.builder(List.of(new SlowDevices(clock, 70)), List.of(cpuLoad(2)))
                .clock(clock).withoutSamplerThread().idleLimits(10, 5).start()) {
            EnergyWindow idle = mon.idleWindow();
            clock.advanceMs(100);
            mon.sample();
            IdleBaseline b = mon.useAsBaseline(idle);
            assertThat(b.cpuUtilisationPct()).contains(2.0);
            assertThat(b.disturbed()).isEmpty();
        }
    }

    @Test
    void samplerStatsCountTicksAndTheirCost() throws Exception {
        try (EnergyMonitor mon = EnergyMonitor.start(List.of(new PowerMeter(1)), List.of(), FAST)) {
            EnergyWindow w = mon.window("w");
            Thread.sleep(120);
            w.stop();
            SamplerStats s = mon.samplerStats();
            assertThat(s.intervalNanos()).isEqualTo(10_000_000L);
            assertThat(s.ticks()).isGreaterThanOrEqualTo(5);
            assertThat(s.busyNanos()).isPositive();
            assertThat(s.maxTickNanos()).isPositive();
            assertThat(s.shareOfOneCore()).isBetween(0.0, 1.0);
        }
    }
}
