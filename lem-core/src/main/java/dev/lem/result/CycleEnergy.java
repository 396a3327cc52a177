package dev.lem.result;

import dev.lem.energy.DomainEnergy;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Energy of one cycle merged over processes: device domains once per device, machine domains once per
 * host (from the lowest-ranked process there), process domains summed. The figures count the domains the workload
 * uses; measured devices it does not use are kept in {@code domains} and summed apart in {@code notUsedJoules}.
 *
 * @param domains            merged domains, each with its method and whether the workload uses it
 * @param totalJoules        Σ raw joules of the workload's domains, whatever their method (see {@code basis})
 * @param adjustedJoules     Σ baseline-adjusted joules of the workload's domains, when each has a baseline
 * @param joulesByKind       raw joules of the workload's domains by kind (gpu, cpu, dram, ram, ...)
 * @param basis              methods of the workload's domains, e.g. {@code "measured: gpu; estimated: cpu, ram"}
 * @param notes              merge decisions and caveats
 * @param measuredJoules     Σ raw joules of the workload's domains read from hardware counters only (method
 *                           measured), when there is at least one
 * @param notUsedJoules      Σ raw joules of the measured devices the workload does not use (never in the totals)
 * @param baselineDisturbed  why the idle baseline behind {@code adjustedJoules} was not taken at idle, when so
 */
public record CycleEnergy(List<DomainEnergy> domains, double totalJoules, Optional<Double> adjustedJoules,
        Map<String, Double> joulesByKind, String basis, List<String> notes, Optional<Double> measuredJoules,
        double notUsedJoules, Optional<String> baselineDisturbed) {
    /**
     * Copies the domains, the map and the notes; {@code null} notes, measured joules or baseline mark become empty.
     *
     * @param domains merged domains
     * @param totalJoules the sum of raw joules of the workload's domains, J
     * @param adjustedJoules the sum of baseline-adjusted joules of the workload's domains, J, when each has a
     *                       baseline
     * @param joulesByKind raw joules of the workload's domains by kind
     * @param basis methods of the workload's domains
     * @param notes merge decisions and caveats
     * @param measuredJoules the sum of raw joules read from hardware counters only, J, when there is at least one
     * @param notUsedJoules the sum of raw joules of the measured devices the workload does not use, J
     * @param baselineDisturbed why the idle baseline was not taken at idle, when so
     */
    public CycleEnergy {
        domains = List.copyOf(domains);
        joulesByKind = Map.copyOf(joulesByKind);
        notes = notes == null ? List.of() : List.copyOf(notes);
        measuredJoules = measuredJoules == null ? Optional.empty() : measuredJoules;
        baselineDisturbed = baselineDisturbed == null ? Optional.empty() : baselineDisturbed;
    }

    /**
     * A cycle whose domains the workload all uses, with an undisturbed (or no) baseline.
     *
     * @param domains merged domains
     * @param totalJoules the sum of raw joules of the workload's domains, J
     * @param adjustedJoules the sum of baseline-adjusted joules of the workload's domains, J, when each has a
     *                       baseline
     * @param joulesByKind raw joules of the workload's domains by kind
     * @param basis methods of the workload's domains
     * @param notes merge decisions and caveats
     */
    public CycleEnergy(List<DomainEnergy> domains, double totalJoules, Optional<Double> adjustedJoules,
            Map<String, Double> joulesByKind, String basis, List<String> notes) {
        this(domains, totalJoules, adjustedJoules, joulesByKind, basis, notes, Optional.empty(), 0,
                Optional.empty());
    }

    /** e.g. {@code 45.6 J (measured: gpu; estimated: cpu, ram), idle-adjusted 12.3 J; not used: 80.1 J}. */
    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%.4g J (%s)", totalJoules, basis)
                + adjustedJoules.map(a -> String.format(java.util.Locale.ROOT, ", idle-adjusted %.4g J", a)
                        + baselineDisturbed.map(r -> " (baseline disturbed)").orElse("")).orElse("")
                + (notUsedJoules > 0 ? String.format(java.util.Locale.ROOT, "; not used by the workload: %.4g J",
                        notUsedJoules) : "");
    }
}
