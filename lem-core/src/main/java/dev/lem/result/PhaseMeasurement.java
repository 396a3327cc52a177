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
}
