package dev.lem.junit;

import java.util.Locale;

/**
 * A kind of energy domain an {@link EnergyBudget} may be limited to: every domain of that kind counts (all GPUs for
 * {@link #GPU}, every CPU package for {@link #CPU}).
 */
public enum DomainKind {
    /** CPU packages (RAPL {@code cpu.package[N]}) or the CPU estimate ({@code cpu}). */
    CPU,
    /** GPUs and MIG slices (NVML {@code gpu[N]}). */
    GPU,
    /** DRAM measured by RAPL ({@code dram[N]}). */
    DRAM,
    /** RAM estimated from installed memory ({@code ram}). */
    RAM,
    /** The whole platform (RAPL {@code psys}, laptops and client parts). */
    PSYS,
    /** A whole module's counter (Grace Hopper's GPU counter covers the module). */
    MODULE;

    /** {@return the kind as LEM's domains name it ({@code dev.lem.energy.EnergyDomain#kind()}), e.g. {@code gpu}} */
    public String kind() {
        return name().toLowerCase(Locale.ROOT);
    }
}
