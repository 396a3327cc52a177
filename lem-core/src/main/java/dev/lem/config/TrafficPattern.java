package dev.lem.config;

/** How requests are sent ({@code traffic.pattern}). */
public enum TrafficPattern implements Choice {
    /** Batches for in-process backends, a closed loop for served ones. */
    AUTO("batches for in-process backends, closed loop for served ones"),
    /** Batches of {@code batching.batch_size}, one after another. */
    BATCH("batches of batching.batch_size, one after another"),
    /** {@code traffic.concurrency} requests in flight. */
    CLOSED("closed loop: traffic.concurrency requests in flight"),
    /** Open loop: Poisson arrivals at {@code traffic.rate}. */
    POISSON("open loop: Poisson arrivals at traffic.rate"),
    /** Open loop: gamma-distributed gaps at {@code traffic.rate} with {@code traffic.burstiness}. */
    GAMMA("open loop: gamma-distributed gaps at traffic.rate, shape traffic.burstiness"),
    /** Open loop: one request every 1/{@code traffic.rate} seconds. */
    CONSTANT("open loop: one request every 1/traffic.rate seconds");

    private final String description;

    TrafficPattern(String description) {
        this.description = description;
    }

    @Override
    public String description() {
        return description;
    }

    /** Whether requests arrive on a schedule (poisson, gamma, constant) rather than as others finish. */
    public boolean isOpenLoop() {
        return this == POISSON || this == GAMMA || this == CONSTANT;
    }

    /**
     * Whether requests are computed as batches for a backend of this kind: {@code batch}, or {@code auto}
     * with an in-process backend.
     */
    public boolean batches(boolean inProcessBackend) {
        return this == BATCH || (this == AUTO && inProcessBackend);
    }

    @Override
    public String toString() {
        return Choice.word(this);
    }
}
