package dev.lem.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides when warm-up is over: after at least {@code minRuns}, as soon as the coefficient of
 * variation (sample std (n − 1) / mean) of the last {@code window} latencies is at most
 * {@code cvThreshold}; at {@code maxRuns} at the latest (then not converged). When
 * {@code window > maxRuns} it can never converge. Not thread-safe.
 */
public final class WarmupConvergence {
    private final int minRuns;
    private final int maxRuns;
    private final int window;
    private final double cvThreshold;
    private final List<Double> latencies = new ArrayList<>();
    private Optional<Double> lastCv = Optional.empty();

    /**
     * A detector with no run recorded yet.
     *
     * @param minRuns     fewest runs before convergence may be declared ({@code warmup.min_runs}, ≥ 0)
     * @param maxRuns     most runs ({@code warmup.max_runs}, ≥ 1 and ≥ minRuns)
     * @param window      how many recent latencies the CV is over ({@code warmup.window}, ≥ 2)
     * @param cvThreshold CV (a fraction, e.g. 0.05) that counts as warm ({@code warmup.cv_threshold}, ≥ 0)
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public WarmupConvergence(int minRuns, int maxRuns, int window, double cvThreshold) {
        if (window < 2) {
            throw new IllegalArgumentException("warmup.window (" + window + ") must be >= 2");
        }
        if (maxRuns < 1) {
            throw new IllegalArgumentException("warmup.max_runs (" + maxRuns + ") must be >= 1");
        }
        if (minRuns < 0 || minRuns > maxRuns) {
            throw new IllegalArgumentException("warmup.min_runs (" + minRuns + ") must be between 0 and warmup.max_runs ("
                    + maxRuns + ")");
        }
        if (!(cvThreshold >= 0) || Double.isInfinite(cvThreshold)) {
            throw new IllegalArgumentException("warmup.cv_threshold (" + cvThreshold
                    + ") must be a finite number >= 0, e.g. 0.05 for 5%");
        }
        this.minRuns = minRuns;
        this.maxRuns = maxRuns;
        this.window = window;
        this.cvThreshold = cvThreshold;
    }

    /**
     * Records one run's latency (any unit, the same for every run).
     *
     * @param latency the run's latency, in the unit of every run
     * @throws IllegalArgumentException when the latency is negative, NaN or infinite
     */
    public void add(double latency) {
        if (!(latency >= 0) || Double.isInfinite(latency)) {
            throw new IllegalArgumentException("warm-up latency (" + latency + ") must be finite and >= 0");
        }
        latencies.add(latency);
        if (latencies.size() >= window) {
            double[] last = latencies.subList(latencies.size() - window, latencies.size()).stream()
                    .mapToDouble(Double::doubleValue).toArray();
            lastCv = Descriptive.of(last).cv();
        }
    }

    /** {@return true when the last window's CV is at or below the threshold and at least minRuns ran} */
    public boolean converged() {
        return latencies.size() >= minRuns && lastCv.map(cv -> cv <= cvThreshold).orElse(false);
    }

    /** {@return true when warm-up should stop: converged, or maxRuns reached} */
    public boolean done() {
        return converged() || latencies.size() >= maxRuns;
    }

    /**
     * {@return the CV of the last window (a fraction), once {@code window} runs have been recorded and their mean is
     * not 0}
     */
    public Optional<Double> lastCv() {
        return lastCv;
    }

    /** {@return the number of runs recorded} */
    public int runs() {
        return latencies.size();
    }

    /** {@return the latencies recorded, in order} */
    public List<Double> latencies() {
        return List.copyOf(latencies);
    }
}
