package dev.lem.workload;

import dev.lem.config.ExperimentConfig;
import dev.lem.config.PromptSource;
import dev.lem.config.TrafficConfig;
import dev.lem.config.TrafficPattern;
import dev.lem.spi.Completion;
import dev.lem.spi.GenerationListener;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.InferenceBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * Drives requests through a backend's asynchronous {@link InferenceBackend#submit} as configured in
 * {@code traffic.*}; the dispatching happens on the calling thread, the requests' I/O on the backend's.
 *
 * <ul>
 *   <li><b>Closed loop</b> ({@code closed}, and {@code auto} for served backends): {@code traffic.concurrency}
 *       requests in flight; each one that ends lets the next one go.</li>
 *   <li><b>Open loop</b> ({@code poisson}, {@code gamma}, {@code constant}): request {@code k} is due at
 *       {@code start + gap₁ + … + gapₖ} ({@link ArrivalProcess}, seeded by {@code seed}) — absolute times from
 *       the start, so a late send never delays the ones after it. Each request's due time is passed to
 *       the {@link DispatchObserver}, so the client's own lag (actual − scheduled send) is recorded. No cap
 *       on requests in flight: the server sees the arrival process as configured.</li>
 *   <li><b>Limits:</b> {@code traffic.max_requests} (default: one per prompt; unlimited when only
 *       {@code traffic.max_duration_s} is given), {@code traffic.max_duration_s} (no send after it).
 *       Prompts repeat in order when more requests than prompts are sent; repeats get ids
 *       {@code <id>#<pass>}. After the last send, requests in flight are awaited for up to
 *       {@code server.request_timeout_s} + 60 s, then recorded as failed — never dropped.</li>
 *   <li><b>Warm-up:</b> {@code traffic.warmup_requests} requests are sent once, before the first requests
 *       this generator is given, with the same pattern; they are awaited and left out of every record.</li>
 *   <li><b>Synthetic prompts</b> ({@code prompts.source: synthetic}): prompt {@code i} gets
 *       {@link SyntheticPrompts#calibrated} text sized with the backend's tokenizer (a server's
 *       {@code /tokenize}) when it has one, and its own output length (minimum = maximum when
 *       {@code decoding.ignore_eos}, so the length is exact). Calibrated texts are kept for later cycles.</li>
 *   <li>Requests flagged {@link GenerationRequest#warmup()} (the runner's warm-up phase) run closed-loop at
 *       {@code traffic.concurrency}, without limits.</li>
 * </ul>
 *
 * <p>One generator per experiment and process; {@link #run} is not meant to be called concurrently.
 */
public final class LoadGenerator {
    private static final long SPIN_NANOS = 60_000;
    private static final long DRAIN_SLACK_NANOS = 60_000_000_000L;
    /** Streams in flight above their expected number that the connections opened before an open loop cover, in σ. */
    static final double OPEN_LOOP_CONNECTION_MARGIN_SIGMAS = 3.0;

    /**
     * Keeps the warm-up's end-to-end latencies (to size an open loop's connections), passing every event on to
     * {@code next} (which may be null).
     */
    private static final class WarmupLatencies implements GenerationListener {
        private final @Nullable GenerationListener next;
        private final Map<String, Long> started = new ConcurrentHashMap<>();
        private final java.util.concurrent.atomic.DoubleAdder sumNanos = new java.util.concurrent.atomic.DoubleAdder();
        private final AtomicInteger completed = new AtomicInteger();

        WarmupLatencies(@Nullable GenerationListener next) {
            this.next = next;
        }

        @Override
        public void requestStarted(String requestId, long nanoTime) {
            started.put(requestId, nanoTime);
            if (next != null) {
                next.requestStarted(requestId, nanoTime);
            }
        }

        @Override
        public void tokens(String requestId, long nanoTime, int count, @Nullable List<Integer> tokenIds,
                @Nullable String text) {
            if (next != null) {
                next.tokens(requestId, nanoTime, count, tokenIds, text);
            }
        }

        @Override
        public void requestCompleted(String requestId, long nanoTime, Completion completion) {
            Long t0 = started.remove(requestId);
            if (t0 != null && nanoTime >= t0) {
                sumNanos.add(nanoTime - t0);
                completed.incrementAndGet();
            }
            if (next != null) {
                next.requestCompleted(requestId, nanoTime, completion);
            }
        }

        @Override
        public void requestFailed(String requestId, long nanoTime, String cause) {
            started.remove(requestId);
            if (next != null) {
                next.requestFailed(requestId, nanoTime, cause);
            }
        }

        @Override
        public void phaseStarted(String phase, long nanoTime) {
            if (next != null) {
                next.phaseStarted(phase, nanoTime);
            }
        }

        @Override
        public void phaseEnded(String phase, long nanoTime) {
            if (next != null) {
                next.phaseEnded(phase, nanoTime);
            }
        }

        @Override
        public void count(String counter, double amount) {
            if (next != null) {
                next.count(counter, amount);
            }
        }

        /** {@return the mean end-to-end latency of the completed warm-up requests, s; 0 when none completed} */
        double meanSeconds() {
            int n = completed.get();
            return n == 0 ? 0 : sumNanos.sum() / n / 1e9;
        }
    }

    /** Told about each request just before it is sent (the runner registers it with its recorder). */
    @FunctionalInterface
    public interface DispatchObserver {
        /**
         * Called just before the request is sent.
         *
         * @param requestId          the request
         * @param scheduledNanoTime  open loop: when the schedule wanted it sent ({@link System#nanoTime()});
         *                           null for closed loop
         */
        void expect(String requestId, @Nullable Long scheduledNanoTime);
    }

    private final ExperimentConfig config;
    private final TrafficConfig traffic;
    private final InferenceBackend backend;
    private final long drainNanos;
    private final Map<Integer, String> syntheticTexts = new ConcurrentHashMap<>();
    private boolean warmedUp;
    private int preparedWarmupSent;
    /** Mean end-to-end latency of the warm-up requests, s; 0 before a warm-up (or when none completed). */
    private double warmupMeanE2eS;
    private int measuredRuns;

    private LoadGenerator(ExperimentConfig config, InferenceBackend backend, long drainNanos) {
        this.config = config;
        this.traffic = config.traffic();
        this.backend = backend;
        this.drainNanos = drainNanos;
    }

    /**
     * A generator for one experiment's traffic against {@code backend}.
     *
     * @param config the experiment's configuration
     * @param backend the backend the requests go to
     * @return the generator
     */
    public static LoadGenerator create(ExperimentConfig config, InferenceBackend backend) {
        return new LoadGenerator(config, backend,
                Math.round(config.server().requestTimeoutS() * 1e9) + DRAIN_SLACK_NANOS);
    }

    /** A generator that waits {@code drainNanos} for requests in flight after the last send (tests). */
    static LoadGenerator create(ExperimentConfig config, InferenceBackend backend, long drainNanos) {
        return new LoadGenerator(config, backend, drainNanos);
    }

    /** {@return the pattern a run uses: {@code auto} and {@code batch} mean closed loop here} */
    public TrafficPattern pattern() {
        return traffic.pattern().isOpenLoop() ? traffic.pattern() : TrafficPattern.CLOSED;
    }

    /**
     * Sends {@code requests} (in order, repeated or cut short by the limits) and waits until every sent
     * request has ended.
     *
     * @param requests the requests, in order
     * @param listener receives every event of the recorded requests
     * @param observer told about each recorded request before it is sent
     * @return what was sent and how it went
     * @throws InterruptedException when interrupted; requests in flight keep running in the backend
     */
    public LoadReport run(List<GenerationRequest> requests, GenerationListener listener, DispatchObserver observer)
            throws InterruptedException {
        List<GenerationRequest> prepared = sized(requests);
        boolean warmPhase = !prepared.isEmpty() && prepared.stream().allMatch(GenerationRequest::warmup);
        List<String> notes = new ArrayList<>();
        int warmupSent = preparedWarmupSent;
        preparedWarmupSent = 0;
        if (!warmedUp && traffic.warmupRequests() > 0 && !prepared.isEmpty()) {
            warmedUp = true;
            warmupSent = warmUp(prepared);
            if (!warmPhase) {
                notes.add("traffic.warmup_requests (" + warmupSent + ") ran at the start of this run, inside its "
                        + "measured window, because it was not prepared first (call LoadGenerator.prepare before "
                        + "opening the window)");
            }
        }
        if (warmPhase) {
            // the experiment's warm-up: its latencies size the connections of the open loops that follow
            WarmupLatencies latencies = new WarmupLatencies(listener);
            Tracker t = new Tracker(latencies);
            Outcome o = closed(prepared.size(), prepared::get, Math.max(1, traffic.concurrency()), Long.MAX_VALUE, t,
                    observer);
            LoadReport report = report(TrafficPattern.CLOSED, o, t, warmupSent, notes);
            if (latencies.meanSeconds() > 0) {
                warmupMeanE2eS = latencies.meanSeconds();
            }
            return report;
        }
        boolean hasDuration = traffic.maxDurationS().isPresent();
        int count = traffic.maxRequests().orElse(hasDuration ? Integer.MAX_VALUE : prepared.size());
        long deadline = traffic.maxDurationS().map(s -> Math.round(s * 1e9)).orElse(Long.MAX_VALUE);
        IntFunction<GenerationRequest> source = i -> nth(prepared, i);
        Tracker t = new Tracker(listener);
        TrafficPattern pattern = pattern();
        measuredRuns++;
        Outcome o = pattern == TrafficPattern.CLOSED
                ? closed(count, source, Math.max(1, traffic.concurrency()), deadline, t, observer)
                : open(count, source, arrivals(measuredRuns), deadline, t, observer);
        if (o.stoppedBy.equals("requests") && traffic.maxRequests().isPresent()) {
            o.stoppedBy = "traffic.max_requests";
        }
        return report(pattern, o, t, warmupSent, notes);
    }

    /**
     * Does every preparation of a run before it is measured, so that the measured window holds nothing but the
     * workload: sizes synthetic prompts with the backend's tokenizer (a server's {@code /tokenize}; the texts are
     * kept for later runs), once per generator sends {@code traffic.warmup_requests} and waits for them, and opens
     * the connections the run's first requests will use ({@link InferenceBackend#openConnections}).
     * {@link #run} with the returned list then sends its first request at once.
     *
     * @param requests the requests of the coming run, in order
     * @return the requests as {@link #run} sends them (synthetic prompts sized)
     * @throws InterruptedException when interrupted while the warm-up requests run
     */
    public List<GenerationRequest> prepare(List<GenerationRequest> requests) throws InterruptedException {
        List<GenerationRequest> prepared = sized(requests);
        if (!warmedUp && traffic.warmupRequests() > 0 && !prepared.isEmpty()) {
            warmedUp = true;
            preparedWarmupSent = warmUp(prepared);
        }
        if (!prepared.isEmpty()) {
            backend.openConnections(connectionsAtStart(prepared.size()));
        }
        return prepared;
    }

    /**
     * {@return how many connections a run will want open: the closed loop's concurrency; for an open loop the larger
     * of the arrivals of its first second and the streams it will hold in flight — by Little's law the rate times the
     * warm-up's mean end-to-end latency, plus {@value #OPEN_LOOP_CONNECTION_MARGIN_SIGMAS} σ of the Poisson number
     * in flight — (at least one); never more than the run's requests}. Without a warm-up only the first second is
     * known; both the experiment's warm-up runs and {@code traffic.warmup_requests} count as a warm-up, the later
     * one's latencies winning. Every connection a run's requests find open is one they do not open inside the measured window: with
     * 1,000 streams the ramp-up's new connections were the send lag's tail (docs/performance.md).
     */
    int connectionsAtStart(int requests) {
        double rate = traffic.rate().orElse(1.0);
        double inFlight = rate * warmupMeanE2eS;
        double expected = inFlight + OPEN_LOOP_CONNECTION_MARGIN_SIGMAS * Math.sqrt(inFlight);
        int n = pattern() == TrafficPattern.CLOSED ? Math.max(1, traffic.concurrency())
                : (int) Math.min(Integer.MAX_VALUE, Math.max(1, Math.ceil(Math.max(rate, expected))));
        int limit = traffic.maxRequests().orElse(traffic.maxDurationS().isPresent() ? Integer.MAX_VALUE : requests);
        return Math.max(1, Math.min(n, limit));
    }

    private ArrivalProcess arrivals(long salt) {
        return ArrivalProcess.of(pattern(), traffic.rate().orElseThrow(() -> new dev.lem.config.ConfigException(
                "traffic.rate", "is required for traffic.pattern " + pattern() + " (requests per second)")),
                traffic.burstiness(), config.seed() * 31 + salt);
    }

    private int warmUp(List<GenerationRequest> prepared) throws InterruptedException {
        int n = traffic.warmupRequests();
        IntFunction<GenerationRequest> source = i -> {
            GenerationRequest r = prepared.get(i % prepared.size());
            return new GenerationRequest("warmup-" + i, r.prompt(), r.promptTokenIds(), r.maxOutputTokens(),
                    r.minOutputTokens(), r.decoding(), r.seed(), true);
        };
        WarmupLatencies latencies = new WarmupLatencies(null);
        Tracker t = new Tracker(latencies);
        Outcome o = pattern() == TrafficPattern.CLOSED
                ? closed(n, source, Math.max(1, traffic.concurrency()), Long.MAX_VALUE, t, (id, s) -> { })
                : open(n, source, arrivals(-1), Long.MAX_VALUE, t, (id, s) -> { });
        t.drain(drainNanos);
        if (latencies.meanSeconds() > 0) {
            warmupMeanE2eS = latencies.meanSeconds();
        }
        return o.sent;
    }

    private LoadReport report(TrafficPattern pattern, Outcome o, Tracker t, int warmupSent, List<String> notes)
            throws InterruptedException {
        int abandoned = t.drain(drainNanos);
        if (abandoned > 0) {
            notes.add(String.format(Locale.ROOT, "%d request(s) had not ended %.3g s after the last send; they are "
                    + "recorded as failed", abandoned, drainNanos / 1e9));
        }
        long span = o.sent > 0 ? o.lastSend - o.firstSend : 0;
        Optional<Double> achieved = o.sent >= 2 && span > 0 && pattern.isOpenLoop()
                ? Optional.of((o.sent - 1) / (span / 1e9)) : Optional.empty();
        return new LoadReport(pattern, traffic.concurrency(), pattern.isOpenLoop() ? traffic.rate() : Optional.empty(),
                o.sent, warmupSent, span, achieved, t.maxInFlight.get(), o.stoppedBy, notes);
    }

    private static GenerationRequest nth(List<GenerationRequest> list, int i) {
        GenerationRequest r = list.get(i % list.size());
        int pass = i / list.size();
        if (pass == 0) {
            return r;
        }
        return new GenerationRequest(r.id() + "#" + pass, r.prompt(), r.promptTokenIds(), r.maxOutputTokens(),
                r.minOutputTokens(), r.decoding(), r.seed() + (long) pass * list.size(), r.warmup());
    }

    // ------------------------------------------------------------------ loops

    /** What a loop did. */
    private static final class Outcome {
        int sent;
        long firstSend;
        long lastSend;
        String stoppedBy = "requests";
    }

    private Outcome closed(int count, IntFunction<GenerationRequest> source, int concurrency, long maxNanos, Tracker t,
            DispatchObserver observer) throws InterruptedException {
        Semaphore slots = new Semaphore(concurrency);
        Outcome o = new Outcome();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long left = maxNanos == Long.MAX_VALUE ? Long.MAX_VALUE : maxNanos - (System.nanoTime() - start);
            if (left <= 0 || !slots.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                o.stoppedBy = "traffic.max_duration_s";
                break;
            }
            if (maxNanos != Long.MAX_VALUE && System.nanoTime() - start >= maxNanos) {
                slots.release();
                o.stoppedBy = "traffic.max_duration_s";
                break;
            }
            send(source.apply(i), null, t, observer, o).whenComplete((v, e) -> slots.release());
        }
        return o;
    }

    private Outcome open(int count, IntFunction<GenerationRequest> source, ArrivalProcess arrivals, long maxNanos,
            Tracker t, DispatchObserver observer) throws InterruptedException {
        Outcome o = new Outcome();
        long start = System.nanoTime();
        long due = start;
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                due += arrivals.nextGapNanos();
            }
            if (due - start >= maxNanos) {
                o.stoppedBy = "traffic.max_duration_s";
                break;
            }
            waitUntil(due);
            send(source.apply(i), due, t, observer, o);
        }
        return o;
    }

    private CompletableFuture<Void> send(GenerationRequest r, @Nullable Long scheduled, Tracker t,
            DispatchObserver observer, Outcome o) {
        observer.expect(r.id(), scheduled);
        long now = System.nanoTime();
        if (o.sent == 0) {
            o.firstSend = now;
        }
        o.lastSend = now;
        o.sent++;
        t.sending(r.id());
        CompletableFuture<Void> f;
        try {
            f = backend.submit(r, t);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.whenComplete((v, e) -> t.settled(r.id(), e));
    }

    /** Parks until shortly before {@code due}, then spins the last few tens of microseconds. */
    static void waitUntil(long due) throws InterruptedException {
        while (true) {
            long left = due - System.nanoTime();
            if (left <= 0) {
                return;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while waiting to send the next request");
            }
            if (left > SPIN_NANOS) {
                LockSupport.parkNanos(left - SPIN_NANOS);
            } else {
                Thread.onSpinWait();
            }
        }
    }

    // ------------------------------------------------------------------ synthetic prompts

    private List<GenerationRequest> sized(List<GenerationRequest> requests) {
        if (config.prompts().source() != PromptSource.SYNTHETIC) {
            return requests;
        }
        var spec = config.prompts().synthetic();
        int limit = Math.max(1, config.prompts().limit());
        List<GenerationRequest> out = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            GenerationRequest r = requests.get(i);
            int index = i % limit;
            String text = syntheticTexts.computeIfAbsent(index, k -> SyntheticPrompts.calibrated(
                    SyntheticPrompts.inputTokens(spec, config.seed(), k), config.seed(), k, this::countTokens));
            int outTokens = SyntheticPrompts.outputTokens(spec, config.maxOutputTokens(), config.seed(), index);
            int min = r.decoding().ignoreEos() ? outTokens : Math.min(r.minOutputTokens(), outTokens);
            out.add(new GenerationRequest(r.id(), text, null, outTokens, min, r.decoding(), r.seed(), r.warmup()));
        }
        return out;
    }

    private Optional<Integer> countTokens(String text) {
        try {
            return backend.countTokens(text);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    // ------------------------------------------------------------------ tracking

    /**
     * Forwards every event and keeps which requests are in flight, so the drain can fail those that never
     * end (and drop their late events, once they are counted as failed).
     */
    private static final class Tracker implements GenerationListener {
        private final GenerationListener target;
        private final Set<String> open = ConcurrentHashMap.newKeySet();
        private final Set<String> abandoned = ConcurrentHashMap.newKeySet();
        private final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        private final Object lock = new Object();

        Tracker(GenerationListener target) {
            this.target = target;
        }

        void sending(String id) {
            open.add(id);
            int n = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(n, Math::max);
        }

        void settled(String id, @Nullable Throwable e) {
            if (e != null && open.contains(id)) {
                requestFailed(id, System.nanoTime(), "the backend failed the request: "
                        + (e.getMessage() == null ? e.getClass().getName() : e.getMessage()));
            }
            if (inFlight.decrementAndGet() == 0) {
                synchronized (lock) {
                    lock.notifyAll();
                }
            }
        }

        /** Waits for requests in flight; fails those still open after {@code timeoutNanos}. Returns how many. */
        int drain(long timeoutNanos) throws InterruptedException {
            long end = System.nanoTime() + timeoutNanos;
            synchronized (lock) {
                while (inFlight.get() > 0) {
                    long left = end - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    lock.wait(Math.max(1, Math.min(left / 1_000_000, 1000)));
                }
            }
            int n = 0;
            long now = System.nanoTime();
            for (String id : List.copyOf(open)) {
                if (open.remove(id)) {
                    abandoned.add(id);
                    target.requestFailed(id, now, String.format(Locale.ROOT, "no final event within %.3g s after the "
                            + "last send (server.request_timeout_s + 60 s)", timeoutNanos / 1e9));
                    n++;
                }
            }
            return n;
        }

        @Override
        public void requestStarted(String requestId, long nanoTime) {
            target.requestStarted(requestId, nanoTime);
        }

        @Override
        public void tokens(String requestId, long nanoTime, int count, @Nullable List<Integer> tokenIds,
                @Nullable String text) {
            if (abandoned.isEmpty() || !abandoned.contains(requestId)) {
                target.tokens(requestId, nanoTime, count, tokenIds, text);
            }
        }

        @Override
        public void requestCompleted(String requestId, long nanoTime, Completion completion) {
            if (open.remove(requestId)) {
                target.requestCompleted(requestId, nanoTime, completion);
            }
        }

        @Override
        public void requestFailed(String requestId, long nanoTime, String cause) {
            if (open.remove(requestId)) {
                target.requestFailed(requestId, nanoTime, cause);
            }
        }

        @Override
        public void phaseStarted(String phase, long nanoTime) {
            target.phaseStarted(phase, nanoTime);
        }

        @Override
        public void phaseEnded(String phase, long nanoTime) {
            target.phaseEnded(phase, nanoTime);
        }

        @Override
        public void count(String counter, double amount) {
            target.count(counter, amount);
        }
    }
}
