package dev.lem.energy;

import java.util.Objects;
import java.util.Optional;

/**
 * Energy of one domain over one measurement window.
 *
 * @param domain         the domain (with its method: measured, integrated, estimated, attributed)
 * @param joules         raw energy over the window, J
 * @param idleWatts      the domain's idle power from the baseline, W, when a baseline was measured
 * @param adjustedJoules raw − idle power × duration, J, when a baseline was measured; may be negative,
 *                       never clamped (see {@code belowIdle})
 * @param belowIdle      true when the adjusted figure is negative: the window drew less than idle
 *                       (noise, or the baseline was taken under load)
 */
public record DomainEnergy(EnergyDomain domain, double joules, Optional<Double> idleWatts,
        Optional<Double> adjustedJoules, boolean belowIdle) {
    public DomainEnergy {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(idleWatts, "idleWatts");
        Objects.requireNonNull(adjustedJoules, "adjustedJoules");
    }
}
