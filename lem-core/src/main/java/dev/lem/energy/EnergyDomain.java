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
 */
public record EnergyDomain(String id, String kind, String device, DomainScope scope, MeasurementMethod method,
        String meter) {
    public EnergyDomain {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(meter, "meter");
    }
}
