package dev.lem.metrics;

import dev.lem.config.SloConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Computes {@link CycleMetrics} from raw request records. */
public final class CycleMetricsCalculator {
    private CycleMetricsCalculator() {
    }

    /**
     * The metrics of one cycle.
     *
     * @param requests  every request of the cycle (all processes), warm-up excluded
     * @param durationS the cycle's duration (first dispatch to last completion), s
     * @param slo       objectives for goodput (absent objectives are not checked; none set: no goodput)
     * @return the cycle's throughput, latency and goodput figures
     */
    public static CycleMetrics compute(List<RequestRecord> requests, double durationS, SloConfig slo) {
        int completed = 0;
        long prompt = 0;
        long output = 0;
        List<Double> ttft = new ArrayList<>();
        List<Double> itl = new ArrayList<>();
        List<Double> tpot = new ArrayList<>();
        List<Double> e2e = new ArrayList<>();
        List<Double> lag = new ArrayList<>();
        int good = 0;
        boolean anySlo = slo.ttftMs().isPresent() || slo.tpotMs().isPresent() || slo.e2eMs().isPresent();
        for (RequestRecord r : requests) {
            r.sendLagNanos().ifPresent(l -> lag.add((double) l));
            if (!r.ok()) {
                continue;
            }
            completed++;
            prompt += r.promptTokens();
            output += r.outputTokens();
            r.ttftNanos().ifPresent(t -> ttft.add((double) t));
            for (int i = 1; i < r.chunkNanos().size(); i++) {
                itl.add((double) (r.chunkNanos().get(i) - r.chunkNanos().get(i - 1)));
            }
            Optional<Double> tp = r.tpotNanos();
            tp.ifPresent(tpot::add);
            e2e.add((double) r.e2eNanos());
            if (anySlo && meets(r, tp, slo)) {
                good++;
            }
        }
        double d = durationS > 0 ? durationS : Double.NaN;
        return new CycleMetrics(requests.size(), completed, requests.size() - completed, prompt, output, durationS,
                completed / d, output / d, (prompt + output) / d,
                LatencyStats.ofNanos(arr(ttft)), LatencyStats.ofNanos(arr(itl)), LatencyStats.ofNanos(arr(tpot)),
                LatencyStats.ofNanos(arr(tpot)), LatencyStats.ofNanos(arr(e2e)), LatencyStats.ofNanos(arr(lag)),
                anySlo ? Optional.of(good / d) : Optional.empty(), sendRate(requests), maxInFlight(requests),
                meanInFlight(requests), anySlo ? Optional.of(good) : Optional.empty());
    }

    /** Requests sent per second: (sent − 1) / (last send − first send); absent for fewer than 2 sends. */
    static Optional<Double> sendRate(List<RequestRecord> requests) {
        if (requests.size() < 2) {
            return Optional.empty();
        }
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (RequestRecord r : requests) {
            first = Math.min(first, r.startNanos());
            last = Math.max(last, r.startNanos());
        }
        return last > first ? Optional.of((requests.size() - 1) / ((last - first) / 1e9)) : Optional.empty();
    }

    /** The most requests between their send and their final event at once (a request ending as another starts: not both). */
    static Optional<Integer> maxInFlight(List<RequestRecord> requests) {
        if (requests.isEmpty()) {
            return Optional.empty();
        }
        long[][] events = new long[2 * requests.size()][];
        int i = 0;
        for (RequestRecord r : requests) {
            events[i++] = new long[] {r.startNanos(), 1};
            events[i++] = new long[] {Math.max(r.startNanos(), r.endNanos()), -1};
        }
        java.util.Arrays.sort(events, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int n = 0;
        int max = 0;
        for (long[] e : events) {
            n += (int) e[1];
            max = Math.max(max, n);
        }
        return Optional.of(max);
    }

    /** Σ (end − send) / (last end − first send): the time-weighted mean of requests in flight. */
    static Optional<Double> meanInFlight(List<RequestRecord> requests) {
        if (requests.isEmpty()) {
            return Optional.empty();
        }
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        double busy = 0;
        for (RequestRecord r : requests) {
            long end = Math.max(r.startNanos(), r.endNanos());
            first = Math.min(first, r.startNanos());
            last = Math.max(last, end);
            busy += end - r.startNanos();
        }
        return last > first ? Optional.of(busy / (last - first)) : Optional.empty();
    }

    private static boolean meets(RequestRecord r, Optional<Double> tpotNanos, SloConfig slo) {
        if (slo.ttftMs().isPresent()
                && (r.ttftNanos().isEmpty() || r.ttftNanos().get() / 1e6 > slo.ttftMs().get())) {
            return false;
        }
        if (slo.tpotMs().isPresent() && tpotNanos.isPresent() && tpotNanos.get() / 1e6 > slo.tpotMs().get()) {
            return false;
        }
        return slo.e2eMs().isEmpty() || r.e2eNanos() / 1e6 <= slo.e2eMs().get();
    }

    private static double[] arr(List<Double> l) {
        return l.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
