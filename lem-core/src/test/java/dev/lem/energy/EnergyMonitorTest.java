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
            assertThat(q.adjustedJoules().orElseThrow())
                    .isCloseTo(q.joules() - idleW * quiet.durationSeconds(), within(1e-12))
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

    @Test
    void theIntervalShrinksToTheMetersNeedsAndALateSamplerIsNoted() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        ManualMeter slow = new ManualMeter("slow", "cpu") {
            @Override
            public void poll() {
                if (polls.incrementAndGet() == 3) {
                    try {
                        Thread.sleep(60);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public Optional<Duration> maxPollInterval() {
                return Optional.of(Duration.ofMillis(20));
            }
        };
        try (EnergyMonitor mon = EnergyMonitor.start(List.of(slow), List.of(), Duration.ofMillis(100))) {
            assertThat(mon.interval()).isEqualTo(Duration.ofMillis(20));
            EnergyWindow w = mon.window("w");
            Thread.sleep(250);
            EnergyMeasurement e = w.stop();
            assertThat(mon.samplerStats().lateTicks()).isPositive();
            assertThat(e.notes()).anySatisfy(n -> assertThat(n).contains("the sampler was").contains("late")
                    .contains("a counter wrap may have been missed"));
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
