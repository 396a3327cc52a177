package dev.lem.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lem.config.ExperimentConfig;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.MeasurementMethod;
import dev.lem.nvml.internal.NvmlEnergyMeter;
import dev.lem.spi.MeterContext;
import dev.lem.spi.PluginUnavailableException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** CUDA_VISIBLE_DEVICES (indices, UUIDs, MIG UUIDs) and MIG attribution against the fake NVML. */
class SelectionFakeNvmlTest {
    /** The fake's MIG slice holds 9984 of its GPU's 81920 MiB. */
    private static final double SLICE_SHARE = 9984.0 / 81920.0;
    private FakeNvml fake;

    @BeforeEach
    void setUp() {
        fake = FakeNvml.load().reset(2);
    }

    @AfterEach
    void paired() {
        FakeNvml.assertPaired(fake);
    }

    private NvmlEnergyMeter open(String visible) {
        return NvmlEnergyMeter.open(FakeNvml.context(visible), fake.clock());
    }

    private void enableMig(int gpu, int slices) {
        fake.set(gpu, "mig_mode", 1).set(gpu, "mig_pending", 1).set(gpu, "mig_count", slices);
    }

    @Test
    void indicesAndUuidPrefixesSelectGpus() {
        try (NvmlEnergyMeter m = open("1")) {
            assertThat(m.domains()).extracting(EnergyDomain::id).containsExactly("gpu[1]");
        }
        try (NvmlEnergyMeter m = open(" GPU-abc00001 , 0")) {
            assertThat(m.domains()).extracting(EnergyDomain::id).containsExactly("gpu[1]", "gpu[0]");
            assertThat(m.domains()).extracting(EnergyDomain::device)
                    .containsExactly(FakeNvml.gpuUuid(1), FakeNvml.gpuUuid(0));
        }
        try (NvmlEnergyMeter m = open(FakeNvml.gpuUuid(0).toLowerCase())) {
            assertThat(m.domains()).extracting(EnergyDomain::id).containsExactly("gpu[0]");
        }
    }

    @Test
    void listEndsAtTheFirstInvalidEntryLikeCuda() {
        try (NvmlEnergyMeter m = open("0,bogus,1")) {
            assertThat(m.domains()).extracting(EnergyDomain::id).containsExactly("gpu[0]");
            assertThat(m.notes().get("selection_notes"))
                    .contains("entry \"bogus\" is not a GPU index, GPU UUID or MIG UUID: CUDA ignores it and every "
                            + "entry after it");
        }
        try (NvmlEnergyMeter m = open("1,1")) {
            assertThat(m.domains()).hasSize(1);
            assertThat(m.notes().get("selection_notes")).contains("names gpu[1] twice");
        }
    }

    @Test
    void selectingNothingIsUnavailableWithTheReason() {
        assertThatThrownBy(() -> open("")).isInstanceOf(PluginUnavailableException.class)
                .hasMessageContaining("CUDA_VISIBLE_DEVICES=\"\" selects no GPU that NVML sees (an empty value hides "
                        + "every GPU)")
                .hasMessageContaining(FakeNvml.gpuUuid(1));
        assertThatThrownBy(() -> open("5")).isInstanceOf(PluginUnavailableException.class)
                .hasMessageContaining("entry 5 matches no GPU");
        assertThatThrownBy(() -> open("GPU-abc0000")).as("ambiguous prefix")
                .isInstanceOf(PluginUnavailableException.class).hasMessageContaining("or more than one");
        assertThatThrownBy(() -> open("-1")).isInstanceOf(PluginUnavailableException.class)
                .hasMessageContaining("\"-1\" is not a GPU index");
    }

    @Test
    void migSliceGetsItsMemoryShareOfTheParentLabelledAttributed() {
        enableMig(0, 2);
        fake.set(0, "power_mw", 100_000);
        try (NvmlEnergyMeter m = open(FakeNvml.migUuid(0, 1))) {
            assertThat(m.domains()).singleElement().satisfies(d -> {
                assertThat(d.id()).isEqualTo("gpu[0].mig[1]");
                assertThat(d.device()).isEqualTo(FakeNvml.migUuid(0, 1));
                assertThat(d.method()).isEqualTo(MeasurementMethod.ATTRIBUTED);
            });
            fake.timeMs(1_000);
            assertThat(m.cumulativeJoules().get("gpu[0].mig[1]")).isCloseTo(100.0 * SLICE_SHARE, within(1e-3));
            assertThat(m.notes().get("gpu[0].mig[1].method"))
                    .startsWith("attributed: 0.1219 x gpu[0] energy: the slice holds 9984 of the GPU's 81920 MiB")
                    .contains("parent measured: NVML total-energy counter");
            assertThat(m.notes()).containsEntry("gpu[0].mig_mode", "enabled")
                    .containsEntry("gpu[0].mig[0].uuid", FakeNvml.migUuid(0, 0))
                    .containsEntry("gpu[0].mig[1].gpu_instance_id", "8");
        }
    }

    @Test
    void twoSlicesOfOneGpuShareOneParentReadAndNeverExceedIt() {
        enableMig(0, 2);
        try (NvmlEnergyMeter m = open(FakeNvml.migUuid(0, 0) + "," + FakeNvml.migUuid(0, 1))) {
            long before = fake.get("energy_calls");
            fake.timeMs(2_000);
            Map<String, Double> j = m.cumulativeJoules();
            assertThat(fake.get("energy_calls") - before).isEqualTo(1);
            assertThat(j.get("gpu[0].mig[0]")).isCloseTo(200.0 * SLICE_SHARE, within(1e-3));
            assertThat(j.values().stream().mapToDouble(Double::doubleValue).sum()).isLessThanOrEqualTo(200.0);
        }
    }

    @Test
    void legacyMigFormAndMissingSliceMemory() {
        enableMig(1, 3);
        fake.mig(1, 2, "memory_supported", 0);
        try (NvmlEnergyMeter m = open("MIG-" + FakeNvml.gpuUuid(1) + "/9/0")) {
            assertThat(m.domains()).extracting(EnergyDomain::id).containsExactly("gpu[1].mig[2]");
            assertThat(m.notes().get("gpu[1].mig[2].method"))
                    .startsWith("attributed: 0.3333 x gpu[1] energy: an equal split among the GPU's 3 MIG instances");
        }
    }

    @Test
    void unsetVariableOnMigGpuMeasuresTheWholeGpuAndSaysSo() {
        enableMig(0, 2);
        try (NvmlEnergyMeter m = open(null)) {
            assertThat(m.domains()).extracting(EnergyDomain::id, EnergyDomain::method).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("gpu[0]", MeasurementMethod.MEASURED),
                    org.assertj.core.groups.Tuple.tuple("gpu[1]", MeasurementMethod.MEASURED));
            assertThat(m.notes().get("selection_notes"))
                    .contains("gpu[0] is in MIG mode with 2 instance(s) and CUDA_VISIBLE_DEVICES is unset");
        }
    }

    @Test
    void indicesOverMixedModelsWarnAboutCudaDeviceOrder() {
        fake.text(1, "name", "Fake NVIDIA L4");
        try (NvmlEnergyMeter m = open("1,0")) {
            assertThat(m.notes().get("selection_notes")).contains("set CUDA_DEVICE_ORDER=PCI_BUS_ID");
        }
        MeterContext pci = new MeterContext(ExperimentConfig.defaults().energy(),
                Map.of("CUDA_VISIBLE_DEVICES", "1,0", "CUDA_DEVICE_ORDER", "PCI_BUS_ID"), 0);
        try (NvmlEnergyMeter m = NvmlEnergyMeter.open(pci, fake.clock())) {
            assertThat(m.notes()).doesNotContainKey("selection_notes");
        }
    }
}
