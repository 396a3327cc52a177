package dev.lem.env;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.results.ResultsJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvironmentCaptureTest {
    @TempDir
    Path root;

    void write(String path, String text) throws IOException {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    void twoSocketServer() throws IOException {
        StringBuilder cpuinfo = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            cpuinfo.append("processor\t: ").append(i).append("\nvendor_id\t: GenuineIntel\n")
                    .append("model name\t: Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz\nphysical id\t: ").append(i / 2)
                    .append("\nflags\t\t: fpu vme de pse\n\n");
        }
        write("proc/cpuinfo", cpuinfo.toString());
        write("proc/meminfo", "MemTotal:       24684092 kB\nMemFree:        1000 kB\n");
        write("sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance\n");
        write("proc/sys/kernel/osrelease", "6.1.0-test\n");
    }

    @Test
    void cpuMemoryGovernorAndKernelComeFromTheTree() throws IOException {
        twoSocketServer();
        EnvironmentInfo e = EnvironmentCapture.capture(root, Map.of());
        EnvironmentInfo.Cpu cpu = e.cpu();
        assertThat(cpu.model()).contains("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz");
        assertThat(cpu.vendor()).contains("GenuineIntel");
        assertThat(cpu.machineCpus()).contains(4);
        assertThat(cpu.sockets()).contains(2);
        assertThat(cpu.hypervisor()).isFalse();
        assertThat(cpu.governor()).contains("performance");
        assertThat(cpu.logicalCores()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(e.memoryBytes()).contains(24684092L * 1024);
        assertThat(e.os().version()).isEqualTo("6.1.0-test");
        assertThat(e.jvm().version()).isEqualTo(System.getProperty("java.version"));
        assertThat(e.container().detected()).isFalse();
    }

    @Test
    void aVirtualMachineIsToldByTheHypervisorFlag() throws IOException {
        write("proc/cpuinfo", "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu hypervisor lahf_lm\n");
        EnvironmentInfo.Cpu cpu = EnvironmentCapture.cpu(root);
        assertThat(cpu.hypervisor()).isTrue();
        assertThat(cpu.model()).contains("AMD EPYC");
        assertThat(cpu.sockets()).isEmpty();
    }

    @Test
    void anEmptyTreeLeavesEverythingAbsent() {
        EnvironmentInfo e = EnvironmentCapture.capture(root, Map.of());
        assertThat(e.cpu().model()).isEmpty();
        assertThat(e.cpu().governor()).isEmpty();
        assertThat(e.cpu().machineCpus()).isEmpty();
        assertThat(e.memoryBytes()).isEmpty();
        assertThat(e.os().version()).isEqualTo(System.getProperty("os.version"));
    }

    @Test
    void dockerIsDetectedByDockerenvWithCgroupV2Limits() throws IOException {
        write(".dockerenv", "");
        write("proc/self/cgroup", "0::/\n");
        write("sys/fs/cgroup/cpu.max", "250000 100000\n");
        write("sys/fs/cgroup/memory.max", "8589934592\n");
        EnvironmentInfo.Container c = EnvironmentCapture.container(root, Map.of());
        assertThat(c.detected()).isTrue();
        assertThat(c.evidence()).isEqualTo("/.dockerenv exists");
        assertThat(c.runtime()).contains("docker");
        assertThat(c.cpuLimit()).contains(2.5);
        assertThat(c.memoryLimitBytes()).contains(8589934592L);
    }

    @Test
    void kubernetesPodmanAndCgroupPathsAreRecognised() throws IOException {
        assertThat(EnvironmentCapture.container(root, Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1")).runtime())
                .contains("kubernetes");
        write("proc/1/cgroup", "12:cpu,cpuacct:/kubepods/burstable/pod1234/abcd\n");
        EnvironmentInfo.Container k = EnvironmentCapture.container(root, Map.of());
        assertThat(k.evidence()).isEqualTo("/proc/1/cgroup mentions kubepods");
        assertThat(k.runtime()).contains("kubernetes");
        write("run/.containerenv", "");
        assertThat(EnvironmentCapture.container(root, Map.of()).runtime()).contains("podman");
    }

    @Test
    void unlimitedCgroupsAndV1QuotasAreReadToo() throws IOException {
        write("proc/self/cgroup", "0::/user.slice/session-1.scope\n");
        write("sys/fs/cgroup/user.slice/session-1.scope/cpu.max", "max 100000\n");
        write("sys/fs/cgroup/user.slice/session-1.scope/memory.max", "max\n");
        EnvironmentInfo.Container none = EnvironmentCapture.container(root, Map.of());
        assertThat(none.cpuLimit()).isEmpty();
        assertThat(none.memoryLimitBytes()).isEmpty();
        Path v1 = Files.createDirectories(root.resolve("v1"));
        Files.createDirectories(v1.resolve("sys/fs/cgroup/cpu"));
        Files.writeString(v1.resolve("sys/fs/cgroup/cpu/cpu.cfs_quota_us"), "50000\n");
        Files.writeString(v1.resolve("sys/fs/cgroup/cpu/cpu.cfs_period_us"), "100000\n");
        assertThat(EnvironmentCapture.container(v1, Map.of()).cpuLimit()).contains(0.5);
    }

    @Test
    void theRecordsRoundTripThroughResultsJson() throws IOException {
        twoSocketServer();
        write(".dockerenv", "");
        EnvironmentInfo e = EnvironmentCapture.capture(root, Map.of()).withContribution("nvml",
                Map.of("gpu0.name", "H100"));
        String json = ResultsJson.write(e);
        assertThat(json).contains("\"sockets\" : 2").contains("\"hypervisor\" : false").contains("\"runtime\" : \"docker\"");
        EnvironmentInfo back = ResultsJson.read(json, EnvironmentInfo.class, "test");
        assertThat(back).isEqualTo(e);
        assertThat(new EnvironmentInfo.Cpu(Optional.of("x"), 2, Optional.empty()).sockets()).isEmpty();
    }
}
