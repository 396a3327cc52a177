package dev.lem.result;

import dev.lem.energy.DomainEnergy;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Energy of one cycle merged over processes: device domains once per device, machine domains once per
 * host (from the lowest-ranked process there), process domains summed.
 *
 * @param domains          merged domains, each with its method
 * @param totalJoules      Σ raw joules
 * @param adjustedJoules   Σ baseline-adjusted joules, when every domain has a baseline
 * @param joulesByKind     raw joules by domain kind (gpu, cpu, dram, ram, ...)
 * @param basis            methods used, e.g. {@code "measured: gpu; estimated: cpu, ram"}
 * @param notes            merge decisions and caveats
 */
public record CycleEnergy(List<DomainEnergy> domains, double totalJoules, Optional<Double> adjustedJoules,
        Map<String, Double> joulesByKind, String basis, List<String> notes) {
    public CycleEnergy {
        domains = List.copyOf(domains);
        joulesByKind = Map.copyOf(joulesByKind);
        notes = List.copyOf(notes);
    }

    /** e.g. {@code 45.6 J (measured: gpu; estimated: cpu, ram), idle-adjusted 12.3 J}. */
    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%.4g J (%s)", totalJoules, basis)
                + adjustedJoules.map(a -> String.format(java.util.Locale.ROOT, ", idle-adjusted %.4g J", a)).orElse("");
    }
}
