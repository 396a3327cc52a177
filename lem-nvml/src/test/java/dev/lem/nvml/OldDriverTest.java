package dev.lem.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.energy.MeasurementMethod;
import dev.lem.nvml.internal.NvmlEnergyMeter;
import dev.lem.spi.TelemetrySource;
import dev.lem.spi.ThrottleReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Against the "old driver" fake, which lacks the newer symbols (energy counter, clock-event
 * reasons, CUDA version v2, architecture, MIG): each missing function is a capability, not a failure.
 */
class OldDriverTest {
    private FakeNvml fake;

    @BeforeEach
    void setUp() {
        fake = FakeNvml.load().reset(1);
    }

    @AfterEach
    void paired() {
        FakeNvml.assertPaired(fake);
    }

    @Test
    void missingEnergyCounterFallsBackToPowerIntegration() {
        fake.set(0, "power_mw", 250_000).set(0, "arch", 4);
        try (NvmlEnergyMeter m = NvmlEnergyMeter.open(FakeNvml.context(null), fake.clock())) {
            assertThat(m.domains()).singleElement()
                    .satisfies(d -> assertThat(d.method()).isEqualTo(MeasurementMethod.INTEGRATED));
            for (long t = 100; t <= 2_000; t += 100) {
                fake.timeMs(t);
                m.poll();
            }
            assertThat(m.cumulativeJoules().get("gpu[0]")).isCloseTo(500.0, within(1e-3));
            assertThat(m.notes().get("gpu[0].method")).contains("NVML_ERROR_FUNCTION_NOT_FOUND")
                    .contains("integrated: nvmlDeviceGetPowerUsage polled").doesNotContain("average");
            assertThat(m.notes().get("gpu[0].energy_counter")).isEqualTo("unavailable: "
                    + "nvmlDeviceGetTotalEnergyConsumption on gpu[0]: NVML_ERROR_FUNCTION_NOT_FOUND (13): this NVML "
                    + "library lacks the function (the driver is older than the API)");
            assertThat(m.notes()).containsEntry("cuda_driver_version", "13.0")
                    .containsEntry("gpu[0].mig_mode", "unavailable: nvmlDeviceGetMigMode on gpu[0]: "
                            + "NVML_ERROR_FUNCTION_NOT_FOUND (13): this NVML library lacks the function (the driver is "
                            + "older than the API)");
        }
    }

    @Test
    void throttleReasonsComeFromTheOlderFunction() {
        fake.set(0, "reasons", 0x40 | 0x8);
        try (TelemetrySource s = new NvmlTelemetrySourceProvider().open(FakeNvml.context("0"))) {
            assertThat(s.columns()).contains("gpu0.clock_event_reasons");
            assertThat(s.sample().throttle()).extracting(ThrottleReason::reason, ThrottleReason::kind).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("hw_slowdown", ThrottleReason.Kind.THERMAL),
                    org.assertj.core.groups.Tuple.tuple("hw_thermal", ThrottleReason.Kind.THERMAL));
            assertThat(s.environment().get("gpu[0].architecture")).contains("FUNCTION_NOT_FOUND");
        }
    }

    @Test
    void migUuidSelectsNothingWithoutMigSupport() {
        try (NvmlEnergyMeter m = NvmlEnergyMeter.open(FakeNvml.context(FakeNvml.migUuid(0, 0)), fake.clock())) {
            assertThat(m.domains()).noneMatch(dev.lem.energy.EnergyDomain::usedByWorkload);
            assertThat(m.notes().get("selection_notes")).contains("names no GPU that NVML sees");
        }
    }
}
