package dev.lem.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lem.spi.EnergyMeter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The resolution rule: error bound, refusal with its reason, and the monitor asking the owning meter. */
class MeterResolutionTest {
    static final MeterResolution RAPL = new MeterResolution(61e-6, Duration.ofMillis(1), "test");
    static final MeterResolution NVML = new MeterResolution(1e-3, Duration.ofMillis(100), "test");

    @Test
    void errorIsOneQuantumPlusMeanPowerTimesTheUpdateInterval() {
        // 10 W over 2 s = 20 J; error < 1 mJ + 10 W x 0.1 s = 1.001 J
        assertThat(NVML.errorJoules(20, 2_000_000_000L)).isCloseTo(1.001, within(1e-12));
        assertThat(NVML.relativeError(20, 2_000_000_000L)).isCloseTo(1.001 / 20, within(1e-12));
        assertThat(NVML.relativeError(0, 2_000_000_000L)).as("no energy: no bound").isInfinite();
    }

    @Test
    void windowWithinTheAllowedErrorIsReported() {
        // 50 W over 1 s: 61 µJ / 50 J + 1 ms / 1 s = 0.1% < 5%
        assertThat(RAPL.refusal("cpu.package[0]", 50, 1_000_000_000L, 0.05)).isEmpty();
    }

    @Test
    void shortWindowIsRefusedWithTheResolutionAndTheShortestWindowThatWouldDo() {
        // 10 W over 4 ms = 0.04 J: 61 µJ / 0.04 J + 1 ms / 4 ms = 0.15% + 25%
        Optional<String> r = RAPL.refusal("cpu.package[0]", 0.04, 4_000_000L, 0.05);
        // T >= (1 ms + 61 µJ / 10 W) / 0.05 = (1 ms + 6.1 µs) / 0.05 = 20.122 ms
        assertThat(r).hasValue("cpu.package[0]: 0.04 J over 4 ms is below the meter's resolution (61 µJ steps, "
                + "updated every 1 ms: up to 25% error, more than the 5.0% allowed); measure at least 20.12 ms per window");
        assertThat(RAPL.shortestWindow(0.04, 4_000_000L, 0.05)).hasValueSatisfying(
                d -> assertThat(RAPL.relativeError(10 * d.toNanos() / 1e9, d.toNanos())).isLessThanOrEqualTo(0.05));
    }

    @Test
    void gpuCounterNeedsTwoSecondsForFivePercent() {
        assertThat(NVML.refusal("gpu[0]", 300 * 1.5, 1_500_000_000L, 0.05)).hasValueSatisfying(
                s -> assertThat(s).contains("updated every 100 ms").contains("measure at least 2 s"));
        assertThat(NVML.refusal("gpu[0]", 300 * 2.5, 2_500_000_000L, 0.05)).isEmpty();
    }

    @Test
    void badValuesAreRefusedWithFieldAndValue() {
        assertThatThrownBy(() -> new MeterResolution(-1, Duration.ZERO, ""))
                .hasMessage("quantumJoules (-1.0) must be a finite value >= 0");
        assertThatThrownBy(() -> RAPL.refusal("x", 1, 1, 0))
                .hasMessage("maxRelativeError (0.0) must be in (0, 1]");
    }

    @Test
    void monitorAsksTheMeterThatOwnsTheDomain() {
        EnergyMeter meter = new EnergyMeter() {
            final EnergyDomain d = new EnergyDomain("cpu.package[0]", "cpu", "0", DomainScope.MACHINE,
                    MeasurementMethod.MEASURED, "scripted");

            @Override
            public String name() {
                return "scripted";
            }

            @Override
            public List<EnergyDomain> domains() {
                return List.of(d);
            }

            @Override
            public Map<String, Double> cumulativeJoules() {
                return Map.of(d.id(), 0.0);
            }

            @Override
            public Optional<MeterResolution> resolution(String domainId) {
                return domainId.equals(d.id()) ? Optional.of(RAPL) : Optional.empty();
            }

            @Override
            public void close() {
            }
        };
        try (EnergyMonitor m = EnergyMonitor.start(List.of(meter), List.of(), Duration.ofSeconds(1))) {
            assertThat(m.resolution("cpu.package[0]")).contains(RAPL);
            assertThat(m.resolution("gpu[0]")).isEmpty();
        }
    }
}
