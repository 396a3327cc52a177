package dev.lem.nvml.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NvmlReturnTest {

    @Test
    void namesCodesAsNvmlHeaderDoesWithAnActionableMeaning() {
        assertThat(NvmlReturn.describe(15, "GPU is lost")).isEqualTo("NVML_ERROR_GPU_IS_LOST (15): the GPU has fallen "
                + "off the bus or stopped responding; readings from it are lost until it is reset");
        assertThat(NvmlReturn.describe(18, "")).contains("does not match the loaded kernel driver");
        assertThat(NvmlReturn.name(0)).isEqualTo("NVML_SUCCESS");
        assertThat(NvmlReturn.name(999)).isEqualTo("NVML_ERROR_UNKNOWN");
    }

    @Test
    void unknownCodesFallBackToTheLibrarysOwnText() {
        assertThat(NvmlReturn.describe(4242, "Some New Error")).isEqualTo("NVML error 4242 (4242): Some New Error");
        assertThat(NvmlReturn.describe(4243, "")).isEqualTo("NVML error 4243 (4243): undocumented error");
    }

    @Test
    void capabilityCodesAreNotSupportedAndFunctionNotFound() {
        assertThat(NvmlReturn.isCapability(3)).isTrue();
        assertThat(NvmlReturn.isCapability(13)).isTrue();
        assertThat(NvmlReturn.isCapability(15)).isFalse();
        NvmlException lost = new NvmlException("nvmlDeviceGetPowerUsage", "gpu[0]", 15, "");
        assertThat(lost.isGpuLost()).isTrue();
        assertThat(lost.getMessage()).startsWith("nvmlDeviceGetPowerUsage on gpu[0]: NVML_ERROR_GPU_IS_LOST (15)");
    }
}
