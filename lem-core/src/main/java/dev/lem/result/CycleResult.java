package dev.lem.result;

import dev.lem.energy.ThrottleSummary;
import dev.lem.flops.FlopsEstimate;
import dev.lem.metrics.CycleMetrics;
import dev.lem.metrics.RequestEnergy;
import java.util.List;
import java.util.Map;
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
 * @param failureReasons the commonest reasons requests failed (at most {@value #MAX_FAILURE_REASONS}), each with
 *                     how many requests failed for it, commonest first; empty when none failed
 * @param phaseSplit   the cycle's energy apportioned between prefill and decode by the engine's own phase time
 *                     (served engines that expose it); absent when the engine does not, or no energy was measured
 * @param requestEnergy the cycle's energy divided among its requests by their share of in-flight token-time
 *                     ({@link dev.lem.metrics.EnergyAttribution}), when energy was measured and a request completed
 */
public record CycleResult(int cycle, List<Integer> processes, CycleMetrics metrics, Optional<CycleEnergy> energy,
        Optional<Double> carbonGrams, Optional<FlopsEstimate> flops, Optional<ThrottleSummary> throttle,
        Optional<Long> peakRssBytes, Optional<Double> memoryTrafficBytes, List<String> warnings,
        Map<String, Integer> failureReasons, Optional<PhaseSplit> phaseSplit, Optional<RequestEnergy> requestEnergy) {
    /** How many failure reasons a cycle keeps. */
    public static final int MAX_FAILURE_REASONS = 5;

    /**
     * Copies the lists and the failure reasons, keeping their order; {@code null} failure reasons become empty.
     *
     * @param cycle cycle index
     * @param processes ranks that contributed
     * @param metrics throughput and latency from the pooled raw timelines
     * @param energy merged energy, when any meter was available
     * @param carbonGrams gCO2e of the cycle, when energy and an intensity are known
     * @param flops the sum of FLOPs over processes, with the estimator named
     * @param throttle throttling seen
     * @param peakRssBytes max peak RSS over processes, bytes
     * @param memoryTrafficBytes estimated bytes read from device memory; absent for served models
     * @param warnings warnings of the processes' cycles
     * @param failureReasons the commonest reasons requests failed, each with how many requests failed for it
     * @param phaseSplit the energy apportioned between prefill and decode; absent when unknown
     * @param requestEnergy the cycle's energy divided among its requests; {@code null} means not computed
     */
    public CycleResult {
        phaseSplit = phaseSplit == null ? Optional.empty() : phaseSplit;
        processes = List.copyOf(processes);
        warnings = List.copyOf(warnings);
        failureReasons = failureReasons == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(failureReasons));
        requestEnergy = requestEnergy == null ? Optional.empty() : requestEnergy;
    }

    /**
     * A cycle without a prefill/decode split or an energy attribution per request.
     *
     * @param cycle cycle index
     * @param processes ranks that contributed
     * @param metrics throughput and latency from the pooled raw timelines
     * @param energy merged energy, when any meter was available
     * @param carbonGrams gCO2e of the cycle, when energy and an intensity are known
     * @param flops the sum of FLOPs over processes, with the estimator named
     * @param throttle throttling seen
     * @param peakRssBytes max peak RSS over processes, bytes
     * @param memoryTrafficBytes estimated bytes read from device memory; absent for served models
     * @param warnings warnings of the processes' cycles
     * @param failureReasons the commonest reasons requests failed, each with how many requests failed for it
     */
    public CycleResult(int cycle, List<Integer> processes, CycleMetrics metrics, Optional<CycleEnergy> energy,
            Optional<Double> carbonGrams, Optional<FlopsEstimate> flops, Optional<ThrottleSummary> throttle,
            Optional<Long> peakRssBytes, Optional<Double> memoryTrafficBytes, List<String> warnings,
            Map<String, Integer> failureReasons) {
        this(cycle, processes, metrics, energy, carbonGrams, flops, throttle, peakRssBytes, memoryTrafficBytes,
                warnings, failureReasons, Optional.empty(), Optional.empty());
    }

    /** {@return failed requests ÷ requests sent (0 when none were sent)} */
    public double failureRate() {
        return metrics.requests() == 0 ? 0 : (double) metrics.failed() / metrics.requests();
    }

    /**
     * Whether requests were sent and none succeeded: the cycle is then left out of the summary. A window measured
     * without requests (a JMH iteration, a JUnit test, code measured with {@code EnergyMeters}) has not failed.
     *
     * @return whether every request sent failed
     */
    public boolean failedEntirely() {
        return metrics.requests() > 0 && metrics.completed() == 0;
    }

    /**
     * The commonest failure reasons as {@code "reason (n)"}, at most {@code limit}.
     *
     * @param limit the most reasons to return
     * @return the reasons, commonest first
     */
    public List<String> commonestFailures(int limit) {
        return failureReasons.entrySet().stream().limit(limit).map(e -> e.getKey() + " (" + e.getValue() + ")")
                .toList();
    }

    /**
     * One line, e.g. {@code cycle 2: 32 of 32 requests, 1024 output tokens in 12.3 s; 45.6 J (estimated: cpu, ram)}
     * (cycles counted from 1, as the progress and messages count them).
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("cycle " + (cycle + 1) + ": " + metrics.completed() + " of "
                + metrics.requests() + " requests, " + metrics.outputTokens() + " output tokens in "
                + String.format(java.util.Locale.ROOT, "%.3g s", metrics.durationS()));
        if (metrics.failed() > 0) {
            s.append(", ").append(metrics.failed()).append(" failed");
        }
        energy.ifPresent(e -> s.append("; ").append(String.format(java.util.Locale.ROOT, "%.4g J", e.totalJoules()))
                .append(" (").append(e.basis()).append(')'));
        if (!warnings.isEmpty()) {
            s.append("; ").append(warnings.size()).append(" warning").append(warnings.size() == 1 ? "" : "s");
        }
        return s.toString();
    }
}
