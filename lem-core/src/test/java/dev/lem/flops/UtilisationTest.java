package dev.lem.flops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.model.ModelArchitecture;
import dev.lem.model.SyntheticPresets;
import dev.lem.model.TensorDtype;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UtilisationTest {

    @Test
    void tablePeaksGiveMfuAndMbu() {
        Utilisation.DevicePeak peak = Utilisation.resolve(Optional.empty(), Optional.empty(),
                Optional.of("NVIDIA H100 80GB HBM3"), "bf16");
        assertThat(peak.peakTflops()).contains(989.5);
        assertThat(peak.peakBandwidthGbS()).contains(3350.0);
        assertThat(peak.computeBasis()).contains("H100 SXM5").contains("bf16 dense").contains("datasheet");

        Utilisation.Figure mfu = Utilisation.mfu(989.5e12 * 10 * 0.25, 10, peak, 1);
        assertThat(mfu.fraction()).get().satisfies(f -> assertThat(f).isCloseTo(0.25, within(1e-12)));
        Utilisation.Figure twoDevices = Utilisation.mfu(989.5e12 * 10 * 0.25, 10, peak, 2);
        assertThat(twoDevices.fraction()).get().satisfies(f -> assertThat(f).isCloseTo(0.125, within(1e-12)));
        Utilisation.Figure mbu = Utilisation.mbu(3350e9 * 0.5, 1, peak, 1);
        assertThat(mbu.fraction()).get().satisfies(f -> assertThat(f).isCloseTo(0.5, within(1e-12)));
    }

    @Test
    void configuredPeaksWinOverTheTable() {
        Utilisation.DevicePeak peak = Utilisation.resolve(Optional.of(100.0), Optional.empty(),
                Optional.of("NVIDIA L4"), "bf16");
        assertThat(peak.peakTflops()).contains(100.0);
        assertThat(peak.computeBasis()).isEqualTo("flops.peak_tflops (configured)");
        assertThat(peak.peakBandwidthGbS()).as("bandwidth still from the table").contains(300.0);
    }

    @Test
    void cpuRunWithoutConfiguredPeaksIsAbsentWithAReason() {
        Utilisation.DevicePeak peak = Utilisation.resolve(Optional.empty(), Optional.empty(), Optional.empty(), "fp32");
        Utilisation.Figure mfu = Utilisation.mfu(1e12, 1, peak, 1);
        assertThat(mfu.fraction()).isEmpty();
        assertThat(mfu.basis()).contains("no accelerator was detected").contains("flops.peak_tflops");
        Utilisation.Figure mbu = Utilisation.mbu(1e9, 1, peak, 1);
        assertThat(mbu.fraction()).isEmpty();
        assertThat(mbu.basis()).contains("flops.peak_bandwidth_gb_s");

        Utilisation.DevicePeak given = Utilisation.resolve(Optional.of(2.0), Optional.of(100.0), Optional.empty(), "fp32");
        assertThat(Utilisation.mfu(1e12, 1, given, 1).fraction()).contains(0.5);
        assertThat(Utilisation.mbu(50e9, 1, given, 1).fraction()).contains(0.5);
    }

    @Test
    void unknownGpuAndImpossibleInputsAreAbsent() {
        Utilisation.DevicePeak peak = Utilisation.resolve(Optional.empty(), Optional.empty(),
                Optional.of("NVIDIA B200"), "bf16");
        assertThat(Utilisation.mfu(1, 1, peak, 1).basis()).contains("no peak for device \"NVIDIA B200\"");
        assertThat(Utilisation.mbu(1, 1, peak, 1).basis()).contains("no bandwidth for device \"NVIDIA B200\"");
        Utilisation.DevicePeak known = Utilisation.resolve(Optional.of(1.0), Optional.of(1.0), Optional.empty(), "fp32");
        assertThat(Utilisation.mfu(1, 0, known, 1).fraction()).isEmpty();
        assertThat(Utilisation.mfu(Double.NaN, 1, known, 1).basis()).contains("cannot divide");
        assertThat(Utilisation.mfu(3e12, 1, known, 1).basis()).contains("above 1");
    }

    @Test
    void memoryTrafficOfOneRequestAtBatchOne() {
        ModelArchitecture a = SyntheticPresets.get("Llama-3.2-1B");
        // 16 layers x 8 KV heads x 64 x (K, V) x 2 bytes
        assertThat(MemoryTraffic.kvCacheBytesPerToken(a, TensorDtype.BF16)).isEqualTo(32_768);
        assertThat(MemoryTraffic.kvCacheBytesPerToken(SyntheticPresets.get("Llama-3.1-8B"), TensorDtype.BF16))
                .isEqualTo(131_072);
        // tied embedding: every parameter is streamed by a pass (the head reads the embedding)
        assertThat(MemoryTraffic.weightBytesPerPass(a, TensorDtype.BF16)).isEqualTo(2.0 * 1_235_814_400L);

        MemoryTraffic.Traffic t = MemoryTraffic.cycleTraffic(a, TensorDtype.BF16,
                List.of(new FlopsInput.RequestTokens(10, 4)), 1);
        assertThat(t.forwardPasses()).isEqualTo(1 + 3);
        // prefill writes 10 entries; decode steps write 1 and read 10, 11, 12 entries before them
        assertThat(t.kvCacheBytes()).isEqualTo((10 + 11 + 12 + 13) * 32_768.0);
        assertThat(t.totalBytes()).isEqualTo(4 * 2.0 * 1_235_814_400L + 46 * 32_768.0);
    }

    @Test
    void batchedRowsShareTheWeightReads() {
        ModelArchitecture a = SyntheticPresets.get("TinyLlama-1.1B");
        List<FlopsInput.RequestTokens> reqs = List.of(new FlopsInput.RequestTokens(5, 3),
                new FlopsInput.RequestTokens(5, 3), new FlopsInput.RequestTokens(5, 3), new FlopsInput.RequestTokens(5, 3));
        MemoryTraffic.Traffic one = MemoryTraffic.cycleTraffic(a, TensorDtype.F16, reqs, 1);
        MemoryTraffic.Traffic four = MemoryTraffic.cycleTraffic(a, TensorDtype.F16, reqs, 4);
        assertThat(one.forwardPasses()).isEqualTo(4 + 8);
        assertThat(four.forwardPasses()).isEqualTo(1 + 2);
        assertThat(four.kvCacheBytes()).isEqualTo(one.kvCacheBytes());
        // untied: the input embedding is only looked up, the LM head is streamed
        assertThat(MemoryTraffic.weightBytesPerPass(a, TensorDtype.F16))
                .isEqualTo(2.0 * (1_100_048_384L - 32_000L * 2048));
    }
}
