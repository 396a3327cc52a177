package dev.lem.spi;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A way to run LLM inference: in this JVM (DJL) or against a server (vLLM, TensorRT-LLM, any
 * OpenAI-compatible API). Created by a {@link BackendProvider} for one experiment and one process.
 *
 * <p>Life cycle, driven by the core: {@link #load()} once (timed and metered on its own), then
 * {@link #generate} or {@link #submit} many times (warm-up and measured cycles), then
 * {@link #unload()} (timed) and {@link #close()}.
 *
 * <p>Every request passed in ends with exactly one {@code requestCompleted} or {@code requestFailed}
 * event on the listener. A failure of one request is reported through the listener; throwing from
 * {@link #generate} means the whole batch failed and the core records every unfinished request of it
 * as failed with the exception's message.
 */
public interface InferenceBackend extends AutoCloseable {

    /**
     * Loads the model (or connects to the server and checks the model is served).
     *
     * @return what was loaded
     */
    ModelInfo load();

    /**
     * What this backend can do. Valid from creation (the core decides metering before loading).
     *
     * @return the capabilities
     */
    BackendCapabilities capabilities();

    /**
     * Runs one batch to completion on the calling thread, reporting events to {@code listener}.
     * Backends without batching receive batches of one.
     *
     * @param batch the requests of the batch
     * @param listener receives the requests' events
     */
    void generate(List<GenerationRequest> batch, GenerationListener listener);

    /**
     * Starts one request and returns at once; the future completes after the request's final event.
     * The default runs {@link #generate} on the calling thread; served backends override it with
     * real asynchronous I/O.
     *
     * @param request the request
     * @param listener receives the request's events
     * @return a future that completes after the request's final event
     */
    default CompletableFuture<Void> submit(GenerationRequest request, GenerationListener listener) {
        try {
            generate(List.of(request), listener);
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * The number of tokens this backend's tokenizer makes of {@code text}, when it has one; used to sort
     * and pack batches. Empty when unknown (the core then estimates 4 characters per token).
     *
     * @param text the text
     * @return the number of tokens; empty when unknown
     */
    default Optional<Integer> countTokens(String text) {
        return Optional.empty();
    }

    /**
     * The engine's cumulative counters, read now (e.g. one scrape of a server's metrics), by name with the unit in
     * it: {@code engine.prefill_time_s} and {@code engine.decode_time_s} (the engine's prefill and decode time,
     * summed over requests), or {@code engine.prefill_iteration_time_s} and {@code engine.decode_iteration_time_s}
     * (the engine's iteration time spent on each phase, summed over iterations), let the core apportion a cycle's
     * energy between the phases ({@code dev.lem.result.PhaseSplit} names them). A backend whose engine removes
     * what it reports must read it here at once (the window's edges must be exact) through the same reader as its
     * telemetry. The core reads them just
     * before a cycle's energy window opens and just after it closes (never inside it) and records their increase
     * with the cycle's counters. Empty (the default) when the engine exposes none; must not throw.
     *
     * @return the counters, by name
     */
    default java.util.Map<String, Double> engineCounters() {
        return java.util.Map.of();
    }

    /**
     * Opens up to {@code connections} connections to the server ahead of a measured window, so that the window's
     * first requests do not pay for connection set-up (the TCP handshake, the server accepting). The runner calls it
     * just before each cycle's window opens. In-process backends have nothing to open: the default does nothing.
     * Must not throw: connections that could not be opened are opened by the requests themselves, as before.
     *
     * @param connections how many requests the window will send at once at its start
     */
    default void openConnections(int connections) {
    }

    /**
     * Log-probabilities of given text under the loaded model, for perplexity ({@code quality.perplexity.*}); valid
     * after {@link #load()}. A served backend may offer a scorer whose calls then fail with a
     * {@link TokenScoringException} saying the server does not offer them.
     *
     * @return the scorer; empty when the backend offers none
     */
    default Optional<TokenScorer> tokenScorer() {
        return Optional.empty();
    }

    /**
     * A telemetry source the backend offers (e.g. a server's metrics endpoint), sampled with the others.
     *
     * @return the source; empty when the backend offers none
     */
    default Optional<TelemetrySource> telemetry() {
        return Optional.empty();
    }

    /**
     * Facts for the result's environment section (server version, engine, device).
     *
     * @return the facts, by name
     */
    default Map<String, String> environment() {
        return Map.of();
    }

    /** Releases the model's memory; timed by the core. */
    default void unload() {
    }

    /** Releases everything; must not throw. */
    @Override
    void close();
}
