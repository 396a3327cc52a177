package dev.lem.energy;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Energy over one named window (a cycle, the model load, a prefill phase, the idle baseline).
 *
 * @param window        the window's name
 * @param durationNanos the window's length, ns
 * @param domains       energy per domain, each labelled with its method
 * @param throttle      throttling seen during the window, when telemetry was sampled
 * @param notes         caveats (counter scope, estimate inputs, meters that failed mid-window)
 */
public record EnergyMeasurement(String window, long durationNanos, List<DomainEnergy> domains,
        Optional<ThrottleSummary> throttle, List<String> notes) {
    public EnergyMeasurement {
        Objects.requireNonNull(window, "window");
        domains = List.copyOf(domains);
        Objects.requireNonNull(throttle, "throttle");
        notes = List.copyOf(notes);
    }

    /** Σ raw joules over every domain (domains never overlap: meters report disjoint domains). */
    public double totalJoules() {
        return domains.stream().mapToDouble(DomainEnergy::joules).sum();
    }

    /** The window's length in seconds. */
    public double durationSeconds() {
        return durationNanos / 1e9;
    }

    /**
     * One line, e.g. {@code prefill: 12.34 J over 1.502 s (cpu.package[0] 10.2 J measured; ram 2.14 J estimated)}.
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(window).append(": ").append(DomainEnergy.fmt(totalJoules())).append(" J over ")
                .append(DomainEnergy.fmt(durationSeconds())).append(" s");
        if (!domains.isEmpty()) {
            s.append(" (").append(String.join("; ", domains.stream().map(DomainEnergy::toString).toList())).append(')');
        } else {
            s.append(" (no energy domain)");
        }
        return s.toString();
    }

    /** The domain with this id, if measured. */
    public Optional<DomainEnergy> domain(String id) {
        return domains.stream().filter(d -> d.domain().id().equals(id)).findFirst();
    }
}
