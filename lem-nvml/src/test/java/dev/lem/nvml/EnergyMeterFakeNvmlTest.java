package dev.lem.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lem.energy.DomainScope;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.MeasurementMethod;
import dev.lem.nvml.internal.NvmlEnergyMeter;
import dev.lem.spi.PluginUnavailableException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The GPU energy meter against the scripted fake NVML, on a virtual clock: energies exact to the mJ. */
class EnergyMeterFakeNvmlTest {
    private static final double MJ = 1e-3;
    private FakeNvml fake;

    @BeforeEach
    void setUp() {
        fake = FakeNvml.load().reset(2);
    }

    @AfterEach
    void noSessionLeftOpen() {
        FakeNvml.assertPaired(fake);
    }

    private NvmlEnergyMeter open(String visible) {
        return NvmlEnergyMeter.open(FakeNvml.context(visible), fake.clock());
    }

    @Test
    void counterGivesTheScriptedRampExactlyAndIsLabelledMeasured() {
        // P(t) = 100 W + 10 W/s * t on a counter that already holds 5 000 J since driver load
        fake.set(0, "energy_mj", 5_000_000).set(0, "power_mw", 100_000).set(0, "power_slope_mw_per_s", 10_000);
        fake.timeMs(2_000); // the meter opens 2 s into the ramp: E(2) = 5000 + 200 + 20 J
        try (NvmlEnergyMeter meter = open(null)) {
            assertThat(meter.domains()).first().isEqualTo(new EnergyDomain("gpu[0]", "gpu", FakeNvml.gpuUuid(0),
                    DomainScope.DEVICE, MeasurementMethod.MEASURED, "nvml"));
            assertThat(meter.cumulativeJoules().get("gpu[0]")).isEqualTo(0.0);
            fake.timeMs(3_500);
            // E(3.5) - E(2) = 100 * 1.5 + 10 * (3.5^2 - 2^2) / 2 = 150 + 41.25 = 191.25 J
            assertThat(meter.cumulativeJoules().get("gpu[0]")).isCloseTo(191.25, within(MJ));
            fake.timeMs(10_000);
            // E(10) - E(2) = 800 + 10 * (100 - 4) / 2 = 1280 J
            assertThat(meter.cumulativeJoules().get("gpu[0]")).isCloseTo(1280.0, within(MJ));
            assertThat(meter.maxPollInterval()).as("a counter needs no polling").isEmpty();
            assertThat(meter.notes().get("gpu[0].method")).startsWith("measured: NVML total-energy counter");
            assertThat(meter.resolution("gpu[0]")).hasValueSatisfying(r -> {
                assertThat(r.quantumJoules()).as("mJ steps").isEqualTo(1e-3);
                assertThat(r.updateInterval()).as("the counter changes every 100 ms").isEqualTo(Duration.ofMillis(100));
            });
            assertThat(meter.resolution("gpu[7]")).as("not a domain of this meter").isEmpty();
        }
    }

    @Test
    void gpuWithoutCounterIsIntegratedFromPowerWithTheTrapezoidRule() {
        fake.set(1, "energy_supported", 0).set(1, "power_mw", 200_000).set(1, "power_slope_mw_per_s", 50_000);
        fake.set(0, "power_supported", 0); // gpu[0], measured apart by its counter, reads no power here
        try (NvmlEnergyMeter meter = open("1")) {
            assertThat(meter.domains()).filteredOn(EnergyDomain::usedByWorkload).singleElement().satisfies(d -> {
                assertThat(d.id()).isEqualTo("gpu[1]");
                assertThat(d.method()).isEqualTo(MeasurementMethod.INTEGRATED);
            });
            assertThat(meter.maxPollInterval()).contains(Duration.ofMillis(100));
            for (long t = 100; t <= 1_000; t += 100) {
                fake.timeMs(t);
                meter.poll();
            }
            fake.timeMs(1_250); // a read between polls integrates up to now
            // 200 * 1.25 + 50 * 1.25^2 / 2 = 250 + 39.0625 J, exact for a linear ramp
            assertThat(meter.cumulativeJoules().get("gpu[1]")).isCloseTo(289.0625, within(MJ));
            assertThat(meter.notes().get("gpu[1].method")).startsWith("integrated: instantaneous power "
                    + "(nvmlDeviceGetFieldValues, NVML_FI_DEV_POWER_INSTANT) polled every 100 ms, trapezoid rule "
                    + "(no energy counter: NVML_ERROR_NOT_SUPPORTED)");
            assertThat(fake.get("power_calls")).as("a probe and a read at open, one per poll, one for the read")
                    .isEqualTo(13);
            assertThat(meter.resolution("gpu[1]")).hasValueSatisfying(r -> {
                assertThat(r.quantumJoules()).isZero();
                assertThat(r.updateInterval()).as("one sample interval").isEqualTo(Duration.ofMillis(100));
            });
        }
    }

    @Test
    void withoutInstantaneousPowerTheAveragedReadingIsIntegratedAndTheLagIsNoted() {
        fake.set(0, "energy_supported", 0).set(0, "instant_supported", 0).set(0, "power_mw", 120_000);
        try (NvmlEnergyMeter meter = open("0")) {
            fake.timeMs(500);
            meter.poll();
            fake.timeMs(1_000);
            assertThat(meter.cumulativeJoules().get("gpu[0]")).isCloseTo(120.0, within(MJ));
            assertThat(meter.notes().get("gpu[0].method")).startsWith("integrated: nvmlDeviceGetPowerUsage (a ~1 s "
                    + "average on this architecture, so the integral lags load changes)");
            assertThat(meter.resolution("gpu[0]")).as("a ~1 s average resolves no better than 1 s")
                    .hasValueSatisfying(r -> assertThat(r.updateInterval()).isEqualTo(Duration.ofSeconds(1)));
        }
    }

    @Test
    void gpuWithNeitherCounterNorPowerIsLeftOutWithItsReason() {
        fake.set(1, "energy_supported", 0).set(1, "power_supported", 0);
        try (NvmlEnergyMeter meter = open(null)) {
            assertThat(meter.domains()).extracting(EnergyDomain::id).containsExactly("gpu[0]");
            assertThat(meter.notes().get("gpu[1].method"))
                    .contains("unavailable", "neither an energy counter nor a power reading", "NOT_SUPPORTED");
        }
        try (NvmlEnergyMeter meter = open("1")) {
            assertThat(meter.domains()).as("the workload's GPU cannot be measured; the other is, apart")
                    .extracting(EnergyDomain::id, EnergyDomain::usedByWorkload)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("gpu[0]", false));
            assertThat(meter.notes().get("gpu[1].method")).contains("neither an energy counter nor a power reading");
        }
        fake.set(0, "energy_supported", 0).set(0, "power_supported", 0);
        assertThatThrownBy(() -> open("1")).isInstanceOf(PluginUnavailableException.class)
                .hasMessageContaining("no selected GPU can be measured")
                .hasMessageContaining("gpu[1]: neither an energy counter nor a power reading");
    }

    @Test
    void lostGpuDropsOutWithItsReasonWhileTheOtherGoesOn() {
        try (NvmlEnergyMeter meter = open(null)) {
            fake.timeMs(1_000);
            assertThat(meter.cumulativeJoules()).containsOnlyKeys("gpu[0]", "gpu[1]");
            fake.set(0, "lost", 1);
            fake.timeMs(2_000);
            Map<String, Double> after = meter.cumulativeJoules();
            assertThat(after).containsOnlyKeys("gpu[1]");
            assertThat(after.get("gpu[1]")).isCloseTo(200.0, within(MJ));
            meter.poll();
            assertThat(meter.unavailableReason("gpu[0]")).hasValueSatisfying(r -> assertThat(r)
                    .contains("gpu[0] (" + FakeNvml.gpuUuid(0) + ") was lost 2.0 s after the meter opened")
                    .contains("NVML_ERROR_GPU_IS_LOST (15)", "nvmlDeviceGetTotalEnergyConsumption on gpu[0]"));
            assertThat(meter.unavailableReason("gpu[1]")).isEmpty();
            assertThat(meter.notes()).containsKey("gpu[0].unavailable");
            fake.set(0, "lost", 0);
            assertThat(meter.cumulativeJoules()).as("a lost GPU stays lost for the run").containsOnlyKeys("gpu[1]");
        }
    }

    @Test
    void transientReadFailureLeavesTheReadingOutOnceAndSaysWhy() {
        fake.set(0, "power_mw", 50_000);
        try (NvmlEnergyMeter meter = open("0")) {
            fake.timeMs(1_000);
            fake.set(0, "energy_error", 999);
            assertThat(meter.cumulativeJoules()).doesNotContainKey("gpu[0]").containsKey("gpu[1]");
            assertThat(meter.unavailableReason("gpu[0]")).hasValueSatisfying(r -> assertThat(r)
                    .contains("the last NVML read failed", "NVML_ERROR_UNKNOWN (999)"));
            fake.set(0, "energy_error", 0);
            assertThat(meter.cumulativeJoules().get("gpu[0]")).isCloseTo(50.0, within(MJ));
            assertThat(meter.unavailableReason("gpu[0]")).isEmpty();
            assertThat(meter.notes().get("gpu[0].failed_reads")).startsWith("1 (last: ");
        }
    }

    @Test
    void counterThatGoesBackwardsIsContinuedNotSubtracted() {
        fake.set(0, "energy_mj", 1_000_000).set(0, "power_mw", 100_000);
        try (NvmlEnergyMeter meter = open("0")) {
            fake.timeMs(1_000); // +100 J
            assertThat(meter.cumulativeJoules().get("gpu[0]")).isCloseTo(100.0, within(MJ));
            fake.set(0, "energy_mj", -100_000); // the driver reloaded: the raw counter now reads 0 J
            fake.timeMs(2_000); // raw 100 J since the reload
            // 2 s at 100 W since open: the counter's value before the reload is carried over
            assertThat(meter.cumulativeJoules().get("gpu[0]")).isCloseTo(200.0, within(MJ));
            assertThat(meter.notes().get("gpu[0].counter_resets")).startsWith("1 ");
        }
    }

    @Test
    void sessionsAreReferenceCountedAndHandlesDoNotOutliveThem() {
        NvmlEnergyMeter a = open(null);
        NvmlEnergyMeter b = open("1");
        assertThat(fake.get("init_calls")).as("one nvmlInit_v2 for two users").isEqualTo(1);
        a.close();
        assertThat(fake.get("shutdown_calls")).isZero();
        assertThat(b.cumulativeJoules()).containsKey("gpu[1]");
        b.close();
        b.close();
        assertThat(fake.get("shutdown_calls")).isEqualTo(1);
        assertThatThrownBy(b::cumulativeJoules).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("NVML session is closed");
    }

    @Test
    void providerReportsWhyNvmlCannotStart() {
        fake.global("init_result", 9);
        assertThat(new NvmlEnergyMeterProvider().availability().reason())
                .contains("NVML could not start (nvmlInit_v2 in ", "libnvidia-ml.so")
                .contains("NVML_ERROR_DRIVER_NOT_LOADED (9): the NVIDIA kernel driver is not loaded");
        fake.global("init_result", 4);
        assertThat(new NvmlTelemetrySourceProvider().availability().reason())
                .contains("NVML_ERROR_NO_PERMISSION (4)", "/dev/nvidia");
        assertThatThrownBy(() -> open(null)).isInstanceOf(PluginUnavailableException.class)
                .hasMessageContaining("NVML_ERROR_NO_PERMISSION");
        fake.global("init_result", 0).global("device_count", 0);
        assertThat(new NvmlEnergyMeterProvider().availability().reason())
                .isEqualTo("NVML (driver 580.159.04-fake) reports no NVIDIA GPU");
        fake.global("device_count", 2).global("count_error", 999);
        assertThatThrownBy(() -> open(null)).isInstanceOf(PluginUnavailableException.class)
                .hasMessageContaining("nvmlDeviceGetCount_v2: NVML_ERROR_UNKNOWN (999)");
        fake.global("count_error", 0);
        assertThat(new NvmlEnergyMeterProvider().isAvailable()).isTrue();
        assertThat(fake.get("init_calls")).as("three inits failed and need no shutdown")
                .isEqualTo(fake.get("shutdown_calls") + 3);
    }

    @Test
    void graceHopperCounterIsNotedAsModuleScope() {
        fake.text(0, "name", "NVIDIA GH200 480GB");
        try (NvmlEnergyMeter meter = open("0")) {
            assertThat(meter.notes().get("gpu[0].counter_scope"))
                    .startsWith("module: on NVIDIA GH200 480GB")
                    .contains("do not add a CPU meter's energy");
        }
        try (NvmlEnergyMeter meter = open("1")) {
            assertThat(meter.notes()).doesNotContainKey("gpu[1].counter_scope");
            assertThat(Optional.ofNullable(meter.notes().get("gpu[1].name"))).contains("Fake NVIDIA H100 80GB HBM3");
        }
    }
}
