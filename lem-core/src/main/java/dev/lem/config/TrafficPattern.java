package dev.lem.config;

/** How requests are sent ({@code traffic.pattern}). */
public enum TrafficPattern implements Choice {
    /** Batches for in-process backends, a closed loop for served ones. */
    @Doc("batches for in-process backends, closed loop for served ones")
    AUTO,
    /** Batches of {@code batching.batch_size}, one after another. */
    @Doc("batches of batching.batch_size, one after another")
    BATCH,
    /** {@code traffic.concurrency} requests in flight. */
    @Doc("closed loop: traffic.concurrency requests in flight")
    CLOSED,
    /** Open loop: Poisson arrivals at {@code traffic.rate}. */
    @Doc("open loop: Poisson arrivals at traffic.rate")
    POISSON,
    /** Open loop: gamma-distributed gaps at {@code traffic.rate} with {@code traffic.burstiness}. */
    @Doc("open loop: gamma-distributed gaps at traffic.rate, shape traffic.burstiness")
    GAMMA,
    /** Open loop: one request every 1/{@code traffic.rate} seconds. */
    @Doc("open loop: one request every 1/traffic.rate seconds")
    CONSTANT;

    /** {@return whether requests arrive on a schedule (poisson, gamma, constant) rather than as others finish} */
    public boolean isOpenLoop() {
        return this == POISSON || this == GAMMA || this == CONSTANT;
    }

    /**
     * Whether requests are computed as batches for a backend of this kind: {@code batch}, or {@code auto}
     * with an in-process backend.
     *
     * @param inProcessBackend whether the backend runs the model in this JVM
     * @return whether requests are computed as batches
     */
    public boolean batches(boolean inProcessBackend) {
        return this == BATCH || (this == AUTO && inProcessBackend);
    }

    @Override
    public String toString() {
        return Choice.word(this);
    }
}
