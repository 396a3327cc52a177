package dev.lem.flops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.LemException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class PeakTableTest {
    private final PeakTable table = PeakTable.builtIn();

    /** Names as NVML reports them, and the dense peaks the datasheets give. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "NVIDIA H100 80GB HBM3,       bf16,           989.5,  3350",
            "NVIDIA H100 PCIe,            fp16,           756.5,  2000",
            "NVIDIA H100 NVL,             fp8,            1670.5, 3900",
            "NVIDIA H200,                 torch.bfloat16, 989.5,  4800",
            "NVIDIA H200 NVL,             bf16,           835.5,  4800",
            "NVIDIA A100-SXM4-80GB,       bf16,           312,    2039",
            "NVIDIA A100-SXM4-40GB,       tf32,           156,    1555",
            "NVIDIA A100 80GB PCIe,       float32,        19.5,   1935",
            "NVIDIA A100-PCIE-40GB,       fp16,           312,    1555",
            "NVIDIA L4,                   bf16,           121,    300",
            "NVIDIA L40S,                 bf16,           362.05, 864",
            "NVIDIA L40,                  bf16,           181.05, 864",
            "NVIDIA GeForce RTX 4090,     fp16,           165.2,  1008",
            "NVIDIA GeForce RTX 3090,     bf16,           71,     936",
            "Tesla T4,                    fp16,           65,     320",
            "Tesla V100-SXM2-32GB,        fp32,           15.7,   900",
            "NVIDIA A10,                  BF16,           125,    600"})
    void nvmlNamesFindDenseDatasheetPeaks(String name, String dtype, double tflops, double bandwidth) {
        Peak p = table.lookup(name, dtype).orElseThrow();
        assertThat(p.peakTflops()).isEqualTo(tflops);
        assertThat(p.peakBandwidthGbS()).isEqualTo(bandwidth);
        assertThat(table.whyAbsent(name, dtype)).isEmpty();
    }

    @Test
    void lookalikeNamesDoNotMatch() {
        assertThat(table.device("NVIDIA GH200 480GB")).as("GH200 is not an H200").isEmpty();
        assertThat(table.device("NVIDIA A10G")).as("A10G clocks differ from A10").isEmpty();
        assertThat(table.device("NVIDIA GeForce RTX 4090 D")).isEmpty();
        assertThat(table.device("NVIDIA GeForce RTX 4090 Laptop GPU")).isEmpty();
        assertThat(table.device("h100-sxm")).as("ids work too").isPresent();
    }

    @Test
    void absentPeaksSayWhy() {
        assertThat(table.lookup("Tesla T4", "bf16")).isEmpty();
        assertThat(table.whyAbsent("Tesla T4", "bf16")).contains("has no bf16 peak (the hardware lacks it");
        assertThat(table.whyAbsent("AMD Instinct MI300X", "bf16"))
                .contains("no peak for device \"AMD Instinct MI300X\"").contains("flops.peak_tflops");
        assertThat(table.whyAbsent("NVIDIA L4", "int8")).contains("not a data type with a compute peak");
    }

    @Test
    void everyRowNamesItsSourceAndHasNoSparseFigures() {
        assertThat(table.devices()).hasSizeGreaterThanOrEqualTo(15);
        for (PeakTable.Device d : table.devices()) {
            assertThat(d.source()).as(d.id()).containsAnyOf("datasheet", "whitepaper");
            // dense 16-bit tensor peaks are at most 16x FP32 on these GPUs (A100: 312 / 19.5); a sparse figure
            // would be twice that (H100: 1,979 / 67 = 29.5), FP8 twice again
            double fp32 = d.peakTflops().get("fp32");
            d.peakTflops().forEach((t, v) -> assertThat(v).as(d.id() + " " + t)
                    .isLessThanOrEqualTo((t.equals("fp8") ? 32 : 16) * fp32));
        }
    }

    @Test
    void dtypeSpellingsAreNormalised() {
        assertThat(PeakTable.normaliseDtype("torch.float16")).contains("fp16");
        assertThat(PeakTable.normaliseDtype("BF16")).contains("bf16");
        assertThat(PeakTable.normaliseDtype("F8_E4M3")).contains("fp8");
        assertThat(PeakTable.normaliseDtype("TF32")).contains("tf32");
        assertThat(PeakTable.normaliseDtype("int8")).isEmpty();
    }

    @Test
    void malformedTablesNameTheField() {
        assertThatThrownBy(() -> PeakTable.fromJson("{\"devices\":[{\"id\":\"x\",\"name\":\"X\",\"match\":\"X\","
                + "\"bandwidth_gb_s\":1,\"tflops\":{\"fp4\":3},\"source\":\"s\"}]}"))
                .isInstanceOf(LemException.class).hasMessageContaining("devices[0].tflops.fp4");
        assertThatThrownBy(() -> PeakTable.fromJson("{\"devices\":[{\"id\":\"x\",\"name\":\"X\",\"match\":\"(\","
                + "\"bandwidth_gb_s\":1,\"tflops\":{},\"source\":\"s\"}]}"))
                .hasMessageContaining("devices[0].match is not a valid regular expression");
        assertThatThrownBy(() -> PeakTable.fromJson("{\"devices\":[{\"tflops\":{}}]}"))
                .hasMessageContaining("positive \"bandwidth_gb_s\"");
    }
}
