package dev.lem.energy;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Idle power measured before the experiment, with nothing running.
 *
 * @param durationNanos how long idle power was measured, ns
 * @param watts         mean idle power per domain id, W (energy of the idle window ÷ its duration)
 * @param measurement   the underlying energy window
 */
public record IdleBaseline(long durationNanos, Map<String, Double> watts, EnergyMeasurement measurement) {
    /** The name of the idle measurement window. */
    public static final String WINDOW = "idle_baseline";

    public IdleBaseline {
        watts = Map.copyOf(watts);
    }

    /** The baseline of a measured idle window: per domain, its joules ÷ its seconds. */
    public static IdleBaseline of(EnergyMeasurement idle) {
        Map<String, Double> w = new LinkedHashMap<>();
        double s = idle.durationSeconds();
        if (s > 0) {
            idle.domains().forEach(d -> w.put(d.domain().id(), d.joules() / s));
        }
        return new IdleBaseline(idle.durationNanos(), w, idle);
    }
}
