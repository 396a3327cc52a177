package dev.lem.internal;

import dev.lem.energy.DomainEnergy;
import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.EnergyMonitor;
import dev.lem.energy.EnergyWindow;
import dev.lem.metrics.RequestRecord;
import dev.lem.spi.Completion;
import dev.lem.spi.FinishReason;
import dev.lem.spi.GenerationListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import org.jspecify.annotations.Nullable;

/**
 * The listener LEM gives backends during a cycle: keeps each request's raw timeline (nanos relative to
 * the cycle's start), phase times and energy, and counters. Thread-safe.
 */
public final class RequestRecorder implements GenerationListener {
    private final long originNanos;
    private final @Nullable EnergyMonitor monitor;
    private final String windowPrefix;
    private final Map<String, Timeline> timelines = new ConcurrentHashMap<>();
    private final Map<String, Long> scheduled = new ConcurrentHashMap<>();
    private final Map<String, DoubleAdder> counters = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> phaseNanos = new ConcurrentHashMap<>();
    private final Map<String, Long> phaseStarts = new ConcurrentHashMap<>();
    private final Map<String, EnergyWindow> phaseWindows = new ConcurrentHashMap<>();
    private final Map<String, List<EnergyMeasurement>> phaseEnergy = new ConcurrentHashMap<>();
    private final java.util.Set<String> order = java.util.Collections.synchronizedSet(new java.util.LinkedHashSet<>());
    private final AtomicLong phaseSeq = new AtomicLong();
    private final List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());

    /**
     * @param originNanos  the cycle's start ({@link System#nanoTime()})
     * @param monitor      energy monitor for phase windows, or null
     * @param windowPrefix prefix of phase window names (unique per cycle)
     */
    public RequestRecorder(long originNanos, @Nullable EnergyMonitor monitor, String windowPrefix) {
        this.originNanos = originNanos;
        this.monitor = monitor;
        this.windowPrefix = windowPrefix;
    }

    /** Registers a request before dispatch, with its open-loop schedule time (absolute nanos) if any. */
    public void expect(String requestId, @Nullable Long scheduledNanoTime) {
        order.add(requestId);
        if (scheduledNanoTime != null) {
            scheduled.put(requestId, scheduledNanoTime - originNanos);
        }
    }

    @Override
    public void requestStarted(String requestId, long nanoTime) {
        Timeline t = new Timeline(nanoTime - originNanos);
        if (timelines.putIfAbsent(requestId, t) != null) {
            violations.add("request " + requestId + " started twice");
        }
        order.add(requestId);
    }

    @Override
    public void tokens(String requestId, long nanoTime, int count, @Nullable List<Integer> tokenIds,
            @Nullable String text) {
        Timeline t = timelines.get(requestId);
        if (t == null) {
            violations.add("tokens for request " + requestId + " before it started");
            return;
        }
        synchronized (t) {
            if (t.done) {
                violations.add("tokens for request " + requestId + " after it ended");
                return;
            }
            t.chunk(nanoTime - originNanos, count);
        }
    }

    @Override
    public void requestCompleted(String requestId, long nanoTime, Completion completion) {
        end(requestId, nanoTime, completion, null);
    }

    @Override
    public void requestFailed(String requestId, long nanoTime, String cause) {
        end(requestId, nanoTime, null, cause);
    }

    private void end(String requestId, long nanoTime, @Nullable Completion completion, @Nullable String error) {
        Timeline t = timelines.get(requestId);
        if (t == null) {
            // a request that failed before it could be sent
            t = new Timeline(nanoTime - originNanos);
            Timeline prev = timelines.putIfAbsent(requestId, t);
            if (prev != null) {
                t = prev;
            }
        }
        synchronized (t) {
            if (t.done) {
                violations.add("request " + requestId + " ended twice");
                return;
            }
            t.done = true;
            t.endNanos = nanoTime - originNanos;
            t.completion = completion;
            t.error = error;
        }
    }

    /** Marks every listed request that has not ended as failed (the backend threw for its batch). */
    public void failUnfinished(List<String> requestIds, String cause) {
        long now = System.nanoTime();
        for (String id : requestIds) {
            Timeline t = timelines.get(id);
            if (t == null || !t.done) {
                end(id, now, null, cause);
            }
        }
    }

    @Override
    public void phaseStarted(String phase, long nanoTime) {
        phaseStarts.put(phase, nanoTime);
        if (monitor != null) {
            EnergyWindow previous = phaseWindows.put(phase, monitor.window(windowName(phase)));
            if (previous != null) {
                previous.close();
                violations.add("phase " + phase + " started again before it ended");
            }
        }
    }

    @Override
    public void phaseEnded(String phase, long nanoTime) {
        Long start = phaseStarts.remove(phase);
        if (start == null) {
            violations.add("phase " + phase + " ended without starting");
            return;
        }
        phaseNanos.computeIfAbsent(phase, p -> new AtomicLong()).addAndGet(nanoTime - start);
        EnergyWindow w = phaseWindows.remove(phase);
        if (w != null) {
            EnergyMeasurement m = w.stop();
            phaseEnergy.computeIfAbsent(phase, p -> java.util.Collections.synchronizedList(new ArrayList<>())).add(m);
            phaseSeq.incrementAndGet();
        }
    }

    private String windowName(String phase) {
        return windowPrefix + "." + phase + "." + phaseSeq.get();
    }

    @Override
    public void count(String counter, double amount) {
        counters.computeIfAbsent(counter, c -> new DoubleAdder()).add(amount);
    }

    /** Every request's record, in dispatch order; requests that never ended are recorded as failed. */
    public List<RequestRecord> records() {
        List<RequestRecord> out = new ArrayList<>();
        List<String> ids;
        synchronized (order) {
            ids = new ArrayList<>(order);
        }
        for (String id : ids) {
            Timeline t = timelines.get(id);
            Optional<Long> sched = Optional.ofNullable(scheduled.get(id));
            if (t == null) {
                out.add(new RequestRecord(id, false, Optional.of("never dispatched (the cycle ended first)"), 0, 0,
                        "error", "none", sched, 0, Optional.empty(), 0, List.of(), List.of()));
                continue;
            }
            synchronized (t) {
                int chunkSum = t.tokenSum();
                List<Long> chunkNanos = t.chunkNanos();
                List<Integer> chunkTokens = t.chunkTokens();
                if (!t.done) {
                    out.add(new RequestRecord(id, false, Optional.of("no completion event from the backend"), 0,
                            chunkSum, "error", "chunk_count_fallback", sched, t.startNanos, first(t), t.startNanos,
                            chunkNanos, chunkTokens));
                } else if (t.completion != null) {
                    Completion c = t.completion;
                    out.add(new RequestRecord(id, true, Optional.empty(), c.promptTokens(), c.outputTokens(),
                            c.finishReason().name().toLowerCase(java.util.Locale.ROOT), c.tokenCountSource(), sched,
                            t.startNanos, first(t), t.endNanos, chunkNanos, chunkTokens));
                } else {
                    out.add(new RequestRecord(id, false, Optional.ofNullable(t.error), 0, chunkSum,
                            FinishReason.ERROR.name().toLowerCase(java.util.Locale.ROOT), "chunk_count_fallback", sched,
                            t.startNanos, first(t), t.endNanos, chunkNanos, chunkTokens));
                }
            }
        }
        return out;
    }

    private static Optional<Long> first(Timeline t) {
        return t.chunks == 0 ? Optional.empty() : Optional.of(t.nanos[0]);
    }

    /** Counter totals. */
    public Map<String, Double> counters() {
        Map<String, Double> out = new LinkedHashMap<>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Total time per phase, ns. */
    public Map<String, Long> phaseNanos() {
        Map<String, Long> out = new HashMap<>();
        phaseNanos.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Energy per phase, summed over the phase's windows. */
    public Map<String, EnergyMeasurement> phaseEnergy() {
        Map<String, EnergyMeasurement> out = new HashMap<>();
        phaseEnergy.forEach((phase, list) -> {
            synchronized (list) {
                out.put(phase, sum(phase, list));
            }
        });
        return out;
    }

    private static EnergyMeasurement sum(String phase, List<EnergyMeasurement> list) {
        Map<String, DomainEnergy> acc = new LinkedHashMap<>();
        long duration = 0;
        List<String> notes = new ArrayList<>();
        for (EnergyMeasurement m : list) {
            duration += m.durationNanos();
            notes.addAll(m.notes());
            for (DomainEnergy d : m.domains()) {
                acc.merge(d.domain().id(), d, (a, b) -> new DomainEnergy(a.domain(), a.joules() + b.joules(),
                        a.idleWatts(), a.adjustedJoules().flatMap(x -> b.adjustedJoules().map(y -> x + y)), false));
            }
        }
        List<DomainEnergy> domains = new ArrayList<>();
        for (DomainEnergy d : acc.values()) {
            boolean below = d.adjustedJoules().map(x -> x < 0).orElse(false);
            domains.add(new DomainEnergy(d.domain(), d.joules(), d.idleWatts(), d.adjustedJoules(), below));
        }
        notes.add("sum of " + list.size() + " " + phase + " windows");
        return new EnergyMeasurement(phase, duration, domains, Optional.empty(),
                notes.stream().distinct().toList());
    }

    /** Listener contract violations seen (for warnings). */
    public List<String> violations() {
        synchronized (violations) {
            return List.copyOf(violations);
        }
    }

    private static final class Timeline {
        final long startNanos;
        // primitive arrays, boxed only when the records are read: a streaming run holds thousands of requests' chunks
        // in flight, and boxed elements are objects the collector copies at every young collection
        long[] nanos = new long[16];
        int[] tokens = new int[16];
        int chunks;
        boolean done;
        long endNanos;
        @Nullable Completion completion;
        @Nullable String error;

        Timeline(long startNanos) {
            this.startNanos = startNanos;
        }

        void chunk(long atNanos, int count) {
            if (chunks == nanos.length) {
                nanos = java.util.Arrays.copyOf(nanos, chunks * 2);
                tokens = java.util.Arrays.copyOf(tokens, chunks * 2);
            }
            nanos[chunks] = atNanos;
            tokens[chunks] = count;
            chunks++;
        }

        int tokenSum() {
            int sum = 0;
            for (int i = 0; i < chunks; i++) {
                sum += tokens[i];
            }
            return sum;
        }

        List<Long> chunkNanos() {
            return java.util.Arrays.stream(nanos, 0, chunks).boxed().toList();
        }

        List<Integer> chunkTokens() {
            return java.util.Arrays.stream(tokens, 0, chunks).boxed().toList();
        }
    }
}
