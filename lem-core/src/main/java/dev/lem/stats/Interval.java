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
    /**
     * Checks the bounds.
     *
     * @param low lower bound
     * @param high upper bound
     * @param method how it was computed
     * @throws IllegalArgumentException when a bound is not finite or {@code low} exceeds {@code high}
     */
    public Interval {
        Objects.requireNonNull(method, "method");
        if (!(Double.isFinite(low) && Double.isFinite(high) && low <= high)) {
            throw new IllegalArgumentException("interval bounds (" + low + ", " + high + ") must be finite and ordered");
        }
    }

    /**
     * True when the value lies outside [low, high].
     *
     * @param value the value
     * @return whether it lies outside [low, high]
     */
    public boolean excludes(double value) {
        return value < low || value > high;
    }

    /** {@return half the width} */
    public double halfWidth() {
        return (high - low) / 2;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "[%s, %s] (%s)", Estimate.fmt(low), Estimate.fmt(high), method);
    }
}
