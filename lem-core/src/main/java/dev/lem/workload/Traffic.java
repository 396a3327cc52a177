package dev.lem.workload;

import dev.lem.config.TrafficPattern;

/**
 * How requests are sent, for {@code Experiment.Builder.traffic(...)}: batches (in-process backends), a closed
 * loop holding N requests in flight, or an open loop of arrivals at a rate. Each sets the {@code traffic.*}
 * keys it names.
 */
public sealed interface Traffic permits Traffic.Batches, Traffic.ClosedLoop, Traffic.OpenLoop {

    /** {@return batches of {@code batching.batch_size}, one after another ({@code traffic.pattern: batch})} */
    static Traffic batches() {
        return new Batches();
    }

    /**
     * {@code concurrency} requests in flight; each that ends lets the next go ({@code traffic.pattern: closed}).
     *
     * @param concurrency requests in flight; at least 1
     * @return the traffic
     */
    static Traffic closedLoop(int concurrency) {
        return new ClosedLoop(concurrency);
    }

    /**
     * Poisson arrivals at {@code ratePerS} requests per second.
     *
     * @param ratePerS mean arrivals per second; positive
     * @return the traffic
     */
    static Traffic poisson(double ratePerS) {
        return new OpenLoop(TrafficPattern.POISSON, ratePerS, 1.0);
    }

    /**
     * Gamma-distributed gaps at {@code ratePerS}; shape {@code burstiness} (1 = Poisson, below 1 burstier).
     *
     * @param ratePerS mean arrivals per second; positive
     * @param burstiness the gamma shape; positive
     * @return the traffic
     */
    static Traffic gamma(double ratePerS, double burstiness) {
        return new OpenLoop(TrafficPattern.GAMMA, ratePerS, burstiness);
    }

    /**
     * One request every 1/{@code ratePerS} seconds.
     *
     * @param ratePerS arrivals per second; positive
     * @return the traffic
     */
    static Traffic constantRate(double ratePerS) {
        return new OpenLoop(TrafficPattern.CONSTANT, ratePerS, 1.0);
    }

    /** Batches. */
    record Batches() implements Traffic {
    }

    /**
     * A closed loop.
     *
     * @param concurrency requests in flight (&gt;= 1)
     */
    record ClosedLoop(int concurrency) implements Traffic {
        /**
         * Checks the concurrency.
         *
         * @param concurrency requests in flight
         * @throws IllegalArgumentException when {@code concurrency} is below 1
         */
        public ClosedLoop {
            if (concurrency < 1) {
                throw new IllegalArgumentException("traffic.concurrency (" + concurrency + ") must be >= 1");
            }
        }
    }

    /**
     * An open loop.
     *
     * @param pattern    poisson, gamma or constant
     * @param ratePerS   mean arrivals per second (&gt; 0)
     * @param burstiness gamma shape (&gt; 0)
     */
    record OpenLoop(TrafficPattern pattern, double ratePerS, double burstiness) implements Traffic {
        /**
         * Checks the values.
         *
         * @param pattern poisson, gamma or constant
         * @param ratePerS mean arrivals per second
         * @param burstiness gamma shape
         * @throws IllegalArgumentException when the pattern is not open-loop, or the rate or burstiness is not a
         *                                  positive finite number
         */
        public OpenLoop {
            if (!pattern.isOpenLoop()) {
                throw new IllegalArgumentException(pattern + " is not an open-loop pattern (poisson, gamma or constant)");
            }
            if (!(ratePerS > 0) || Double.isInfinite(ratePerS)) {
                throw new IllegalArgumentException("traffic.rate (" + ratePerS + ") must be a positive number of "
                        + "requests per second");
            }
            if (!(burstiness > 0) || Double.isInfinite(burstiness)) {
                throw new IllegalArgumentException("traffic.burstiness (" + burstiness + ") must be positive");
            }
        }
    }
}
