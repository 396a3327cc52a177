package dev.lem.stats;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A statistic across cycles with its uncertainty: what every metric in a result's summary is. All
 * figures are in the metric's unit except {@code cv} (a fraction) and {@code level}.
 *
 * @param n             number of cycles (observations)
 * @param mean          the point estimate (the mean; for ratio metrics the ratio of sums)
 * @param std           sample standard deviation (n − 1) of the per-cycle values (for ratio metrics, of
 *                      the per-cycle ratios), absent when n &lt; 2
 * @param cv            coefficient of variation std / |mean| (a fraction), absent when n &lt; 2 or the mean is 0
 * @param ciLow         lower bound of the confidence interval, absent when no interval can be given
 * @param ciHigh        upper bound of the confidence interval
 * @param level         confidence level, e.g. 0.95
 * @param method        how the interval was computed: {@code t} (Student t on the mean), {@code t_delta}
 *                      (Student t with the delta-method standard error of a ratio of sums),
 *                      {@code bootstrap_percentile}, {@code bootstrap_bca} (both resampling whole cycles),
 *                      or {@code none} (no interval, or a zero-width one when every cycle gave the same value)
 * @param note          why an interval is missing, degenerate or from a fallback method (empty otherwise)
 * @param outlierCycles 0-based positions, in cycle order, of the cycles flagged as outliers by
 *                      {@link Outliers#flag} — flagged only, still included in every figure
 */
public record Estimate(int n, double mean, Optional<Double> std, Optional<Double> cv, Optional<Double> ciLow,
        Optional<Double> ciHigh, double level, String method, String note, List<Integer> outlierCycles) {

    public Estimate {
        Objects.requireNonNull(std, "std");
        Objects.requireNonNull(cv, "cv");
        Objects.requireNonNull(ciLow, "ciLow");
        Objects.requireNonNull(ciHigh, "ciHigh");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(note, "note");
        // JSON written before outlierCycles existed deserialises it as null
        outlierCycles = outlierCycles == null ? List.of() : List.copyOf(outlierCycles);
        if (ciLow.isPresent() != ciHigh.isPresent()) {
            throw new IllegalArgumentException("an interval needs both bounds");
        }
        if (ciLow.isPresent() && !(Double.isFinite(ciLow.get()) && Double.isFinite(ciHigh.get())
                && ciLow.get() <= ciHigh.get())) {
            throw new IllegalArgumentException("interval bounds (" + ciLow.get() + ", " + ciHigh.get()
                    + ") must be finite and ordered");
        }
    }

    /** An estimate with no outliers flagged (the form before {@code outlierCycles} existed). */
    public Estimate(int n, double mean, Optional<Double> std, Optional<Double> cv, Optional<Double> ciLow,
            Optional<Double> ciHigh, double level, String method, String note) {
        this(n, mean, std, cv, ciLow, ciHigh, level, method, note, List.of());
    }

    /** Half the interval's width, when there is one. */
    public Optional<Double> halfWidth() {
        return ciLow.flatMap(lo -> ciHigh.map(hi -> (hi - lo) / 2));
    }
}
