package dev.lem.energy;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Energy over one named window (a cycle, the model load, a prefill phase, the idle baseline).
 *
 * @param window             the window's name
 * @param durationNanos      the window's length, ns
 * @param domains            energy per domain, each labelled with its method and whether the workload uses it
 * @param throttle           throttling seen during the window, when telemetry was sampled
 * @param notes              caveats (counter scope, estimate inputs, meters that failed mid-window)
 * @param baselineDisturbed  why the idle baseline behind the adjusted figures was not taken at idle, when it was
 *                           not (the adjusted figures carry this mark)
 */
public record EnergyMeasurement(String window, long durationNanos, List<DomainEnergy> domains,
        Optional<ThrottleSummary> throttle, List<String> notes, Optional<String> baselineDisturbed) {
    /**
     * Copies the domains and notes; {@code null} {@code throttle}, {@code notes} or {@code baselineDisturbed} become
     * empty.
     *
     * @param window the window's name
     * @param durationNanos the window's length, ns
     * @param domains energy per domain
     * @param throttle throttling seen during the window, when telemetry was sampled
     * @param notes caveats
     * @param baselineDisturbed why the idle baseline was not taken at idle, when it was not
     */
    public EnergyMeasurement {
        Objects.requireNonNull(window, "window");
        domains = List.copyOf(domains);
        throttle = throttle == null ? Optional.empty() : throttle;
        notes = notes == null ? List.of() : List.copyOf(notes);
        baselineDisturbed = baselineDisturbed == null ? Optional.empty() : baselineDisturbed;
    }

    /**
     * A measurement whose baseline (if any) was taken at idle.
     *
     * @param window the window's name
     * @param durationNanos the window's length, ns
     * @param domains energy per domain
     * @param throttle throttling seen during the window, when telemetry was sampled
     * @param notes caveats
     */
    public EnergyMeasurement(String window, long durationNanos, List<DomainEnergy> domains,
            Optional<ThrottleSummary> throttle, List<String> notes) {
        this(window, durationNanos, domains, throttle, notes, Optional.empty());
    }

    /**
     * Σ raw joules over the domains the workload uses (domains never overlap: meters report disjoint domains).
     * Devices the workload does not use are left out: see {@link #notUsedJoules()}.
     *
     * @return the joules, J
     */
    public double totalJoules() {
        return domains.stream().filter(d -> d.domain().usedByWorkload()).mapToDouble(DomainEnergy::joules).sum();
    }

    /**
     * {@return the sum of raw joules of the measured devices the workload does not use, J (0 when there are none)}
     */
    public double notUsedJoules() {
        return domains.stream().filter(d -> !d.domain().usedByWorkload()).mapToDouble(DomainEnergy::joules).sum();
    }

    /** {@return the domains the workload uses} */
    public List<DomainEnergy> workloadDomains() {
        return domains.stream().filter(d -> d.domain().usedByWorkload()).toList();
    }

    /** {@return the window's length in seconds} */
    public double durationSeconds() {
        return durationNanos / 1e9;
    }

    /**
     * One line, e.g. {@code prefill: 12.34 J over 1.502 s (cpu.package[0] 10.2 J measured; ram 2.14 J estimated)},
     * with the devices the workload does not use after it: {@code ; not used by the workload: gpu[0] 81.2 J measured}.
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(window).append(": ").append(DomainEnergy.fmt(totalJoules())).append(" J over ")
                .append(DomainEnergy.fmt(durationSeconds())).append(" s");
        List<DomainEnergy> used = workloadDomains();
        List<DomainEnergy> other = domains.stream().filter(d -> !d.domain().usedByWorkload()).toList();
        if (!used.isEmpty()) {
            s.append(" (").append(String.join("; ", used.stream().map(DomainEnergy::toString).toList())).append(')');
        } else {
            s.append(" (no energy domain)");
        }
        if (!other.isEmpty()) {
            s.append("; not used by the workload: ")
                    .append(String.join("; ", other.stream().map(DomainEnergy::toString).toList()));
        }
        baselineDisturbed.ifPresent(r -> s.append("; idle baseline disturbed: ").append(r));
        return s.toString();
    }

    /**
     * The domain with this id, if measured.
     *
     * @param id the domain's id
     * @return the domain's energy; empty when not measured
     */
    public Optional<DomainEnergy> domain(String id) {
        return domains.stream().filter(d -> d.domain().id().equals(id)).findFirst();
    }
}
