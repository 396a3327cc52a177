package dev.lem.result;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.env.EnvironmentCapture;
import dev.lem.env.EnvironmentInfo;
import dev.lem.spi.ModelInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** MFU/MBU divide by the peak of the device the model runs on, whatever other devices the machine has. */
class SummaryInputsTest {
    static final ModelInfo MODEL = new ModelInfo("m", "synthetic", "", Optional.empty(), "bf16", true, Optional.empty(),
            Map.of());

    static RunSetup setup(String device, Map<String, String> nvml, EnvironmentInfo.Cpu cpu) {
        ExperimentConfig config = ConfigResolver.withDefaults().override("device=" + device).resolve();
        EnvironmentInfo env = EnvironmentCapture.capture();
        env = new EnvironmentInfo(env.lemVersion(), env.host(), env.jvm(), env.os(), cpu, env.memoryBytes(),
                env.container(), Map.of()).withContribution("nvml", nvml);
        return new RunSetup(2, "x", 0, 1, "h", 1, Instant.EPOCH, config, env, Optional.of(MODEL), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), List.of(), Map.of(), 1, "", List.of(),
                Optional.empty(), RunStatus.COMPLETE, Optional.of(Instant.EPOCH));
    }

    static final EnvironmentInfo.Cpu XEON = new EnvironmentInfo.Cpu(Optional.of("Intel(R) Xeon(R) Platinum 8480+"),
            224, Optional.empty(), Optional.of("GenuineIntel"), Optional.of(224), Optional.of(2), false, Optional.of(112),
            Optional.of(3800.0), List.of("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16"));

    static Utilisation peak(RunSetup s) {
        return new Utilisation(SummaryInputs.peak(s.config(), s, "bf16").computeBasis(),
                SummaryInputs.peak(s.config(), s, "bf16").peakTflops());
    }

    record Utilisation(String basis, Optional<Double> tflops) {
    }

    @Test
    void withTheModelOnTheCpuTheCpusEstimatedPeakIsUsedNotTheGpuBesideIt() {
        Utilisation u = peak(setup("cpu", Map.of("used_by_workload", "none", "gpu[0].name", "NVIDIA H100 80GB HBM3"),
                XEON));
        assertThat(u.basis()).doesNotContain("H100").startsWith("estimated CPU peak: 112 cores x 3.80 GHz")
                .contains("1024 bf16 FLOPs per cycle").contains("AMX");
        assertThat(u.tflops()).hasValueSatisfying(t -> assertThat(t).isEqualTo(112 * 3.8e9 * 1024 / 1e12));
    }

    @Test
    void withTheFirstGpuHiddenTheWorkloadsGpuGivesThePeak() {
        // CUDA_VISIBLE_DEVICES=1: NVML describes gpu[1]; there is no gpu[0].name to find
        Utilisation u = peak(setup("cuda", Map.of("used_by_workload", "gpu[1]", "gpu[1].name", "NVIDIA H100 80GB HBM3"),
                XEON));
        assertThat(u.basis()).contains("H100").doesNotContain("no accelerator was detected");
        assertThat(u.tflops()).isPresent();
    }

    @Test
    void aCpuWithoutVectorFlagsOrClockSaysHowToGiveThePeak() {
        EnvironmentInfo.Cpu unknown = new EnvironmentInfo.Cpu(Optional.empty(), 2, Optional.empty());
        Utilisation u = peak(setup("cpu", Map.of(), unknown));
        assertThat(u.tflops()).isEmpty();
        assertThat(u.basis()).startsWith("the model runs on the CPU and its peak cannot be estimated")
                .contains("flops.peak_tflops");
    }
}
