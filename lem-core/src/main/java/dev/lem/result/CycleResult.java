package dev.lem.result;

import dev.lem.energy.ThrottleSummary;
import dev.lem.flops.FlopsEstimate;
import dev.lem.metrics.CycleMetrics;
import java.util.List;
import java.util.Optional;

/**
 * One cycle, merged over processes.
 *
 * @param cycle        cycle index
 * @param processes    ranks that contributed
 * @param metrics      throughput and latency from the pooled raw timelines
 * @param energy       merged energy, when any meter was available
 * @param carbonGrams  gCO2e of the cycle, when energy and an intensity are known
 * @param flops        Σ FLOPs over processes, with the estimator named
 * @param throttle     throttling seen (worst over processes)
 * @param peakRssBytes max peak RSS over processes
 * @param memoryTrafficBytes estimated bytes read from device memory (weights and KV cache per forward pass,
 *                     {@link dev.lem.flops.MemoryTraffic}), for MBU; absent for served models
 * @param warnings     warnings of the processes' cycles
 */
public record CycleResult(int cycle, List<Integer> processes, CycleMetrics metrics, Optional<CycleEnergy> energy,
        Optional<Double> carbonGrams, Optional<FlopsEstimate> flops, Optional<ThrottleSummary> throttle,
        Optional<Long> peakRssBytes, Optional<Double> memoryTrafficBytes, List<String> warnings) {
    public CycleResult {
        processes = List.copyOf(processes);
        warnings = List.copyOf(warnings);
    }
}
