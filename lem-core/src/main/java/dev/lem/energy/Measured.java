package dev.lem.energy;

import java.util.Objects;

/**
 * A value and the energy of computing it ({@link EnergyMonitor#measure(String, java.util.function.Supplier)}).
 *
 * @param value  what the measured code returned (may be null)
 * @param energy the energy per domain over the computation
 * @param <T>    the value's type
 */
public record Measured<T>(T value, EnergyMeasurement energy) {
    /**
     * Checks that the energy is set.
     *
     * @param value what the measured code returned (may be null)
     * @param energy the energy per domain over the computation
     */
    public Measured {
        Objects.requireNonNull(energy, "energy");
    }
}
