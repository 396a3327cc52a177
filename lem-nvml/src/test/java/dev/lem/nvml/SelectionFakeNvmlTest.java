package dev.lem.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.config.ExperimentConfig;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.MeasurementMethod;
import dev.lem.nvml.internal.NvmlEnergyMeter;
import dev.lem.spi.MeterContext;
import dev.lem.spi.WorkloadDevices;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The workload's GPUs as CUDA_VISIBLE_DEVICES names them (indices, UUIDs, MIG UUIDs) and MIG attribution against the
 * fake NVML. Every GPU is measured; those the workload does not use are marked so and never counted with its own.
 */
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

    private static java.util.List<String> used(NvmlEnergyMeter m) {
        return m.domains().stream().filter(EnergyDomain::usedByWorkload).map(EnergyDomain::id).toList();
    }

    private static java.util.List<String> notUsed(NvmlEnergyMeter m) {
        return m.domains().stream().filter(d -> !d.usedByWorkload()).map(EnergyDomain::id).toList();
    }

    private void enableMig(int gpu, int slices) {
        fake.set(gpu, "mig_mode", 1).set(gpu, "mig_pending", 1).set(gpu, "mig_count", slices);
    }

    @Test
    void indicesAndUuidPrefixesSelectGpus() {
        try (NvmlEnergyMeter m = open("1")) {
            assertThat(used(m)).containsExactly("gpu[1]");
            assertThat(notUsed(m)).as("the hidden GPU is still measured, apart").containsExactly("gpu[0]");
            assertThat(m.notes().get("gpu[0].use")).startsWith("not used by the workload (GPUs 1 "
                    + "(CUDA_VISIBLE_DEVICES=1 of this process))");
            assertThat(m.notes()).containsEntry("used_by_workload", "gpu[1]").containsEntry("measured", "gpu[1], gpu[0]");
        }
        try (NvmlEnergyMeter m = open(" GPU-abc00001 , 0")) {
            assertThat(used(m)).containsExactly("gpu[1]", "gpu[0]");
            assertThat(m.domains()).extracting(EnergyDomain::device)
                    .containsExactly(FakeNvml.gpuUuid(1), FakeNvml.gpuUuid(0));
        }
        try (NvmlEnergyMeter m = open(FakeNvml.gpuUuid(0).toLowerCase())) {
            assertThat(used(m)).containsExactly("gpu[0]");
            assertThat(notUsed(m)).containsExactly("gpu[1]");
        }
    }

    @Test
    void listEndsAtTheFirstInvalidEntryLikeCuda() {
        try (NvmlEnergyMeter m = open("0,bogus,1")) {
            assertThat(used(m)).containsExactly("gpu[0]");
            assertThat(m.notes().get("selection_notes"))
                    .contains("entry \"bogus\" is not a GPU index, GPU UUID or MIG UUID: CUDA ignores it and every "
                            + "entry after it");
        }
        try (NvmlEnergyMeter m = open("1,1")) {
            assertThat(used(m)).containsExactly("gpu[1]");
            assertThat(m.notes().get("selection_notes")).contains("gpu[1] is named twice");
        }
    }

    @Test
    void selectingNothingMeasuresEveryGpuAsNotUsedAndSaysWhy() {
        try (NvmlEnergyMeter m = open("")) {
            assertThat(used(m)).isEmpty();
            assertThat(notUsed(m)).containsExactly("gpu[0]", "gpu[1]");
            assertThat(m.notes().get("selection_notes")).contains("names no GPU that NVML sees (an empty "
                    + "CUDA_VISIBLE_DEVICES hides every GPU)").contains(FakeNvml.gpuUuid(1));
        }
        try (NvmlEnergyMeter m = open("5")) {
            assertThat(used(m)).isEmpty();
            assertThat(m.notes().get("selection_notes")).contains("entry 5 matches no GPU");
        }
        try (NvmlEnergyMeter m = open("GPU-abc0000")) {
            assertThat(m.notes().get("selection_notes")).as("ambiguous prefix").contains("or more than one");
        }
        try (NvmlEnergyMeter m = open("-1")) {
            assertThat(m.notes().get("selection_notes")).contains("\"-1\" is not a GPU index");
        }
        MeterContext cpu = new MeterContext(ExperimentConfig.defaults().energy(), Map.of(), 0,
                WorkloadDevices.none("device: cpu (the model runs on the CPU)"));
        try (NvmlEnergyMeter m = NvmlEnergyMeter.open(cpu, fake.clock())) {
            assertThat(notUsed(m)).containsExactly("gpu[0]", "gpu[1]");
            assertThat(m.notes().get("selection_notes")).contains("the workload uses no GPU (device: cpu (the model "
                    + "runs on the CPU)): every GPU is measured as not used by the workload");
        }
    }

    @Test
    void migSliceGetsItsMemoryShareOfTheParentLabelledAttributed() {
        enableMig(0, 2);
        fake.set(0, "power_mw", 100_000);
        try (NvmlEnergyMeter m = open(FakeNvml.migUuid(0, 1))) {
            assertThat(notUsed(m)).as("the other GPU, whole").containsExactly("gpu[1]");
            assertThat(m.domains().stream().filter(EnergyDomain::usedByWorkload)).singleElement().satisfies(d -> {
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
            assertThat(fake.get("energy_calls") - before).as("one read of gpu[0] for both slices, one of gpu[1]")
                    .isEqualTo(2);
            assertThat(j.get("gpu[0].mig[0]")).isCloseTo(200.0 * SLICE_SHARE, within(1e-3));
            assertThat(j.get("gpu[0].mig[0]") + j.get("gpu[0].mig[1]")).isLessThanOrEqualTo(200.0);
        }
    }

    @Test
    void legacyMigFormAndMissingSliceMemory() {
        enableMig(1, 3);
        fake.mig(1, 2, "memory_supported", 0);
        try (NvmlEnergyMeter m = open("MIG-" + FakeNvml.gpuUuid(1) + "/9/0")) {
            assertThat(used(m)).containsExactly("gpu[1].mig[2]");
            assertThat(notUsed(m)).containsExactly("gpu[0]");
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
                    .contains("gpu[0] is in MIG mode with 2 instance(s) and the workload uses every GPU");
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
