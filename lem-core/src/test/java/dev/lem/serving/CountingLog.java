package dev.lem.serving;

import dev.lem.spi.Completion;
import dev.lem.spi.GenerationListener;
import dev.lem.testkit.EventLog;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import org.jspecify.annotations.Nullable;

/** The kit's {@link EventLog} (which checks the event contract) plus the counters a backend reports. */
public final class CountingLog implements GenerationListener {
    private final EventLog log = new EventLog();
    private final Map<String, DoubleAdder> counters = new ConcurrentHashMap<>();

    /** The event log. */
    public EventLog log() {
        return log;
    }

    /** A counter's total (0 when never counted). */
    public double counter(String name) {
        DoubleAdder a = counters.get(name);
        return a == null ? 0 : a.sum();
    }

    /** Chunk arrival stamps of a request. */
    public List<Long> chunkNanos(String id) {
        return log.of(id).stream().filter(e -> e.kind().equals("tokens")).map(EventLog.Event::nanoTime).toList();
    }

    /** Token counts of a request's chunks. */
    public List<Integer> chunkCounts(String id) {
        return log.of(id).stream().filter(e -> e.kind().equals("tokens")).map(EventLog.Event::count).toList();
    }

    /** The request's start stamp. */
    public long start(String id) {
        return log.of(id).get(0).nanoTime();
    }

    @Override
    public void requestStarted(String requestId, long nanoTime) {
        log.requestStarted(requestId, nanoTime);
    }

    @Override
    public void tokens(String requestId, long nanoTime, int count, @Nullable List<Integer> tokenIds,
            @Nullable String text) {
        log.tokens(requestId, nanoTime, count, tokenIds, text);
    }

    @Override
    public void requestCompleted(String requestId, long nanoTime, Completion completion) {
        log.requestCompleted(requestId, nanoTime, completion);
    }

    @Override
    public void requestFailed(String requestId, long nanoTime, String cause) {
        log.requestFailed(requestId, nanoTime, cause);
    }

    @Override
    public void count(String counter, double amount) {
        counters.computeIfAbsent(counter, c -> new DoubleAdder()).add(amount);
    }
}
