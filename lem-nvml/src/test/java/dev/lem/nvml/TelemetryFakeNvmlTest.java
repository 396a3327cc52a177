package dev.lem.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.lem.spi.TelemetrySample;
import dev.lem.spi.TelemetrySource;
import dev.lem.spi.ThrottleReason;
import dev.lem.spi.ThrottleReason.Kind;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The GPU telemetry source and its environment facts against the fake NVML. */
class TelemetryFakeNvmlTest {
    private FakeNvml fake;

    @BeforeEach
    void setUp() {
        fake = FakeNvml.load().reset(2);
    }

    @AfterEach
    void paired() {
        FakeNvml.assertPaired(fake);
    }

    private TelemetrySource open(String visible) {
        return new NvmlTelemetrySourceProvider().open(FakeNvml.context(visible));
    }

    @Test
    void samplesEveryReadingInItsUnitWithThrottleReasons() {
        fake.set(0, "power_mw", 312_500).set(0, "temperature_c", 67).set(0, "sm_clock_mhz", 1755)
                .set(0, "mem_clock_mhz", 2619).set(0, "util_gpu", 98).set(0, "util_mem", 41)
                .set(0, "mem_used", 3L << 30).set(0, "pstate", 2).set(0, "reasons", 0x4 | 0x20);
        try (TelemetrySource s = open("0")) {
            assertThat(s.name()).isEqualTo("nvml");
            assertThat(s.columns()).startsWith("gpu0.power_w", "gpu0.power_instant_w", "gpu0.temperature_c", "gpu0.sm_clock_mhz",
                    "gpu0.memory_clock_mhz", "gpu0.utilization_gpu_pct", "gpu0.utilization_memory_pct",
                    "gpu0.memory_used_mib", "gpu0.pstate", "gpu0.clock_event_reasons")
                    .as("the GPU the workload does not use is sampled too").contains("gpu1.power_w");
            TelemetrySample sample = s.sample();
            Map<String, Double> gpu0 = new java.util.TreeMap<>(sample.values());
            gpu0.keySet().removeIf(k -> !k.startsWith("gpu0."));
            assertThat(gpu0).containsOnly(entry("gpu0.power_w", 312.5), entry("gpu0.power_instant_w", 312.5),
                    entry("gpu0.temperature_c", 67.0),
                    entry("gpu0.sm_clock_mhz", 1755.0), entry("gpu0.memory_clock_mhz", 2619.0),
                    entry("gpu0.utilization_gpu_pct", 98.0), entry("gpu0.utilization_memory_pct", 41.0),
                    entry("gpu0.memory_used_mib", 3072.0), entry("gpu0.pstate", 2.0),
                    entry("gpu0.clock_event_reasons", 36.0));
            assertThat(sample.throttle()).startsWith(new ThrottleReason("gpu[0]", "sw_power_cap", Kind.POWER),
                    new ThrottleReason("gpu[0]", "sw_thermal", Kind.THERMAL));
        }
    }

    @Test
    void unsupportedReadingsAreLeftOutAndListed() {
        fake.set(0, "util_supported", 0).set(0, "temperature_supported", 0);
        try (TelemetrySource s = open("0")) {
            assertThat(s.columns()).doesNotContain("gpu0.utilization_gpu_pct", "gpu0.temperature_c")
                    .contains("gpu0.power_w");
            assertThat(s.sample().values()).doesNotContainKeys("gpu0.utilization_gpu_pct", "gpu0.temperature_c");
            assertThat(s.environment().get("gpu[0].telemetry_unavailable")).isEqualTo(
                    "temperature_c (NVML_ERROR_NOT_SUPPORTED), utilization_gpu_pct (NVML_ERROR_NOT_SUPPORTED), "
                            + "utilization_memory_pct (NVML_ERROR_NOT_SUPPORTED)");
        }
    }

    @Test
    void lostGpuStopsContributingWithoutFailingTheSample() {
        try (TelemetrySource s = open(null)) {
            assertThat(s.sample().values()).containsKeys("gpu0.power_w", "gpu1.power_w");
            fake.set(1, "lost", 1);
            TelemetrySample after = s.sample();
            assertThat(after.values()).containsKey("gpu0.power_w").doesNotContainKey("gpu1.power_w");
            fake.set(1, "lost", 0);
            assertThat(s.sample().values()).doesNotContainKey("gpu1.power_w");
        }
    }

    @Test
    void environmentNamesGpusDriverCudaLimitsMigAndPersistence() {
        fake.set(0, "enforced_limit_mw", 650_000).set(0, "persistence", 0).set(0, "mig_mode", 1)
                .set(0, "mig_pending", 1).set(0, "mig_count", 1).set(0, "cc_minor", 0).set(0, "limits_supported", 1);
        try (TelemetrySource s = open(FakeNvml.migUuid(0, 0))) {
            assertThat(s.environment()).contains(entry("driver_version", "580.159.04-fake"),
                    entry("cuda_driver_version", "13.0"), entry("gpu_count", "2"),
                    entry("cuda_visible_devices", FakeNvml.migUuid(0, 0)), entry("measured", "gpu[0].mig[0], gpu[1]"),
                    entry("used_by_workload", "gpu[0].mig[0]"),
                    entry("gpu[0].name", "Fake NVIDIA H100 80GB HBM3"), entry("gpu[0].uuid", FakeNvml.gpuUuid(0)),
                    entry("gpu[0].architecture", "hopper"), entry("gpu[0].compute_capability", "9.0"),
                    entry("gpu[0].power_limit_w", "700"), entry("gpu[0].enforced_power_limit_w", "650"),
                    entry("gpu[0].default_power_limit_w", "700"), entry("gpu[0].persistence_mode", "disabled"),
                    entry("gpu[0].mig_mode", "enabled"), entry("gpu[0].energy_counter", "supported"),
                    entry("gpu[0].mig[0].uuid", FakeNvml.migUuid(0, 0)), entry("gpu[0].mig[0].memory_total_mib", "9984"));
            assertThat(s.environment().get("library")).endsWith("libnvidia-ml.so");
            assertThat(s.environment()).containsKey("gpu[1].name");
            assertThat(s.columns()).contains("gpu0.power_w", "gpu0.mig0.memory_used_mib")
                    .doesNotContain("gpu0.utilization_gpu_pct");
            assertThat(s.sample().values()).containsEntry("gpu0.mig0.memory_used_mib", 100.0);
            assertThat(s.environment().get("gpu[0].telemetry_unavailable")).contains("utilization_gpu_pct");
        }
    }

    @Test
    void unreadableFactSaysWhy() {
        fake.set(1, "limits_supported", 0).set(1, "arch_supported", 0);
        try (TelemetrySource s = open("1")) {
            assertThat(s.environment().get("gpu[1].power_limit_w")).isEqualTo("unavailable: "
                    + "nvmlDeviceGetPowerManagementLimit on gpu[1]: NVML_ERROR_NOT_SUPPORTED (3): this device does not "
                    + "support the query");
            assertThat(s.environment().get("gpu[1].architecture")).contains("NVML_ERROR_NOT_SUPPORTED");
        }
    }
}
