package dev.lem.spi;

/**
 * What a backend can do, so the core drives it the right way.
 *
 * @param inProcess         the model runs inside this JVM (DJL); false for served backends
 * @param batching          {@link InferenceBackend#generate} computes several requests as one batch
 * @param concurrentRequests {@link InferenceBackend#submit} is truly asynchronous, so open- and
 *                          closed-loop traffic at high concurrency can be driven through it
 * @param computeOnThisHost the computation runs on this machine, so local energy meters see it;
 *                          false for a server on another host (no energy is then reported)
 * @param reportsPhases     the backend emits prefill/decode phase events
 */
public record BackendCapabilities(
        boolean inProcess,
        boolean batching,
        boolean concurrentRequests,
        boolean computeOnThisHost,
        boolean reportsPhases) {
}
