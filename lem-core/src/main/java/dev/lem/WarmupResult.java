package dev.lem;

import java.util.List;
import java.util.Optional;

/**
 * What warm-up did (never measured).
 *
 * @param mode       fixed or converge
 * @param runs       warm-up runs done
 * @param converged  converge mode: the latency CV reached the threshold; fixed mode: true
 * @param finalCv    CV of the last window of latencies, when computed
 * @param latenciesMs latency of each warm-up run, ms
 * @param stopReason why warm-up stopped
 */
public record WarmupResult(String mode, int runs, boolean converged, Optional<Double> finalCv,
        List<Double> latenciesMs, String stopReason) {
    public WarmupResult {
        latenciesMs = List.copyOf(latenciesMs);
    }
}
