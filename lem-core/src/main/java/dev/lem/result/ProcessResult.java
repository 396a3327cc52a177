package dev.lem.result;

import dev.lem.energy.EnergyMeasurement;
import dev.lem.flops.FlopsEstimate;
import dev.lem.env.Placement;
import dev.lem.metrics.RequestRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The raw result of one cycle in one process, written to
 * {@code raw/<id>/cycle_<c>/process_<rank>.json} the moment the cycle ends.
 *
 * @param schemaVersion  results schema version
 * @param experimentId   the experiment
 * @param cycle          cycle index (0-based)
 * @param rank           process rank
 * @param host           host name (machine-wide energy is counted once per host)
 * @param startedAt      wall-clock time of the cycle's start (origin of every request's nanos)
 * @param durationNanos  the cycle's length in this process, ns
 * @param requests       every request's raw timeline (warm-up excluded)
 * @param energy         the cycle's energy window, when meters were available
 * @param phaseEnergy    energy per backend phase (prefill, decode), summed over the cycle
 * @param phaseNanos     time per backend phase, summed over the cycle, ns
 * @param counters       backend counters (e.g. flops.prefill, tokens.padding)
 * @param flops          the cycle's FLOPs from the best available estimator
 * @param peakRssBytes   peak resident memory of the process so far, bytes
 * @param timeseriesFile the time-series CSV next to this file, when written
 * @param warnings       things the user should know about this cycle
 * @param placement      where the cycle ran: host, process, Slurm job and array task, devices (absent in files
 *                       written before it was recorded)
 */
public record ProcessResult(
        int schemaVersion,
        String experimentId,
        int cycle,
        int rank,
        String host,
        Instant startedAt,
        long durationNanos,
        List<RequestRecord> requests,
        Optional<EnergyMeasurement> energy,
        Map<String, EnergyMeasurement> phaseEnergy,
        Map<String, Long> phaseNanos,
        Map<String, Double> counters,
        Optional<FlopsEstimate> flops,
        Optional<Long> peakRssBytes,
        Optional<String> timeseriesFile,
        List<String> warnings,
        Optional<Placement> placement) {

    /**
     * Checks that the experiment and host are set and copies the lists and maps.
     *
     * @param schemaVersion results schema version
     * @param experimentId the experiment
     * @param cycle cycle index (0-based)
     * @param rank process rank
     * @param host host name
     * @param startedAt wall-clock time of the cycle's start
     * @param durationNanos the cycle's length in this process, ns
     * @param requests every request's raw timeline (warm-up excluded)
     * @param energy the cycle's energy window, when meters were available
     * @param phaseEnergy energy per backend phase, summed over the cycle
     * @param phaseNanos time per backend phase, summed over the cycle, ns
     * @param counters backend counters
     * @param flops the cycle's FLOPs from the best available estimator
     * @param peakRssBytes peak resident memory of the process so far, bytes
     * @param timeseriesFile the time-series CSV next to this file, when written
     * @param warnings things the user should know about this cycle
     * @param placement where the cycle ran; empty or {@code null} when not recorded
     */
    public ProcessResult {
        placement = placement == null ? Optional.empty() : placement;
        Objects.requireNonNull(experimentId, "experimentId");
        Objects.requireNonNull(host, "host");
        requests = List.copyOf(requests);
        phaseEnergy = Map.copyOf(phaseEnergy);
        phaseNanos = Map.copyOf(phaseNanos);
        counters = Map.copyOf(counters);
        warnings = List.copyOf(warnings);
    }

    /**
     * A result without a placement (recorders outside a campaign or a runner that know only the host).
     *
     * @param schemaVersion results schema version
     * @param experimentId the experiment
     * @param cycle cycle index (0-based)
     * @param rank process rank
     * @param host host name
     * @param startedAt wall-clock time of the cycle's start
     * @param durationNanos the cycle's length in this process, ns
     * @param requests every request's raw timeline (warm-up excluded)
     * @param energy the cycle's energy window, when meters were available
     * @param phaseEnergy energy per backend phase, summed over the cycle
     * @param phaseNanos time per backend phase, summed over the cycle, ns
     * @param counters backend counters
     * @param flops the cycle's FLOPs from the best available estimator
     * @param peakRssBytes peak resident memory of the process so far, bytes
     * @param timeseriesFile the time-series CSV next to this file, when written
     * @param warnings things the user should know about this cycle
     */
    public ProcessResult(int schemaVersion, String experimentId, int cycle, int rank, String host, Instant startedAt,
            long durationNanos, List<RequestRecord> requests, Optional<EnergyMeasurement> energy,
            Map<String, EnergyMeasurement> phaseEnergy, Map<String, Long> phaseNanos, Map<String, Double> counters,
            Optional<FlopsEstimate> flops, Optional<Long> peakRssBytes, Optional<String> timeseriesFile,
            List<String> warnings) {
        this(schemaVersion, experimentId, cycle, rank, host, startedAt, durationNanos, requests, energy, phaseEnergy,
                phaseNanos, counters, flops, peakRssBytes, timeseriesFile, warnings, Optional.empty());
    }

    /** One line: which cycle and process, how many requests, the energy window. */
    @Override
    public String toString() {
        long ok = requests.stream().filter(dev.lem.metrics.RequestRecord::ok).count();
        return "cycle " + (cycle + 1) + " of " + experimentId + ", rank " + rank + " on " + host + ": " + ok + " of "
                + requests.size() + " requests ok in " + String.format(java.util.Locale.ROOT, "%.3g s", durationNanos / 1e9)
                + energy.map(e -> "; " + e).orElse("; no energy meter");
    }
}
