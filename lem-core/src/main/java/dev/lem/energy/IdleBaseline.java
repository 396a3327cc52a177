package dev.lem.energy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Idle power measured before the experiment, with nothing running, and whether the machine really was idle.
 *
 * @param durationNanos      how long idle power was measured, ns
 * @param watts              mean idle power per domain id, W (energy of the idle window ÷ that domain's own interval
 *                           between its two reads)
 * @param measurement        the underlying energy window
 * @param cpuUtilisationPct  the machine's mean CPU utilisation over the window, %, when it was sampled
 * @param gpuUtilisationPct  the highest mean GPU utilisation over the window among the sampled GPUs, %, when sampled
 * @param disturbed          why the baseline was not taken at idle (the machine was busy, or a GPU throttled), when
 *                           so; figures adjusted by it carry this mark
 */
public record IdleBaseline(long durationNanos, Map<String, Double> watts, EnergyMeasurement measurement,
        Optional<Double> cpuUtilisationPct, Optional<Double> gpuUtilisationPct, Optional<String> disturbed) {
    /** The name of the idle measurement window. */
    public static final String WINDOW = "idle_baseline";

    /**
     * Copies the watts; {@code null} utilisations or disturbance become empty.
     *
     * @param durationNanos how long idle power was measured, ns
     * @param watts mean idle power per domain id, W
     * @param measurement the underlying energy window
     * @param cpuUtilisationPct the machine's mean CPU utilisation over the window, %, when it was sampled
     * @param gpuUtilisationPct the highest mean GPU utilisation over the window among the sampled GPUs, %, when
     *                          sampled
     * @param disturbed why the baseline was not taken at idle, when so
     */
    public IdleBaseline {
        watts = Map.copyOf(watts);
        cpuUtilisationPct = cpuUtilisationPct == null ? Optional.empty() : cpuUtilisationPct;
        gpuUtilisationPct = gpuUtilisationPct == null ? Optional.empty() : gpuUtilisationPct;
        disturbed = disturbed == null ? Optional.empty() : disturbed;
    }

    /**
     * A baseline whose conditions were not checked.
     *
     * @param durationNanos how long idle power was measured, ns
     * @param watts mean idle power per domain id, W
     * @param measurement the underlying energy window
     */
    public IdleBaseline(long durationNanos, Map<String, Double> watts, EnergyMeasurement measurement) {
        this(durationNanos, watts, measurement, Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * The baseline of a measured idle window: per domain, its joules ÷ the window's seconds (conditions unchecked).
     *
     * @param idle the idle window's measurement
     * @return the baseline
     */
    public static IdleBaseline of(EnergyMeasurement idle) {
        Map<String, Double> w = new LinkedHashMap<>();
        double s = idle.durationSeconds();
        if (s > 0) {
            idle.domains().forEach(d -> w.put(d.domain().id(), d.joules() / s));
        }
        return new IdleBaseline(idle.durationNanos(), w, idle);
    }
}
