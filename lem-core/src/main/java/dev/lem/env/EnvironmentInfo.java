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
 * @param cpu           CPU model, logical cores, frequency governor
 * @param memoryBytes   installed memory, bytes, when known
 * @param container     container detection
 * @param contributions facts added by plug-ins (GPU names, driver, CUDA, server version), by plug-in
 */
public record EnvironmentInfo(String lemVersion, String host, Jvm jvm, Os os, Cpu cpu, Optional<Long> memoryBytes,
        Container container, Map<String, Map<String, String>> contributions) {

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
     */
    public EnvironmentInfo withContribution(String plugin, Map<String, String> facts) {
        java.util.Map<String, Map<String, String>> c = new java.util.TreeMap<>(contributions);
        java.util.Map<String, String> merged = new java.util.TreeMap<>(c.getOrDefault(plugin, Map.of()));
        merged.putAll(facts);
        c.put(plugin, Map.copyOf(merged));
        return new EnvironmentInfo(lemVersion, host, jvm, os, cpu, memoryBytes, container, c);
    }

    /** @param vendor vendor @param version version @param vm VM name @param maxHeapBytes -Xmx */
    public record Jvm(String vendor, String version, String vm, long maxHeapBytes) {
    }

    /** @param name OS name @param version kernel or OS version @param arch architecture */
    public record Os(String name, String version, String arch) {
    }

    /**
     * @param model        CPU model name, when it could be read
     * @param logicalCores logical cores available to the JVM
     * @param governor     cpufreq governor, when readable
     */
    public record Cpu(Optional<String> model, int logicalCores, Optional<String> governor) {
    }

    /**
     * @param detected true when running in a container
     * @param evidence what gave it away (/.dockerenv, cgroup path), or empty
     */
    public record Container(boolean detected, String evidence) {
    }
}
