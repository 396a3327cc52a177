package dev.lem.config;

import java.util.List;
import java.util.Optional;

/**
 * How requests are sent ({@code traffic.*}).
 *
 * @param pattern        batches, closed loop or an open-loop arrival process
 * @param concurrency    closed loop: requests in flight
 * @param rate           open loop: mean arrival rate in requests per second
 * @param burstiness     gamma shape (1 = Poisson)
 * @param maxRequests    stop after this many requests
 * @param maxDurationS   stop sending after this many seconds
 * @param warmupRequests requests sent first and excluded
 * @param sweep          the values to run the experiment at, in turn
 */
public record TrafficConfig(
        @Key(doc = "How requests are sent.", defaultValue = "auto") TrafficPattern pattern,
        @Key(doc = "Closed loop: requests in flight.", defaultValue = "1", min = 1, max = 1_000_000, unit = "requests",
                appliesTo = BackendScope.SERVED) int concurrency,
        @Key(doc = "Open loop: mean arrival rate.", min = 0, max = 1e9, unit = "requests/s",
                appliesTo = BackendScope.SERVED) Optional<Double> rate,
        @Key(doc = "gamma: shape of inter-arrival gaps (1 = Poisson, larger = more regular).", defaultValue = "1.0",
                min = 1e-6, max = 1e6, appliesTo = BackendScope.SERVED) double burstiness,
        @Key(doc = "Stop a cycle after this many requests (default: one per prompt; with only "
                + "traffic.max_duration_s set, as many as fit in that time).", min = 1, max = Integer.MAX_VALUE,
                unit = "requests", appliesTo = BackendScope.SERVED) Optional<Integer> maxRequests,
        @Key(doc = "Stop sending after this long.", min = 0, max = 1e7, unit = "s", appliesTo = BackendScope.SERVED)
        Optional<Double> maxDurationS,
        @Key(doc = "Requests sent and excluded first.", defaultValue = "0", min = 0, max = 1_000_000,
                unit = "requests", appliesTo = BackendScope.SERVED) int warmupRequests,
        @Key(doc = "Run the experiment once per value: concurrencies (closed loop) or rates (open loop) on served "
                + "backends, batch sizes on in-process ones.", defaultValue = "[]") List<Double> sweep) {

    /**
     * Copies the sweep's values.
     *
     * @param pattern batches, closed loop or an open-loop arrival process
     * @param concurrency closed loop: requests in flight
     * @param rate open loop: mean arrival rate, requests/s
     * @param burstiness gamma shape (1 = Poisson)
     * @param maxRequests stop after this many requests
     * @param maxDurationS stop sending after this many seconds
     * @param warmupRequests requests sent first and excluded
     * @param sweep the values to run the experiment at, in turn
     */
    public TrafficConfig {
        sweep = List.copyOf(sweep);
    }
}
