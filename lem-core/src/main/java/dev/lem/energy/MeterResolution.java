package dev.lem.energy;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * How finely a meter's reading resolves energy and time ({@link dev.lem.spi.EnergyMeter#resolution}), so that
 * a window too short or too small for the meter is refused instead of reported as noise.
 *
 * <p>A window's energy is the difference of two reads. Each read returns the value of the reading's last
 * update, at most one {@code updateInterval} old, and rounded down to a {@code quantumJoules} step; the lags
 * at both edges are independent, so the difference errs by less than
 * <pre>
 *   error &lt; quantum + mean power × update interval            (J)
 *   relative error &lt; quantum / E + update interval / T         (E: the window's joules, T: its seconds)
 * </pre>
 * — unbiased over many windows, but up to that much in any one. Known values: RAPL counts in energy status
 * units of 15.3–61 µJ and updates about every 1 ms; NVML's total-energy counter counts millijoules and
 * changes every 100 ms (H100, measured: docs/energy.md); a power integrated from samples resolves one sample
 * interval. Estimates have no resolution limit (their meters declare none): they are estimates, and say so.
 *
 * @param quantumJoules  the smallest step of the reading, J ({@code >= 0})
 * @param updateInterval how often the reading changes ({@code >= 0})
 * @param basis          where the numbers come from, one line (e.g. "RAPL energy_uj: ...")
 */
public record MeterResolution(double quantumJoules, Duration updateInterval, String basis) {
    /**
     * Checks the values.
     *
     * @param quantumJoules the smallest step of the reading, J
     * @param updateInterval how often the reading changes
     * @param basis where the numbers come from, one line
     * @throws IllegalArgumentException when {@code quantumJoules} is negative, NaN or infinite, or
     *                                  {@code updateInterval} is negative
     */
    public MeterResolution {
        if (!(quantumJoules >= 0) || Double.isInfinite(quantumJoules)) {
            throw new IllegalArgumentException("quantumJoules (" + quantumJoules + ") must be a finite value >= 0");
        }
        Objects.requireNonNull(updateInterval, "updateInterval");
        if (updateInterval.isNegative()) {
            throw new IllegalArgumentException("updateInterval (" + updateInterval + ") must be >= 0");
        }
        Objects.requireNonNull(basis, "basis");
    }

    /**
     * The bound on the reading error of one window: {@code quantum + (joules / seconds) × update interval}, J.
     *
     * @param joules        the window's energy, J
     * @param durationNanos the window's length, ns
     * @return the bound, J
     */
    public double errorJoules(double joules, long durationNanos) {
        double seconds = durationNanos / 1e9;
        double watts = seconds > 0 ? Math.max(0, joules) / seconds : 0;
        return quantumJoules + watts * updateInterval.toNanos() / 1e9;
    }

    /**
     * {@link #errorJoules} as a share of the window's energy; infinite when the window holds no energy (or
     * less than nothing).
     *
     * @param joules the window's energy, J
     * @param durationNanos the window's length, ns
     * @return the bound as a fraction of {@code joules}
     */
    public double relativeError(double joules, long durationNanos) {
        return joules > 0 ? errorJoules(joules, durationNanos) / joules : Double.POSITIVE_INFINITY;
    }

    /**
     * The shortest window, at the same mean power, whose relative error is at most {@code maxRelativeError}:
     * {@code T ≥ (update interval + quantum / power) / maxRelativeError}; empty when the window held no energy.
     *
     * @param joules the window's energy, J
     * @param durationNanos the window's length, ns
     * @param maxRelativeError the largest relative error allowed, a fraction
     * @return the shortest window; empty when the window held no energy
     */
    public Optional<Duration> shortestWindow(double joules, long durationNanos, double maxRelativeError) {
        double seconds = durationNanos / 1e9;
        if (!(joules > 0) || !(seconds > 0) || !(maxRelativeError > 0)) {
            return Optional.empty();
        }
        double watts = joules / seconds;
        double t = (updateInterval.toNanos() / 1e9 + quantumJoules / watts) / maxRelativeError;
        return Optional.of(Duration.ofNanos((long) Math.ceil(Math.min(t, 1e9) * 1e9)));
    }

    /**
     * Why a window's figure must be refused — its relative error may exceed {@code maxRelativeError} — or
     * empty when it may be reported. The reason names the domain, the window, the meter's resolution and the
     * shortest window that would do, e.g. {@code cpu.package[0]: 0.0123 J over 4.10 ms is below the meter's
     * resolution (61 µJ steps, updated every 1 ms: up to 25% error, more than the 5% allowed); measure at
     * least 82.0 ms}.
     *
     * @param domainId the domain's id, for the reason
     * @param joules the window's energy, J
     * @param durationNanos the window's length, ns
     * @param maxRelativeError the largest relative error allowed, in (0, 1]
     * @return the reason; empty when the figure may be reported
     * @throws IllegalArgumentException when {@code maxRelativeError} is not in (0, 1]
     */
    public Optional<String> refusal(String domainId, double joules, long durationNanos, double maxRelativeError) {
        if (!(maxRelativeError > 0 && maxRelativeError <= 1)) {
            throw new IllegalArgumentException("maxRelativeError (" + maxRelativeError + ") must be in (0, 1]");
        }
        double rel = relativeError(joules, durationNanos);
        if (rel <= maxRelativeError) {
            return Optional.empty();
        }
        String what = String.format(Locale.ROOT, "%s: %s J over %s is below the meter's resolution (%s steps, "
                + "updated every %s: up to %s error, more than the %s allowed)", domainId, DomainEnergy.fmt(joules),
                duration(durationNanos), energy(quantumJoules), duration(updateInterval.toNanos()),
                Double.isInfinite(rel) ? "unbounded" : percent(rel), percent(maxRelativeError));
        return Optional.of(what + shortestWindow(joules, durationNanos, maxRelativeError)
                .map(d -> "; measure at least " + duration(d.toNanos()) + " per window").orElse(""));
    }

    /** e.g. {@code 61 µJ steps, updated every 1 ms (RAPL energy_uj ...)}. */
    @Override
    public String toString() {
        return energy(quantumJoules) + " steps, updated every " + duration(updateInterval.toNanos()) + " (" + basis + ")";
    }

    private static String percent(double share) {
        if (share >= 10) {
            return ">1000%";
        }
        return String.format(Locale.ROOT, share < 0.1 ? "%.1f%%" : "%.0f%%", share * 100);
    }

    /** Joules with an SI prefix, e.g. {@code 61 µJ}, {@code 1 mJ}, {@code 0 J}. */
    static String energy(double joules) {
        if (joules == 0) {
            return "0 J";
        }
        if (joules < 1e-3) {
            return DomainEnergy.fmt(joules * 1e6) + " µJ";
        }
        if (joules < 1) {
            return DomainEnergy.fmt(joules * 1e3) + " mJ";
        }
        return DomainEnergy.fmt(joules) + " J";
    }

    /** A duration with a fitting unit, e.g. {@code 1 ms}, {@code 4.1 ms}, {@code 2.5 s}, {@code 250 µs}. */
    static String duration(long nanos) {
        if (nanos < 1_000_000) {
            return DomainEnergy.fmt(nanos / 1e3) + " µs";
        }
        if (nanos < 1_000_000_000) {
            return DomainEnergy.fmt(nanos / 1e6) + " ms";
        }
        return DomainEnergy.fmt(nanos / 1e9) + " s";
    }
}
