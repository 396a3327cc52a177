package dev.lem.energy;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Who an energy domain belongs to, which decides how processes' readings are merged.
 * Machine-wide domains (a CPU package, DRAM, the whole RAM) are counted once per host — from the
 * lowest-ranked process on that host — never once per process.
 */
public enum DomainScope {
    /** One accelerator, identified by its UUID; merged across processes by device id. */
    DEVICE,
    /** Shared by every process on the host (CPU package, DRAM, RAM, psys). */
    MACHINE,
    /** Attributable to this process alone. */
    PROCESS;

    /** {@return the label in results files: the name in lower case, e.g. {@code machine}} */
    @JsonValue
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
