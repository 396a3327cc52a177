package dev.lem.energy;

import com.fasterxml.jackson.annotation.JsonInclude;
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
 * @param host   the host whose hardware it is when that is not the host LEM runs on (a served model's GPU read
 *               from an exporter there, e.g. {@code gpu-node-3}); empty for this host. A remote domain's method is
 *               shown with {@code (remote)}: {@link #methodLabel()}
 */
public record EnergyDomain(String id, String kind, String device, DomainScope scope, MeasurementMethod method,
        String meter, DomainUse use, @JsonInclude(JsonInclude.Include.NON_EMPTY) String host) {
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
     * @param host the host whose hardware it is when not this one; empty (or {@code null}) for this host
     */
    public EnergyDomain {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(meter, "meter");
        use = use == null ? DomainUse.WORKLOAD : use;
        host = host == null ? "" : host;
    }

    /**
     * A domain on this host.
     *
     * @param id stable identifier within a result
     * @param kind {@code gpu}, {@code cpu}, {@code dram}, {@code ram}, {@code psys} or {@code module}
     * @param device hardware identity where there is one, else empty
     * @param scope how readings from several processes are merged
     * @param method how the figure is obtained
     * @param meter name of the meter that reports it
     * @param use whether the measured workload runs on it
     */
    public EnergyDomain(String id, String kind, String device, DomainScope scope, MeasurementMethod method,
            String meter, DomainUse use) {
        this(id, kind, device, scope, method, meter, use, "");
    }

    /** {@return true when the hardware is on another host (read from an exporter there)} */
    public boolean remote() {
        return !host.isEmpty();
    }

    /**
     * {@return how the figure was obtained, as shown: the method's label, followed by {@code (remote)} for another
     * host's hardware, e.g. {@code measured (remote)}}
     */
    public String methodLabel() {
        return remote() ? method.label() + " (remote)" : method.label();
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
        return new EnergyDomain(newId, kind, device, scope, method, meter, use, host);
    }

    /**
     * A copy with another use (a device several processes share is used when any of them uses it).
     *
     * @param newUse the new use
     * @return the copy
     */
    public EnergyDomain withUse(DomainUse newUse) {
        return new EnergyDomain(id, kind, device, scope, method, meter, newUse, host);
    }
}
