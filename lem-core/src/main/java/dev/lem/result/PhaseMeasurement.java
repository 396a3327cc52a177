package dev.lem.result;

import dev.lem.energy.EnergyMeasurement;
import java.util.Optional;

/**
 * A timed (and, with meters, metered) step outside the measured cycles: model load or unload.
 *
 * @param durationNanos how long it took, ns
 * @param energy        its energy, when meters were available
 */
public record PhaseMeasurement(long durationNanos, Optional<EnergyMeasurement> energy) {

    /** e.g. {@code 1.23 s, 45.6 J} (or {@code 1.23 s, not metered}). */
    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%.3g s, ", durationNanos / 1e9)
                + energy.map(e -> String.format(java.util.Locale.ROOT, "%.4g J", e.totalJoules())).orElse("not metered");
    }
}
