package dev.lem.workload;

import dev.lem.spi.BackendCapabilities;
import dev.lem.spi.Completion;
import dev.lem.spi.FinishReason;
import dev.lem.spi.GenerationListener;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.ModelInfo;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An asynchronous backend for load-generation tests: each request ends {@code latencyMs} after it was
 * submitted, with one token; requests whose prompt contains "HANG" never end. Counts prompts'
 * words as tokens. Records concurrency.
 */
final class FakeAsyncBackend implements InferenceBackend {
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "fake-backend");
        t.setDaemon(true);
        return t;
    });
    private final double latencyMs;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final AtomicInteger submitted = new AtomicInteger();
    final AtomicInteger tokenizeCalls = new AtomicInteger();
    final Set<String> prompts = ConcurrentHashMap.newKeySet();
    final Map<String, GenerationRequest> requests = new ConcurrentHashMap<>();
    /** Each {@link #openConnections} call's count. */
    final List<Integer> openedConnections = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** When set (seconds), the completion is stamped this long after the start, whatever time really passed. */
    volatile double stampedLatencyS = -1;

    FakeAsyncBackend(double latencyMs) {
        this.latencyMs = latencyMs;
    }

    @Override
    public ModelInfo load() {
        return new ModelInfo("fake", "test", "memory", Optional.empty(), "none", true, Optional.empty(), Map.of());
    }

    @Override
    public BackendCapabilities capabilities() {
        return new BackendCapabilities(false, false, true, true, false);
    }

    @Override
    public void generate(List<GenerationRequest> batch, GenerationListener listener) {
        throw new UnsupportedOperationException("submit only");
    }

    @Override
    public CompletableFuture<Void> submit(GenerationRequest r, GenerationListener listener) {
        long t0 = System.nanoTime();
        submitted.incrementAndGet();
        prompts.add(r.prompt());
        requests.put(r.id(), r);
        listener.requestStarted(r.id(), t0);
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (r.prompt().contains("HANG")) {
            return f;
        }
        timer.schedule(() -> {
            long now = stampedLatencyS >= 0 ? t0 + Math.round(stampedLatencyS * 1e9) : System.nanoTime();
            listener.tokens(r.id(), now, 1, null, "x");
            inFlight.decrementAndGet();
            listener.requestCompleted(r.id(), now, new Completion(3, 1, FinishReason.LENGTH, "backend"));
            f.complete(null);
        }, Math.round(latencyMs * 1000), TimeUnit.MICROSECONDS);
        return f;
    }

    @Override
    public void openConnections(int connections) {
        openedConnections.add(connections);
    }

    @Override
    public Optional<Integer> countTokens(String text) {
        tokenizeCalls.incrementAndGet();
        return Optional.of(text.isBlank() ? 1 : text.strip().split("\\s+").length + 1);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
