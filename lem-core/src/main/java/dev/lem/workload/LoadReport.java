package dev.lem.workload;

import dev.lem.config.TrafficPattern;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one run of a {@link LoadGenerator} did.
 *
 * @param pattern          closed, poisson, gamma or constant
 * @param concurrency      closed loop: requests kept in flight
 * @param ratePerS         open loop: the mean arrival rate asked for, requests/s
 * @param sent             requests sent and recorded (warm-up excluded)
 * @param warmupSent       warm-up requests sent before them and left out of the records
 * @param sendSpanNanos    first to last send of the recorded requests, ns
 * @param achievedRatePerS open loop: (sent − 1) / sendSpan, requests/s (absent for fewer than 2 sends)
 * @param maxInFlight      the most requests in flight at once
 * @param stoppedBy        what ended sending: {@code requests} (every planned request sent),
 *                         {@code traffic.max_requests} or {@code traffic.max_duration_s}
 * @param notes            anything the result should say (requests failed for not finishing, warm-up
 *                         inside the energy window)
 */
public record LoadReport(
        TrafficPattern pattern,
        int concurrency,
        Optional<Double> ratePerS,
        int sent,
        int warmupSent,
        long sendSpanNanos,
        Optional<Double> achievedRatePerS,
        int maxInFlight,
        String stoppedBy,
        List<String> notes) {

    /**
     * Checks that the object components are set and copies the notes.
     *
     * @param pattern closed, poisson, gamma or constant
     * @param concurrency closed loop: requests kept in flight
     * @param ratePerS open loop: the mean arrival rate asked for, requests/s
     * @param sent requests sent and recorded (warm-up excluded)
     * @param warmupSent warm-up requests sent before them and left out of the records
     * @param sendSpanNanos first to last send of the recorded requests, ns
     * @param achievedRatePerS open loop: the rate achieved, requests/s (absent for fewer than 2 sends)
     * @param maxInFlight the most requests in flight at once
     * @param stoppedBy what ended sending
     * @param notes anything the result should say
     */
    public LoadReport {
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(ratePerS, "ratePerS");
        Objects.requireNonNull(achievedRatePerS, "achievedRatePerS");
        Objects.requireNonNull(stoppedBy, "stoppedBy");
        notes = List.copyOf(notes);
    }
}
