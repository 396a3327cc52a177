package dev.lem.config;

import java.util.List;
import java.util.Optional;

/**
 * How requests are sent ({@code traffic.*}).
 *
 * @param pattern        auto, batch, closed, poisson, gamma or constant
 * @param concurrency    closed loop: requests in flight
 * @param rate           open loop: mean arrival rate in requests per second
 * @param burstiness     gamma shape (1 = Poisson)
 * @param maxRequests    stop after this many requests
 * @param maxDurationS   stop sending after this many seconds
 * @param warmupRequests requests sent first and excluded
 * @param sweep          concurrencies (closed) or rates (open) to run in turn
 */
public record TrafficConfig(String pattern, int concurrency, Optional<Double> rate, double burstiness,
        Optional<Integer> maxRequests, Optional<Double> maxDurationS, int warmupRequests, List<Double> sweep) {

    public TrafficConfig {
        sweep = List.copyOf(sweep);
    }
}
