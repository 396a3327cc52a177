package dev.lem.env;

import dev.lem.Lem;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Captures the {@link EnvironmentInfo} of this machine from the JVM, {@code /proc} and {@code /sys}.
 * Anything that cannot be read is left absent.
 */
public final class EnvironmentCapture {
    private EnvironmentCapture() {
    }

    /** Captures this machine's environment now. */
    public static EnvironmentInfo capture() {
        return capture(Path.of("/"));
    }

    /** Captures with files read under {@code root} (tests pass a fake tree). */
    public static EnvironmentInfo capture(Path root) {
        Runtime rt = Runtime.getRuntime();
        return new EnvironmentInfo(
                Lem.version(),
                hostName(),
                new EnvironmentInfo.Jvm(System.getProperty("java.vendor", ""), System.getProperty("java.version", ""),
                        System.getProperty("java.vm.name", ""), rt.maxMemory()),
                new EnvironmentInfo.Os(System.getProperty("os.name", ""), System.getProperty("os.version", ""),
                        System.getProperty("os.arch", "")),
                new EnvironmentInfo.Cpu(cpuModel(root), rt.availableProcessors(),
                        readFirstLine(root.resolve("sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"))),
                memTotal(root),
                container(root),
                Map.of());
    }

    /** The host name, or {@code "unknown"}. */
    public static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The CPU model name from /proc/cpuinfo, if readable. */
    public static Optional<String> cpuModel(Path root) {
        for (String line : lines(root.resolve("proc/cpuinfo"))) {
            if (line.startsWith("model name") && line.contains(":")) {
                return Optional.of(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return Optional.empty();
    }

    private static Optional<Long> memTotal(Path root) {
        for (String line : lines(root.resolve("proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                String[] parts = line.trim().split("\\s+");
                try {
                    return Optional.of(Long.parseLong(parts[1]) * 1024L);
                } catch (RuntimeException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    private static EnvironmentInfo.Container container(Path root) {
        if (Files.exists(root.resolve(".dockerenv"))) {
            return new EnvironmentInfo.Container(true, "/.dockerenv exists");
        }
        for (String line : lines(root.resolve("proc/1/cgroup"))) {
            for (String marker : List.of("docker", "kubepods", "containerd", "libpod", "lxc")) {
                if (line.contains(marker)) {
                    return new EnvironmentInfo.Container(true, "/proc/1/cgroup mentions " + marker);
                }
            }
        }
        return new EnvironmentInfo.Container(false, "");
    }

    private static Optional<String> readFirstLine(Path p) {
        List<String> l = lines(p);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0).trim());
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
