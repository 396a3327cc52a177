package dev.lem.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.config.KeyedRecords;
import dev.lem.spi.TelemetrySample;
import dev.lem.spi.TelemetrySource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The adaptive gap against a scripted telemetry source on a scripted clock: no real waiting, exact outcomes. */
class ThermalGapTest {
    final ScriptedPause pause = new ScriptedPause(Instant.parse("2026-12-05T12:00:00Z"));

    static AdaptiveGapSettings settings(double maxWaitS) {
        return KeyedRecords.read(AdaptiveGapSettings.class, Map.of("enabled", true, "temperature_margin_c", 3,
                "power_margin_pct", 10, "max_wait_s", maxWaitS, "poll_s", 1, "baseline_s", 5), "gaps.adaptive.");
    }

    /**
     * A GPU that heats up by 30 °C and 200 W during a unit and cools exponentially afterwards (time constant 20 s
     * for temperature, 2 s for power), with a fan sensor the gap must ignore.
     */
    final class CoolingGpu implements TelemetrySource {
        double hotSince = Double.NaN;

        void unitEnded() {
            hotSince = pause.nanoTime() / 1e9;
        }

        @Override
        public String name() {
            return "scripted-gpu";
        }

        @Override
        public List<String> columns() {
            return List.of("gpu0.temperature_c", "gpu0.power_w", "gpu0.fan_pct");
        }

        @Override
        public TelemetrySample sample() {
            double t = pause.nanoTime() / 1e9;
            double since = Double.isNaN(hotSince) ? Double.POSITIVE_INFINITY : t - hotSince;
            double temp = 40 + 30 * Math.exp(-since / 20);
            double power = 60 + 200 * Math.exp(-since / 2);
            return new TelemetrySample(Map.of("gpu0.temperature_c", temp, "gpu0.power_w", power, "gpu0.fan_pct", 99.0),
                    List.of());
        }

        @Override
        public void close() {
        }
    }

    static Supplier<Map<String, Double>> readings(TelemetrySource s) {
        return () -> s.sample().values();
    }

    @Test
    void theBaselineIsTheIdleMeanOfTemperaturesAndPowersOnly() throws Exception {
        ThermalGap gap = ThermalGap.start(settings(300), readings(new CoolingGpu()), pause);
        assertThat(gap.baseline()).containsOnlyKeys("gpu0.temperature_c", "gpu0.power_w");
        assertThat(gap.baseline().get("gpu0.temperature_c")).isCloseTo(40, within(1e-9));
        assertThat(gap.baseline().get("gpu0.power_w")).isCloseTo(60, within(1e-9));
        assertThat(pause.slept()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void itWaitsUntilTheTemperatureIsBackWithinItsMargin() throws Exception {
        CoolingGpu gpu = new CoolingGpu();
        ThermalGap gap = ThermalGap.start(settings(300), readings(gpu), pause);
        gpu.unitEnded();
        ThermalGap.Wait w = gap.await();
        // 30 exp(-t/20) <= 3  <=>  t >= 20 ln 10 = 46.05 s: the first 1 s poll at or after it is 47 s
        assertThat(w.cooled()).isTrue();
        assertThat(w.waitedS()).isCloseTo(47, within(1e-9));
        assertThat(w.note()).isEqualTo("cooled to within 3.00 °C / 10.0 % of idle after 47.0 s");
        // already cool: no wait at all
        assertThat(gap.await().waitedS()).isZero();
    }

    @Test
    void itStopsWaitingAtTheMaximumAndSaysWhatWasStillHot() throws Exception {
        CoolingGpu gpu = new CoolingGpu();
        ThermalGap gap = ThermalGap.start(settings(10), readings(gpu), pause);
        gpu.unitEnded();
        ThermalGap.Wait w = gap.await();
        assertThat(w.cooled()).isFalse();
        assertThat(w.waitedS()).isCloseTo(10, within(1e-9));
        // after 10 s: 40 + 30 e^-0.5 = 58.2 °C; the power (60 + 200 e^-5 = 61.3 W) is back within 10 %
        assertThat(w.note()).isEqualTo("still above idle after the 10 s maximum: gpu0.temperature_c 58.2 (idle 40.0)");
    }
}
