package dev.lem.workload;

import dev.lem.config.ConfigException;
import dev.lem.config.TrafficPattern;
import org.apache.commons.math3.distribution.GammaDistribution;
import org.apache.commons.math3.random.Well19937c;
import org.jspecify.annotations.Nullable;

/**
 * Seeded gaps between open-loop request arrivals, as vLLM's benchmark draws them:
 * <ul>
 *   <li>{@code poisson}: exponential gaps with mean 1/rate (coefficient of variation 1);</li>
 *   <li>{@code gamma}: Gamma(shape = burstiness, scale = 1/(rate · burstiness)) gaps — mean 1/rate, CV
 *       1/√burstiness; burstiness 1 is Poisson, below 1 burstier, large values nearly constant;</li>
 *   <li>{@code constant}: every gap exactly 1/rate.</li>
 * </ul>
 * The same seed gives the same gaps. Not thread-safe (one dispatcher thread draws them).
 */
public final class ArrivalProcess {
    private final TrafficPattern pattern;
    private final double ratePerS;
    private final double burstiness;
    private final Well19937c random;
    private final @Nullable GammaDistribution gamma;

    private ArrivalProcess(TrafficPattern pattern, double ratePerS, double burstiness, long seed) {
        this.pattern = pattern;
        this.ratePerS = ratePerS;
        this.burstiness = burstiness;
        this.random = new Well19937c(seed);
        this.gamma = pattern == TrafficPattern.GAMMA
                ? new GammaDistribution(random, burstiness, 1.0 / (ratePerS * burstiness),
                        GammaDistribution.DEFAULT_INVERSE_ABSOLUTE_ACCURACY)
                : null;
    }

    /**
     * The seeded gaps of an open-loop pattern.
     *
     * @param pattern    an open-loop pattern: poisson, gamma or constant
     * @param ratePerS   mean arrivals per second (> 0)
     * @param burstiness gamma shape (> 0); ignored by poisson and constant
     * @param seed       seed of the gaps
     * @return the process
     * @throws ConfigException for an unknown pattern or a rate or burstiness that is not positive
     */
    public static ArrivalProcess of(TrafficPattern pattern, double ratePerS, double burstiness, long seed) {
        if (!pattern.isOpenLoop()) {
            throw new ConfigException("traffic.pattern", "\"" + pattern + "\" is not an open-loop pattern (poisson, "
                    + "gamma or constant)");
        }
        if (!(ratePerS > 0) || Double.isInfinite(ratePerS)) {
            throw new ConfigException("traffic.rate", ratePerS + " must be a positive number of requests per second");
        }
        if (!(burstiness > 0) || Double.isInfinite(burstiness)) {
            throw new ConfigException("traffic.burstiness", burstiness + " must be a positive number");
        }
        return new ArrivalProcess(pattern, ratePerS, burstiness, seed);
    }

    /** {@return the next gap, in nanoseconds (>= 0)} */
    public long nextGapNanos() {
        double seconds = switch (pattern) {
            case CONSTANT -> 1.0 / ratePerS;
            case POISSON -> -Math.log(1.0 - random.nextDouble()) / ratePerS;
            default -> gamma.sample();
        };
        return Math.max(0L, Math.round(seconds * 1e9));
    }

    /** {@return the mean gap, ns} */
    public double meanGapNanos() {
        return 1e9 / ratePerS;
    }

    /** {@return the pattern: poisson, gamma or constant} */
    public TrafficPattern pattern() {
        return pattern;
    }

    /** {@return the mean rate, requests per second} */
    public double ratePerS() {
        return ratePerS;
    }

    /** {@return the gamma shape} */
    public double burstiness() {
        return burstiness;
    }
}
