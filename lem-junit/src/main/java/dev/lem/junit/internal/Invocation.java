package dev.lem.junit.internal;

import dev.lem.energy.DomainEnergy;
import dev.lem.energy.EnergyMeasurement;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The energy of one test invocation.
 *
 * @param energy     the window over the test method's body
 * @param units      units the test counted ({@code EnergyUnits}); 0 when it counted none
 * @param refused    domains whose figure the meter cannot resolve, with the reason, by domain id
 * @param overlapped other test windows that were open at some time during this one
 */
public record Invocation(EnergyMeasurement energy, double units, Map<String, String> refused, int overlapped) {
    public Invocation {
        Objects.requireNonNull(energy, "energy");
        refused = Map.copyOf(refused);
    }

    /** The domains whose figure may be reported. */
    public List<DomainEnergy> reported() {
        return energy.domains().stream().filter(d -> !refused.containsKey(d.domain().id())).toList();
    }
}
