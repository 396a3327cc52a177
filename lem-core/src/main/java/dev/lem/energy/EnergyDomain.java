package dev.lem.energy;

import java.util.Objects;

/**
 * One thing whose energy is reported, e.g. {@code gpu[0]}, {@code cpu.package[1]}, {@code dram[0]},
 * {@code ram}.
 *
 * @param id     stable identifier within a result, e.g. {@code "gpu[0]"}, {@code "cpu.package[0]"}
 * @param kind   {@code gpu}, {@code cpu}, {@code dram}, {@code ram}, {@code psys} or {@code module}
 * @param device hardware identity where there is one (GPU UUID, package index), else empty
 * @param scope  how readings from several processes are merged
 * @param method how the figure is obtained
 * @param meter  name of the meter that reports it
 * @param use    whether the measured workload runs on it (only those domains count in the energy figures);
 *               {@link DomainUse#WORKLOAD} when not given (results written before LEM told them apart)
 */
public record EnergyDomain(String id, String kind, String device, DomainScope scope, MeasurementMethod method,
        String meter, DomainUse use) {
    /**
     * Checks that the other components are set; a {@code null} use becomes {@link DomainUse#WORKLOAD}.
     *
     * @param id stable identifier within a result
     * @param kind {@code gpu}, {@code cpu}, {@code dram}, {@code ram}, {@code psys} or {@code module}
     * @param device hardware identity where there is one, else empty
     * @param scope how readings from several processes are merged
     * @param method how the figure is obtained
     * @param meter name of the meter that reports it
     * @param use whether the measured workload runs on it
     */
    public EnergyDomain {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(meter, "meter");
        use = use == null ? DomainUse.WORKLOAD : use;
    }

    /**
     * A domain the workload uses (CPU, memory, the model's device).
     *
     * @param id stable identifier within a result
     * @param kind {@code gpu}, {@code cpu}, {@code dram}, {@code ram}, {@code psys} or {@code module}
     * @param device hardware identity where there is one, else empty
     * @param scope how readings from several processes are merged
     * @param method how the figure is obtained
     * @param meter name of the meter that reports it
     */
    public EnergyDomain(String id, String kind, String device, DomainScope scope, MeasurementMethod method,
            String meter) {
        this(id, kind, device, scope, method, meter, DomainUse.WORKLOAD);
    }

    /** {@return true when the workload uses it, so it counts in the energy figures} */
    public boolean usedByWorkload() {
        return use == DomainUse.WORKLOAD;
    }

    /**
     * A copy with another id (merging processes renames clashing domains).
     *
     * @param newId the new id
     * @return the copy
     */
    public EnergyDomain withId(String newId) {
        return new EnergyDomain(newId, kind, device, scope, method, meter, use);
    }

    /**
     * A copy with another use (a device several processes share is used when any of them uses it).
     *
     * @param newUse the new use
     * @return the copy
     */
    public EnergyDomain withUse(DomainUse newUse) {
        return new EnergyDomain(id, kind, device, scope, method, meter, newUse);
    }
}
