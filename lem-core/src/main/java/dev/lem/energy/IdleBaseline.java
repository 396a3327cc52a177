package dev.lem.energy;

import java.util.Map;

/**
 * Idle power measured before the experiment, with nothing running.
 *
 * @param durationNanos how long idle power was measured, ns
 * @param watts         mean idle power per domain id, W
 * @param measurement   the underlying energy window
 */
public record IdleBaseline(long durationNanos, Map<String, Double> watts, EnergyMeasurement measurement) {
    public IdleBaseline {
        watts = Map.copyOf(watts);
    }
}
