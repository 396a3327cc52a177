package dev.lem.metrics;

import java.util.Locale;

/**
 * How a cycle's energy divides among its requests ({@link EnergyAttribution}): the distribution of the energy
 * attributed to each completed request, and what went to failed requests and to moments with no request in flight.
 * Attributed + failed + unattributed = the cycle's energy.
 *
 * @param requests           completed requests the percentiles are over
 * @param meanJoules         mean energy of a completed request, J
 * @param p50Joules          median, J
 * @param p90Joules          90th percentile, J
 * @param p99Joules          99th percentile, J
 * @param maxJoules          the largest, J
 * @param attributedJoules   Σ energy attributed to completed requests, J
 * @param failedJoules       Σ energy attributed to requests that failed, J
 * @param unattributedJoules energy of moments with no request in flight, J
 */
public record RequestEnergy(int requests, double meanJoules, double p50Joules, double p90Joules, double p99Joules,
        double maxJoules, double attributedJoules, double failedJoules, double unattributedJoules) {

    /** e.g. {@code 32 requests: median 0.512 J, p99 0.98 J; 0.3 J unattributed}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d requests: median %.4g J, p90 %.4g J, p99 %.4g J; %.4g J to failed "
                + "requests, %.4g J unattributed", requests, p50Joules, p90Joules, p99Joules, failedJoules,
                unattributedJoules);
    }
}
