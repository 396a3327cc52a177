package dev.lem.stats;

import java.util.Locale;
import java.util.Objects;

/**
 * A confidence interval, in the unit of what it bounds; shared by {@link Estimate} and
 * {@link Comparison}.
 *
 * @param low    lower bound
 * @param high   upper bound (&gt;= low)
 * @param method how it was computed: {@code t}, {@code t_delta}, {@code t_welch}, {@code bootstrap_percentile},
 *               {@code bootstrap_bca}, or {@code none} (a zero-width interval when every cycle gave the same value)
 */
public record Interval(double low, double high, String method) {
    public Interval {
        Objects.requireNonNull(method, "method");
        if (!(Double.isFinite(low) && Double.isFinite(high) && low <= high)) {
            throw new IllegalArgumentException("interval bounds (" + low + ", " + high + ") must be finite and ordered");
        }
    }

    /** True when the value lies outside [low, high]. */
    public boolean excludes(double value) {
        return value < low || value > high;
    }

    /** Half the width. */
    public double halfWidth() {
        return (high - low) / 2;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "[%s, %s] (%s)", Estimate.fmt(low), Estimate.fmt(high), method);
    }
}
