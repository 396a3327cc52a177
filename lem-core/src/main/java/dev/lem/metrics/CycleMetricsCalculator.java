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
                anySlo ? Optional.of(good / d) : Optional.empty(), anySlo ? Optional.of(good) : Optional.empty());
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
