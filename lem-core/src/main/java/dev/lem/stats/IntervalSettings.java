package dev.lem.stats;

import java.util.Objects;

/**
 * How confidence intervals are computed ({@code stats.confidence_level}, {@code stats.bootstrap_resamples},
 * {@code stats.ci_method}).
 *
 * @param level     confidence level, strictly between 0 and 1 (e.g. 0.95)
 * @param resamples bootstrap resamples (&gt;= 100)
 * @param method    the method, or {@link CiMethod#AUTO}
 */
public record IntervalSettings(double level, int resamples, CiMethod method) {
    /**
     * Checks the values.
     *
     * @param level confidence level, strictly between 0 and 1
     * @param resamples bootstrap resamples
     * @param method the method, or {@link CiMethod#AUTO}
     * @throws IllegalArgumentException when the level is not strictly between 0 and 1 or there are fewer than 100
     *                                  resamples
     */
    public IntervalSettings {
        Objects.requireNonNull(method, "method");
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("stats.confidence_level (" + level
                    + ") must be between 0 and 1, e.g. 0.95 for a 95% interval");
        }
        if (resamples < 100) {
            throw new IllegalArgumentException("stats.bootstrap_resamples (" + resamples
                    + ") must be >= 100 (10000 is the default)");
        }
    }

    /** {@return 95% intervals, 10,000 resamples, the method chosen by the number of cycles} */
    public static IntervalSettings defaults() {
        return new IntervalSettings(0.95, 10_000, CiMethod.AUTO);
    }

    /**
     * The same settings with another method.
     *
     * @param m the other method
     * @return the copy
     */
    public IntervalSettings withMethod(CiMethod m) {
        return new IntervalSettings(level, resamples, m);
    }
}
