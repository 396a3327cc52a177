package dev.lem.env;

import dev.lem.env.SysFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Captures the {@link EnvironmentInfo} of this machine from the JVM, {@code /proc} and {@code /sys}.
 * Anything that cannot be read is left absent. Every file is read under a root directory, so tests can
 * pass a fake tree.
 */
public final class EnvironmentCapture {
    private static final List<String> CGROUP_MARKERS = List.of("kubepods", "docker", "libpod", "containerd", "crio",
            "lxc");
    private static final long NO_MEMORY_LIMIT = 1L << 60;

    private EnvironmentCapture() {
    }

    /** {@return this machine's environment, captured now} */
    public static EnvironmentInfo capture() {
        return capture(Path.of("/"), System.getenv());
    }

    /**
     * Captures with files read under {@code root} (tests pass a fake tree) and the given environment
     * variables (for container detection); JVM facts come from this JVM.
     *
     * @param root the folder standing for {@code /}
     * @param env the environment variables
     * @return the environment
     */
    public static EnvironmentInfo capture(Path root, Map<String, String> env) {
        Runtime rt = Runtime.getRuntime();
        String kernel = firstLine(root.resolve("proc/sys/kernel/osrelease")).orElse(System.getProperty("os.version", ""));
        return new EnvironmentInfo(
                lemVersion(),
                hostName(),
                new EnvironmentInfo.Jvm(System.getProperty("java.vendor", ""), System.getProperty("java.version", ""),
                        System.getProperty("java.vm.name", ""), rt.maxMemory()),
                new EnvironmentInfo.Os(System.getProperty("os.name", ""), kernel, System.getProperty("os.arch", "")),
                cpu(root),
                memTotal(root),
                container(root, env),
                Map.of());
    }

    /**
     * Captures with files read under {@code root} and this process's environment variables.
     *
     * @param root the folder standing for {@code /}
     * @return the environment
     */
    public static EnvironmentInfo capture(Path root) {
        return capture(root, System.getenv());
    }

    /** {@return the host name, or {@code "unknown"}} */
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

    /**
     * The CPU model name from /proc/cpuinfo, if readable.
     *
     * @param root the folder standing for {@code /}
     * @return the model name; empty when unreadable
     */
    public static Optional<String> cpuModel(Path root) {
        return cpu(root).model();
    }

    /**
     * The CPU as /proc/cpuinfo and /sys describe it under {@code root}: model, vendor, logical CPUs,
     * sockets, governor and the hypervisor flag; logical cores available to this JVM.
     *
     * @param root the folder standing for {@code /}
     * @return the CPU
     */
    public static EnvironmentInfo.Cpu cpu(Path root) {
        Optional<String> model = Optional.empty();
        Optional<String> vendor = Optional.empty();
        int processors = 0;
        Set<String> packages = new HashSet<>();
        Set<String> cores = new HashSet<>();
        Set<String> flags = new HashSet<>();
        String physical = "";
        Optional<Double> cpuMhz = Optional.empty();
        boolean hypervisor = false;
        for (String line : lines(root.resolve("proc/cpuinfo"))) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "processor" -> processors++;
                case "model name" -> model = model.isPresent() || value.isEmpty() ? model : Optional.of(value);
                case "vendor_id" -> vendor = vendor.isPresent() ? vendor : Optional.of(value);
                case "physical id" -> {
                    packages.add(value);
                    physical = value;
                }
                case "core id" -> cores.add(physical + ":" + value);
                case "cpu MHz" -> cpuMhz = cpuMhz.isPresent() ? cpuMhz : parseDouble(value);
                case "flags", "Features" -> {
                    hypervisor |= (" " + value + " ").contains(" hypervisor ");
                    for (String f : value.split("\\s+")) {
                        if (VECTOR_FLAGS.contains(f)) {
                            flags.add(f);
                        }
                    }
                }
                default -> {
                }
            }
        }
        Optional<Double> maxMhz = firstLine(root.resolve("sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"))
                .flatMap(EnvironmentCapture::parseDouble).map(khz -> khz / 1000);
        if (maxMhz.isEmpty()) {
            java.util.regex.Matcher ghz = BRAND_GHZ.matcher(model.orElse(""));
            maxMhz = ghz.find() ? parseDouble(ghz.group(1)).map(g -> g * 1000) : cpuMhz;
        }
        Optional<Integer> physicalCores = !cores.isEmpty() ? Optional.of(cores.size())
                : processors > 0 ? Optional.of(processors) : Optional.empty();
        List<String> vector = VECTOR_FLAGS.stream().filter(flags::contains).toList();
        return new EnvironmentInfo.Cpu(model, Runtime.getRuntime().availableProcessors(),
                firstLine(root.resolve("sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")), vendor,
                processors > 0 ? Optional.of(processors) : Optional.empty(),
                packages.isEmpty() ? Optional.empty() : Optional.of(packages.size()), hypervisor, physicalCores,
                maxMhz, vector);
    }

    /** The vector instruction sets recorded for the CPU's peak (x86 and Arm). */
    static final List<String> VECTOR_FLAGS = List.of("sse2", "avx", "fma", "avx2", "avx512f", "avx512_bf16",
            "avx512_fp16", "amx_bf16", "amx_tile", "asimd", "sve");
    private static final java.util.regex.Pattern BRAND_GHZ = java.util.regex.Pattern.compile("@\\s*([0-9.]+)\\s*GHz");

    private static Optional<Double> parseDouble(String s) {
        try {
            return Optional.of(Double.parseDouble(s.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Installed memory (MemTotal of /proc/meminfo), bytes, if readable.
     *
     * @param root the folder standing for {@code /}
     * @return the installed memory, bytes; empty when unreadable
     */
    public static Optional<Long> memTotal(Path root) {
        OptionalLong b = SysFiles.kibField(root.resolve("proc/meminfo"), "MemTotal");
        return b.isPresent() ? Optional.of(b.getAsLong()) : Optional.empty();
    }

    /**
     * Container detection: {@code /.dockerenv}, {@code /run/.containerenv} (Podman), container runtimes in
     * the cgroup paths of PID 1 and of this process, or the {@code container} and
     * {@code KUBERNETES_SERVICE_HOST} environment variables; plus the cgroup's CPU and memory limits
     * (cgroup v2, else v1), which apply with or without a detected container.
     *
     * @param root the folder standing for {@code /}
     * @param env the environment variables
     * @return the container's detection and limits
     */
    public static EnvironmentInfo.Container container(Path root, Map<String, String> env) {
        String evidence = "";
        Optional<String> runtime = Optional.empty();
        if (env.containsKey("KUBERNETES_SERVICE_HOST")) {
            evidence = "KUBERNETES_SERVICE_HOST is set";
            runtime = Optional.of("kubernetes");
        } else if (Files.exists(root.resolve(".dockerenv"))) {
            evidence = "/.dockerenv exists";
            runtime = Optional.of("docker");
        } else if (Files.exists(root.resolve("run/.containerenv"))) {
            evidence = "/run/.containerenv exists";
            runtime = Optional.of("podman");
        }
        if (evidence.isEmpty()) {
            outer:
            for (String file : List.of("proc/1/cgroup", "proc/self/cgroup")) {
                for (String line : lines(root.resolve(file))) {
                    for (String marker : CGROUP_MARKERS) {
                        if (line.contains(marker)) {
                            evidence = "/" + file + " mentions " + marker;
                            runtime = Optional.of(marker.equals("kubepods") ? "kubernetes"
                                    : marker.equals("libpod") ? "podman" : marker);
                            break outer;
                        }
                    }
                }
            }
        }
        if (evidence.isEmpty() && env.get("container") != null && !env.get("container").isBlank()) {
            evidence = "the container environment variable is " + env.get("container");
            runtime = Optional.of(env.get("container"));
        }
        Path cg = cgroupDir(root);
        return new EnvironmentInfo.Container(!evidence.isEmpty(), evidence, runtime, cpuLimit(root, cg),
                memoryLimit(root, cg));
    }

    /** This process's cgroup v2 directory under {@code root}/sys/fs/cgroup (the root when unknown). */
    private static Path cgroupDir(Path root) {
        Path base = root.resolve("sys/fs/cgroup");
        for (String line : lines(root.resolve("proc/self/cgroup"))) {
            if (line.startsWith("0::")) {
                String rel = line.substring(3).replaceFirst("^/+", "");
                Path p = rel.isEmpty() ? base : base.resolve(rel).normalize();
                if (p.startsWith(base) && Files.exists(p.resolve("cpu.max"))) {
                    return p;
                }
            }
        }
        return base;
    }

    private static Optional<Double> cpuLimit(Path root, Path cg) {
        Optional<String> max = firstLine(cg.resolve("cpu.max"));
        try {
            if (max.isPresent()) {
                String[] parts = max.get().split("\\s+");
                return parts[0].equals("max") ? Optional.empty()
                        : Optional.of(Double.parseDouble(parts[0]) / Double.parseDouble(parts[1]));
            }
            Optional<String> quota = firstLine(root.resolve("sys/fs/cgroup/cpu/cpu.cfs_quota_us"));
            Optional<String> period = firstLine(root.resolve("sys/fs/cgroup/cpu/cpu.cfs_period_us"));
            if (quota.isPresent() && period.isPresent() && !quota.get().startsWith("-")) {
                return Optional.of(Double.parseDouble(quota.get()) / Double.parseDouble(period.get()));
            }
        } catch (RuntimeException e) {
            // unparseable limits are left out
        }
        return Optional.empty();
    }

    private static Optional<Long> memoryLimit(Path root, Path cg) {
        for (Path p : List.of(cg.resolve("memory.max"), root.resolve("sys/fs/cgroup/memory/memory.limit_in_bytes"))) {
            Optional<String> v = firstLine(p);
            if (v.isPresent()) {
                try {
                    long bytes = Long.parseLong(v.get());
                    return bytes >= NO_MEMORY_LIMIT ? Optional.empty() : Optional.of(bytes);
                } catch (NumberFormatException e) {
                    return Optional.empty(); // "max"
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> firstLine(Path p) {
        return SysFiles.firstLine(p);
    }

    private static List<String> lines(Path p) {
        return SysFiles.lines(p);
    }

    private static final String LEM_VERSION = readLemVersion();

    /** {@return LEM's version from its build ({@code dev/lem/lem-version.properties}), or {@code unknown}} */
    public static String lemVersion() {
        return LEM_VERSION;
    }

    private static String readLemVersion() {
        try (java.io.InputStream in = EnvironmentCapture.class.getResourceAsStream("/dev/lem/lem-version.properties")) {
            if (in == null) {
                return "unknown";
            }
            java.util.Properties p = new java.util.Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
