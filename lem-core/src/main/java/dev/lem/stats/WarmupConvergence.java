package dev.lem.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides when warm-up is over: after at least {@code minRuns}, as soon as the coefficient of
 * variation (sample std / mean) of the last {@code window} latencies is at most {@code cvThreshold};
 * at {@code maxRuns} at the latest (then not converged). Not thread-safe.
 */
public final class WarmupConvergence {
    private final int minRuns;
    private final int maxRuns;
    private final int window;
    private final double cvThreshold;
    private final List<Double> latencies = new ArrayList<>();
    private Optional<Double> lastCv = Optional.empty();

    public WarmupConvergence(int minRuns, int maxRuns, int window, double cvThreshold) {
        if (window < 2) {
            throw new IllegalArgumentException("warmup.window (" + window + ") must be >= 2");
        }
        if (maxRuns < 1 || minRuns > maxRuns) {
            throw new IllegalArgumentException("warmup.min_runs (" + minRuns + ") must be <= warmup.max_runs ("
                    + maxRuns + ")");
        }
        this.minRuns = minRuns;
        this.maxRuns = maxRuns;
        this.window = window;
        this.cvThreshold = cvThreshold;
    }

    /** Records one run's latency (any unit). */
    public void add(double latency) {
        latencies.add(latency);
        if (latencies.size() >= window) {
            List<Double> last = latencies.subList(latencies.size() - window, latencies.size());
            double mean = last.stream().mapToDouble(Double::doubleValue).average().orElse(0);
            double ss = 0;
            for (double v : last) {
                ss += (v - mean) * (v - mean);
            }
            double sd = Math.sqrt(ss / (window - 1));
            lastCv = mean == 0 ? Optional.empty() : Optional.of(sd / Math.abs(mean));
        }
    }

    /** True when the last window's CV is at or below the threshold and at least minRuns ran. */
    public boolean converged() {
        return latencies.size() >= minRuns && lastCv.map(cv -> cv <= cvThreshold).orElse(false);
    }

    /** True when warm-up should stop: converged, or maxRuns reached. */
    public boolean done() {
        return converged() || latencies.size() >= maxRuns;
    }

    /** CV of the last window, once {@code window} runs have been recorded. */
    public Optional<Double> lastCv() {
        return lastCv;
    }

    /** Runs recorded. */
    public int runs() {
        return latencies.size();
    }

    /** Latencies recorded, in order. */
    public List<Double> latencies() {
        return List.copyOf(latencies);
    }
}
