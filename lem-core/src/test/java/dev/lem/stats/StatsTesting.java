package dev.lem.stats;


/** Shared helpers of the stats tests. */
final class StatsTesting {
    private StatsTesting() {
    }

    /** Interval settings with the given level, resamples and {@code stats.ci_method} word. */
    static IntervalSettings config(double level, int resamples, String method) {
        return new IntervalSettings(level, resamples, CiMethod.named(method));
    }

    /** The defaults: 95%, 10,000 resamples, the given method. */
    static IntervalSettings config(String method) {
        return config(0.95, 10_000, method);
    }
}
