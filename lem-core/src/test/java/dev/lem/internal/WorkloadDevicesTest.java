package dev.lem.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.spi.BackendCapabilities;
import dev.lem.spi.WorkloadDevices;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which GPUs an experiment's workload uses, from its device, its server and energy.devices. */
class WorkloadDevicesTest {
    static final BackendCapabilities IN_PROCESS = new BackendCapabilities(true, true, false, true, false);
    static final BackendCapabilities SERVED = new BackendCapabilities(false, false, true, true, false);

    static ExperimentConfig config(String... overrides) {
        ConfigResolver r = ConfigResolver.withDefaults();
        for (String o : overrides) {
            r = r.override(o);
        }
        return r.resolve();
    }

    static WorkloadDevices of(ExperimentConfig c, BackendCapabilities caps, Map<String, String> env) {
        return SessionResources.workloadDevices(c, caps, env);
    }

    @Test
    void inProcessTheModelsDeviceWithinThisProcesssVisibleGpus() {
        assertThat(of(config("device=cpu"), IN_PROCESS, Map.of("CUDA_VISIBLE_DEVICES", "0,1")).kind())
                .isEqualTo(WorkloadDevices.Kind.NONE);
        assertThat(of(config("device=cuda:1"), IN_PROCESS, Map.of("CUDA_VISIBLE_DEVICES", "2,3")))
                .isEqualTo(WorkloadDevices.selected("3", "device: cuda:1, CUDA_VISIBLE_DEVICES=2,3"));
        assertThat(of(config("device=cuda"), IN_PROCESS, Map.of()))
                .isEqualTo(WorkloadDevices.selected("0", "device: cuda"));
        assertThat(of(config("device=cuda:2"), IN_PROCESS, Map.of("CUDA_VISIBLE_DEVICES", "0")).kind())
                .isEqualTo(WorkloadDevices.Kind.NONE);
    }

    @Test
    void aManagedServerUsesItsVisibleGpusAnUnmanagedOneEveryGpuAndEnergyDevicesWins() {
        assertThat(of(config("server.managed=true"), SERVED, Map.of("CUDA_VISIBLE_DEVICES", "GPU-8f3a")))
                .isEqualTo(WorkloadDevices.selected("GPU-8f3a", "CUDA_VISIBLE_DEVICES=GPU-8f3a of the managed server"));
        assertThat(of(config("server.managed=true"), SERVED, Map.of()).kind()).isEqualTo(WorkloadDevices.Kind.ALL);
        assertThat(of(config(), SERVED, Map.of("CUDA_VISIBLE_DEVICES", "1")).toString())
                .startsWith("every GPU (the server is not managed by LEM");
        assertThat(of(config("energy.devices=[1,2]", "device=cpu"), IN_PROCESS, Map.of()))
                .isEqualTo(WorkloadDevices.selected("1,2", "energy.devices"));
    }
}
