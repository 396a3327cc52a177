package dev.lem.stats;

import java.util.Objects;
import java.util.Optional;

/**
 * A statistic across cycles with its uncertainty: what every metric in a result's summary is.
 *
 * @param n      number of cycles (observations)
 * @param mean   the point estimate (the mean; for ratio metrics the ratio of sums)
 * @param std    sample standard deviation (n − 1), absent when n < 2
 * @param cv     coefficient of variation std / |mean|, absent when n < 2 or the mean is 0
 * @param ciLow  lower bound of the confidence interval, absent when no interval can be given
 * @param ciHigh upper bound of the confidence interval
 * @param level  confidence level, e.g. 0.95
 * @param method how the interval was computed: {@code t}, {@code bootstrap_percentile},
 *               {@code bootstrap_bca}, or {@code none}
 * @param note   why an interval is missing or degenerate (empty otherwise)
 */
public record Estimate(int n, double mean, Optional<Double> std, Optional<Double> cv, Optional<Double> ciLow,
        Optional<Double> ciHigh, double level, String method, String note) {

    public Estimate {
        Objects.requireNonNull(std, "std");
        Objects.requireNonNull(cv, "cv");
        Objects.requireNonNull(ciLow, "ciLow");
        Objects.requireNonNull(ciHigh, "ciHigh");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(note, "note");
        if (ciLow.isPresent() != ciHigh.isPresent()) {
            throw new IllegalArgumentException("an interval needs both bounds");
        }
    }

    /** Half the interval's width, when there is one. */
    public Optional<Double> halfWidth() {
        return ciLow.flatMap(lo -> ciHigh.map(hi -> (hi - lo) / 2));
    }
}
