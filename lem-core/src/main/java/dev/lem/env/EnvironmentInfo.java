package dev.lem.env;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where an experiment ran, captured at its start and stored in every result.
 *
 * @param lemVersion    LEM's version
 * @param host          host name
 * @param jvm           JVM vendor, version and VM name
 * @param os            OS name, version (kernel) and architecture
 * @param cpu           CPU model, logical cores, frequency governor, sockets, virtualisation
 * @param memoryBytes   installed memory, bytes, when known
 * @param container     container detection and limits
 * @param contributions facts added by plug-ins (GPU names, driver, CUDA, server version), by plug-in
 */
public record EnvironmentInfo(String lemVersion, String host, Jvm jvm, Os os, Cpu cpu, Optional<Long> memoryBytes,
        Container container, Map<String, Map<String, String>> contributions) {

    /**
     * Checks that the required components are set and copies {@code contributions}.
     *
     * @param lemVersion LEM's version
     * @param host host name
     * @param jvm JVM vendor, version and VM name
     * @param os OS name, version (kernel) and architecture
     * @param cpu the CPU
     * @param memoryBytes installed memory, bytes, when known
     * @param container container detection and limits
     * @param contributions facts added by plug-ins, by plug-in
     */
    public EnvironmentInfo {
        Objects.requireNonNull(lemVersion, "lemVersion");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(memoryBytes, "memoryBytes");
        contributions = Map.copyOf(contributions);
    }

    /**
     * A copy with one more plug-in's facts, merged with what a plug-in of the same name already
     * contributed (a meter and a telemetry source may share a name, e.g. {@code nvml}); on the same
     * key the newer fact wins.
     *
     * @param plugin the plug-in's name
     * @param facts the facts, by key
     * @return the copy
     */
    public EnvironmentInfo withContribution(String plugin, Map<String, String> facts) {
        java.util.Map<String, Map<String, String>> c = new java.util.TreeMap<>(contributions);
        java.util.Map<String, String> merged = new java.util.TreeMap<>(c.getOrDefault(plugin, Map.of()));
        merged.putAll(facts);
        c.put(plugin, Map.copyOf(merged));
        return new EnvironmentInfo(lemVersion, host, jvm, os, cpu, memoryBytes, container, c);
    }

    /**
     * The JVM that ran the experiment.
     *
     * @param vendor vendor
     * @param version version
     * @param vm VM name
     * @param maxHeapBytes the maximum heap ({@code -Xmx}), bytes
     */
    public record Jvm(String vendor, String version, String vm, long maxHeapBytes) {
    }

    /**
     * The operating system.
     *
     * @param name OS name
     * @param version kernel release (Linux) or OS version
     * @param arch architecture
     */
    public record Os(String name, String version, String arch) {
    }

    /**
     * The CPU the experiment ran on.
     *
     * @param model        CPU model name ({@code model name} in /proc/cpuinfo), when it could be read
     * @param logicalCores logical cores available to the JVM (after affinity and container limits)
     * @param governor     cpufreq governor of cpu0, when readable
     * @param vendor       {@code vendor_id}, e.g. {@code GenuineIntel}, {@code AuthenticAMD}, when readable
     * @param machineCpus  logical CPUs the OS sees (processors in /proc/cpuinfo), when readable
     * @param sockets      CPU packages (distinct {@code physical id}s), when readable
     * @param hypervisor   true when the CPU reports running under a hypervisor (a virtual machine)
     * @param physicalCores cores (distinct {@code physical id} + {@code core id} pairs; logical CPUs when the OS does
     *                      not say), when readable
     * @param maxMhz       the highest clock: {@code cpuinfo_max_freq} of cpu0, else the brand string's
     *                     {@code @ 2.60GHz}, else {@code cpu MHz}, when any is readable
     * @param vectorFlags  the CPU's vector instruction sets among {@code sse2 avx fma avx2 avx512f avx512_bf16
     *                     avx512_fp16 amx_bf16 amx_tile asimd sve} (from {@code flags} / {@code Features})
     */
    public record Cpu(Optional<String> model, int logicalCores, Optional<String> governor, Optional<String> vendor,
            Optional<Integer> machineCpus, Optional<Integer> sockets, boolean hypervisor,
            Optional<Integer> physicalCores, Optional<Double> maxMhz, java.util.List<String> vectorFlags) {

        /**
         * Checks that the {@code Optional} components are set; a {@code null} core count, clock or vector list
         * becomes empty.
         *
         * @param model CPU model name, when it could be read
         * @param logicalCores logical cores available to the JVM
         * @param governor cpufreq governor of cpu0, when readable
         * @param vendor {@code vendor_id}, when readable
         * @param machineCpus logical CPUs the OS sees, when readable
         * @param sockets CPU packages, when readable
         * @param hypervisor true when the CPU reports running under a hypervisor
         * @param physicalCores cores, when readable
         * @param maxMhz the highest clock, MHz, when readable
         * @param vectorFlags the CPU's vector instruction sets
         */
        public Cpu {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(governor, "governor");
            Objects.requireNonNull(vendor, "vendor");
            Objects.requireNonNull(machineCpus, "machineCpus");
            Objects.requireNonNull(sockets, "sockets");
            physicalCores = physicalCores == null ? Optional.empty() : physicalCores;
            maxMhz = maxMhz == null ? Optional.empty() : maxMhz;
            vectorFlags = vectorFlags == null ? java.util.List.of() : java.util.List.copyOf(vectorFlags);
        }

        /**
         * A CPU without core count, clock and vector sets.
         *
         * @param model CPU model name, when it could be read
         * @param logicalCores logical cores available to the JVM
         * @param governor cpufreq governor of cpu0, when readable
         * @param vendor {@code vendor_id}, when readable
         * @param machineCpus logical CPUs the OS sees, when readable
         * @param sockets CPU packages, when readable
         * @param hypervisor true when the CPU reports running under a hypervisor
         */
        public Cpu(Optional<String> model, int logicalCores, Optional<String> governor, Optional<String> vendor,
                Optional<Integer> machineCpus, Optional<Integer> sockets, boolean hypervisor) {
            this(model, logicalCores, governor, vendor, machineCpus, sockets, hypervisor, Optional.empty(),
                    Optional.empty(), java.util.List.of());
        }

        /**
         * A CPU known only by model, JVM cores and governor.
         *
         * @param model CPU model name, when it could be read
         * @param logicalCores logical cores available to the JVM
         * @param governor cpufreq governor of cpu0, when readable
         */
        public Cpu(Optional<String> model, int logicalCores, Optional<String> governor) {
            this(model, logicalCores, governor, Optional.empty(), Optional.empty(), Optional.empty(), false);
        }
    }

    /**
     * Whether the experiment ran in a container, and the container's limits.
     *
     * @param detected         true when running in a container
     * @param evidence         what gave it away (/.dockerenv, a cgroup path, an environment variable), or empty
     * @param runtime          docker, podman, kubernetes, containerd, lxc, ..., when it can be told
     * @param cpuLimit         CPUs the cgroup quota allows (quota / period), when limited
     * @param memoryLimitBytes the cgroup memory limit, bytes, when limited
     */
    public record Container(boolean detected, String evidence, Optional<String> runtime, Optional<Double> cpuLimit,
            Optional<Long> memoryLimitBytes) {

        /**
         * Checks that the text and {@code Optional} components are set.
         *
         * @param detected true when running in a container
         * @param evidence what gave it away, or empty
         * @param runtime the container runtime, when it can be told
         * @param cpuLimit CPUs the cgroup quota allows, when limited
         * @param memoryLimitBytes the cgroup memory limit, bytes, when limited
         */
        public Container {
            Objects.requireNonNull(evidence, "evidence");
            Objects.requireNonNull(runtime, "runtime");
            Objects.requireNonNull(cpuLimit, "cpuLimit");
            Objects.requireNonNull(memoryLimitBytes, "memoryLimitBytes");
        }

        /**
         * Detection without runtime or limits.
         *
         * @param detected true when running in a container
         * @param evidence what gave it away, or empty
         */
        public Container(boolean detected, String evidence) {
            this(detected, evidence, Optional.empty(), Optional.empty(), Optional.empty());
        }
    }
}
