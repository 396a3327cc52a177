package dev.lem.testkit;

import dev.lem.spi.Completion;
import dev.lem.spi.GenerationListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A thread-safe {@link GenerationListener} that records every event in arrival order and checks the
 * contract: started first, tokens in between with non-decreasing stamps, exactly one end event.
 */
public final class EventLog implements GenerationListener {

    /** One recorded event. */
    public record Event(String kind, String requestId, long nanoTime, int count, @Nullable Completion completion,
            @Nullable String cause) {
    }

    private final List<Event> events = new ArrayList<>();
    private final Map<String, List<Event>> byRequest = new ConcurrentHashMap<>();
    private final List<String> violations = new ArrayList<>();

    private synchronized void add(Event e) {
        events.add(e);
        List<Event> mine = byRequest.computeIfAbsent(e.requestId(), k -> new ArrayList<>());
        if (!e.kind().startsWith("phase") && !e.kind().equals("count")) {
            if (mine.isEmpty() && !e.kind().equals("started") && !e.kind().equals("failed")) {
                violations.add(e.requestId() + ": " + e.kind() + " before started");
            }
            if (!mine.isEmpty()) {
                Event last = mine.get(mine.size() - 1);
                if (last.kind().equals("completed") || last.kind().equals("failed")) {
                    violations.add(e.requestId() + ": " + e.kind() + " after the request ended");
                }
                if (e.nanoTime() < last.nanoTime()) {
                    violations.add(e.requestId() + ": " + e.kind() + " stamped before the previous event");
                }
                if (e.kind().equals("started")) {
                    violations.add(e.requestId() + ": started twice");
                }
            }
            if (e.kind().equals("tokens") && e.count() < 1) {
                violations.add(e.requestId() + ": a tokens event with count " + e.count());
            }
        }
        mine.add(e);
    }

    @Override
    public void requestStarted(String requestId, long nanoTime) {
        add(new Event("started", requestId, nanoTime, 0, null, null));
    }

    @Override
    public void tokens(String requestId, long nanoTime, int count, @Nullable List<Integer> tokenIds,
            @Nullable String text) {
        add(new Event("tokens", requestId, nanoTime, count, null, null));
    }

    @Override
    public void requestCompleted(String requestId, long nanoTime, Completion completion) {
        add(new Event("completed", requestId, nanoTime, 0, completion, null));
    }

    @Override
    public void requestFailed(String requestId, long nanoTime, String cause) {
        add(new Event("failed", requestId, nanoTime, 0, null, cause));
    }

    @Override
    public void phaseStarted(String phase, long nanoTime) {
        add(new Event("phase_started:" + phase, "", nanoTime, 0, null, null));
    }

    @Override
    public void phaseEnded(String phase, long nanoTime) {
        add(new Event("phase_ended:" + phase, "", nanoTime, 0, null, null));
    }

    /** Contract violations seen so far. */
    public synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    /** Events of one request, in order. */
    public synchronized List<Event> of(String requestId) {
        return List.copyOf(byRequest.getOrDefault(requestId, List.of()));
    }

    /** Every event in arrival order. */
    public synchronized List<Event> all() {
        return List.copyOf(events);
    }

    /** The end event of a request ("completed" or "failed"), if it ended. */
    public synchronized @Nullable Event end(String requestId) {
        List<Event> mine = byRequest.getOrDefault(requestId, List.of());
        return mine.stream().filter(e -> e.kind().equals("completed") || e.kind().equals("failed")).findFirst()
                .orElse(null);
    }

    /** Σ token counts of a request's chunks. */
    public synchronized int tokenSum(String requestId) {
        return byRequest.getOrDefault(requestId, List.of()).stream().filter(e -> e.kind().equals("tokens"))
                .mapToInt(Event::count).sum();
    }
}
