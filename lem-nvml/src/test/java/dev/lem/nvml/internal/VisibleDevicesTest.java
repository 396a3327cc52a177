package dev.lem.nvml.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.nvml.internal.VisibleDevices.Index;
import dev.lem.nvml.internal.VisibleDevices.LegacyMig;
import dev.lem.nvml.internal.VisibleDevices.Uuid;
import org.junit.jupiter.api.Test;

class VisibleDevicesTest {

    @Test
    void unsetMeansEveryGpu() {
        VisibleDevices v = VisibleDevices.parse(null);
        assertThat(v.all()).isTrue();
        assertThat(v.entries()).isEmpty();
    }

    @Test
    void emptyMeansNoGpuAndNoComplaint() {
        VisibleDevices v = VisibleDevices.parse("");
        assertThat(v.all()).isFalse();
        assertThat(v.entries()).isEmpty();
        assertThat(v.notes()).isEmpty();
    }

    @Test
    void parsesIndicesUuidsAndBothMigForms() {
        VisibleDevices v = VisibleDevices.parse("2, GPU-8f3a,MIG-1b2c-33,MIG-GPU-aa11-22/3/0");
        assertThat(v.entries()).containsExactly(new Index(2), new Uuid("GPU-8f3a", false),
                new Uuid("MIG-1b2c-33", true), new LegacyMig("GPU-aa11-22", 3, 0));
    }

    @Test
    void stopsAtTheFirstInvalidEntry() {
        VisibleDevices v = VisibleDevices.parse("0,gpu1,1");
        assertThat(v.entries()).containsExactly(new Index(0));
        assertThat(v.notes()).singleElement().asString()
                .isEqualTo("CUDA_VISIBLE_DEVICES entry \"gpu1\" is not a GPU index, GPU UUID or MIG UUID: CUDA "
                        + "ignores it and every entry after it");
        assertThat(VisibleDevices.parse("1,-1").notes()).singleElement().asString()
                .endsWith("CUDA ignores it");
    }
}
