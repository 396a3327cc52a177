package dev.lem.result;

import dev.lem.config.WarmupMode;
import java.util.List;
import java.util.Optional;

/**
 * What warm-up did (never measured).
 *
 * @param mode       how warm-up decided it was done
 * @param runs       warm-up runs done
 * @param converged  converge mode: the latency CV reached the threshold; fixed mode: true
 * @param finalCv    CV of the last window of latencies, when computed
 * @param latenciesMs latency of each warm-up run, ms
 * @param stopReason why warm-up stopped
 * @param measurement how long warm-up took and, with meters, its energy (reported, never part of a cycle)
 */
public record WarmupResult(WarmupMode mode, int runs, boolean converged, Optional<Double> finalCv,
        List<Double> latenciesMs, String stopReason, Optional<PhaseMeasurement> measurement) {
    /**
     * Copies the latencies; a {@code null} measurement becomes empty.
     *
     * @param mode how warm-up decided it was done
     * @param runs warm-up runs done
     * @param converged converge mode: the latency CV reached the threshold; fixed mode: true
     * @param finalCv CV of the last window of latencies, when computed
     * @param latenciesMs latency of each warm-up run, ms
     * @param stopReason why warm-up stopped
     * @param measurement how long warm-up took and, with meters, its energy
     */
    public WarmupResult {
        latenciesMs = List.copyOf(latenciesMs);
        measurement = measurement == null ? Optional.empty() : measurement;
    }

    /**
     * A copy carrying warm-up's time and energy.
     *
     * @param m warm-up's time and energy, when measured
     * @return the copy
     */
    public WarmupResult withMeasurement(Optional<PhaseMeasurement> m) {
        return new WarmupResult(mode, runs, converged, finalCv, latenciesMs, stopReason, m);
    }

    /** e.g. {@code warm-up: 5 runs, converged (latency CV 0.031 <= 0.050 over the last 5 runs)}. */
    @Override
    public String toString() {
        return "warm-up: " + runs + " run" + (runs == 1 ? "" : "s") + ", " + (converged ? "" : "not converged: ")
                + stopReason + measurement.map(m -> "; " + m).orElse("");
    }
}
