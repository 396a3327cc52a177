package dev.lem.serving;

import dev.lem.spi.Completion;
import dev.lem.spi.GenerationListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One streamed request: its attempts, the events read from its stream, its token counts and its one
 * final event. The body callbacks of one attempt are serialised by the HTTP client; the watchdog may fail
 * the request concurrently, so emission and the end are guarded by this object's lock.
 */
final class StreamExchange {
    private static final Logger LOG = LoggerFactory.getLogger(StreamExchange.class);
    private static final int ERROR_BODY_BYTES = 4096;
    private static final long BACKOFF_START_MS = 100;
    private static final long BACKOFF_MAX_MS = 2000;

    private final ServingClient client;
    private final StreamCall call;
    private final GenerationListener listener;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private long startNanos;
    private volatile long lastReadNanos;
    private volatile boolean firstToken;
    private volatile @Nullable Attempt current;
    private boolean ended;
    private boolean startEmitted;

    // stream state, touched by the one attempt that got a 200 response
    private boolean sawDone;
    private long events;
    private final TokenCounter tokens = new TokenCounter();
    private int chunkSum;
    private final Map<String, Double> serverMetrics = new HashMap<>();

    StreamExchange(ServingClient client, StreamCall call, GenerationListener listener) {
        this.client = client;
        this.call = call;
        this.listener = listener;
    }

    CompletableFuture<Void> done() {
        return done;
    }

    void start() {
        startNanos = System.nanoTime();
        send(0);
    }

    /**
     * Emits {@code requestStarted} once: when the HTTP client first takes the request body to write it (the request
     * is going out: connection acquired, headers written), so that TTFT and E2E do not carry the JDK client's send
     * path (0.5-1 ms of executor hand-offs and connection acquisition on loopback, measured by
     * TtftOverheadBenchmark); a request that fails or is retried before it was written starts at its submission,
     * so failed attempts show in its latency.
     */
    private void emitStart(long nanoTime) {
        synchronized (this) {
            if (startEmitted) {
                return;
            }
            startEmitted = true;
        }
        try {
            listener.requestStarted(call.requestId(), nanoTime);
        } catch (RuntimeException e) {
            LOG.debug("listener failed on the start of {}", call.requestId(), e);
        }
    }

    /** The request body, which stamps the request's start when the client first asks for it. */
    private HttpRequest.BodyPublisher body() {
        HttpRequest.BodyPublisher inner = HttpRequest.BodyPublishers.ofByteArray(call.body());
        return new HttpRequest.BodyPublisher() {
            @Override
            public long contentLength() {
                return inner.contentLength();
            }

            @Override
            public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
                inner.subscribe(new Flow.Subscriber<ByteBuffer>() {
                    @Override
                    public void onSubscribe(Flow.Subscription subscription) {
                        subscriber.onSubscribe(new Flow.Subscription() {
                            @Override
                            public void request(long n) {
                                emitStart(System.nanoTime());
                                subscription.request(n);
                            }

                            @Override
                            public void cancel() {
                                subscription.cancel();
                            }
                        });
                    }

                    @Override
                    public void onNext(ByteBuffer item) {
                        subscriber.onNext(item);
                    }

                    @Override
                    public void onError(Throwable throwable) {
                        subscriber.onError(throwable);
                    }

                    @Override
                    public void onComplete() {
                        subscriber.onComplete();
                    }
                });
            }
        };
    }

    private void send(int attemptNumber) {
        long left = client.settings().firstTokenTimeout().toNanos() - (System.nanoTime() - startNanos);
        if (left <= 0) {
            fail(System.nanoTime(), "no first token within " + secs(client.settings().firstTokenTimeout().toNanos())
                    + " (server.first_token_timeout_s) after " + attemptNumber + " attempt(s)");
            return;
        }
        Attempt a = new Attempt(attemptNumber);
        current = a;
        HttpRequest req = client.request(call.path(), java.time.Duration.ofNanos(left))
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(body())
                .build();
        CompletableFuture<HttpResponse<Void>> f;
        try {
            f = client.http().sendAsync(req, a::handle);
        } catch (RuntimeException e) {
            fail(System.nanoTime(), "could not send the request: " + e);
            return;
        }
        a.future = f;
        f.whenComplete(a::settled);
    }

    // ------------------------------------------------------------------ events of a 200 stream

    void onEvent(long now, @Nullable String event, byte[] data, int length) {
        if (sawDone || isEnded()) {
            return;
        }
        events++;
        StreamChunk c;
        if ("error".equals(event)) {
            c = StreamChunk.error(new String(data, 0, length, StandardCharsets.UTF_8));
        } else {
            c = StreamChunks.parse(call.dialect(), data, length);
        }
        if (c.done()) {
            sawDone = true;
            return;
        }
        if (c.error().isPresent()) {
            failAndCancel(now, "the server reported an error in the stream after HTTP 200: " + c.error().get());
            return;
        }
        chunk(now, c);
    }

    private void chunk(long now, StreamChunk c) {
        int count = tokens.chunk(c);
        serverMetrics.putAll(c.serverMetrics());
        if (count > 0) {
            emitTokens(now, count, c.tokenIds(), c.text());
        }
    }

    private void emitTokens(long now, int count, @Nullable List<Integer> ids, @Nullable String text) {
        emitStart(startNanos);
        synchronized (this) {
            if (ended) {
                return;
            }
            chunkSum += count;
            firstToken = true;
            try {
                listener.tokens(call.requestId(), now, count, ids, text);
            } catch (RuntimeException e) {
                LOG.debug("listener failed on tokens of {}", call.requestId(), e);
            }
        }
    }

    /** The stream ended normally (end of body). */
    void endOfStream(long now) {
        if (isEnded()) {
            return;
        }
        if (call.dialect().endsWithDone() && !sawDone) {
            if (!tokens.ended()) {
                fail(now, "the stream ended without [DONE] and without a finish_reason after " + events
                        + " event(s) and " + chunkSum + " token(s): the server closed the connection");
                return;
            }
            listener.count("serving.streams_without_done", 1);
        }
        if (events == 0) {
            fail(now, "the server answered HTTP 200 with an empty stream");
            return;
        }
        complete(now);
    }

    /** A 200 response that was not an event stream: one JSON document holding the whole output. */
    void wholeResponse(long now, byte[] body) {
        StreamChunk c = StreamChunks.parse(call.dialect(), body, body.length);
        if (c.error().isPresent()) {
            fail(now, "the server reported an error: " + c.error().get());
            return;
        }
        events++;
        serverMetrics.putAll(c.serverMetrics());
        int count = tokens.whole(c);
        if (count > 0) {
            emitTokens(now, count, c.tokenIds(), c.text());
        }
        complete(now);
    }

    private void complete(long now) {
        TokenCounter.Result counted = tokens.result();
        int output = counted.outputTokens();
        if (counted.mismatch()) {
            listener.count("serving.token_count_mismatch_requests", 1);
        }
        if (counted.countedByChunks()) {
            listener.count("serving.requests_counted_by_chunks", 1);
        }
        String finishReason = tokens.finishReasonText();
        if ("abort".equals(finishReason) || "error".equals(finishReason)) {
            fail(now, "the server ended the request with finish_reason \"" + finishReason + "\" after " + output
                    + " token(s)");
            return;
        }
        Completion completion = new Completion(counted.promptTokens(), output,
                tokens.finish(output, call.maxOutputTokens()), counted.source());
        emitStart(startNanos);
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            emitServerMetrics();
            try {
                listener.requestCompleted(call.requestId(), now, completion);
            } catch (RuntimeException e) {
                LOG.debug("listener failed on completion of {}", call.requestId(), e);
            }
        }
        end();
    }

    /** Triton perf metrics: server-side queue, TTFT and generation time of this request, as cycle counters. */
    private void emitServerMetrics() {
        Double ttft = serverMetrics.get("ttft_ns");
        Double queue = serverMetrics.get("queue_ns");
        Double e2e = serverMetrics.get("e2e_ns");
        if (ttft == null && queue == null && e2e == null) {
            return;
        }
        listener.count("server.perf_metrics_requests", 1);
        if (queue != null) {
            listener.count("server.queue_ms", queue / 1e6);
        }
        if (ttft != null) {
            listener.count("server.ttft_ms", ttft / 1e6);
        }
        if (e2e != null) {
            listener.count("server.e2e_ms", e2e / 1e6);
        }
        Double reused = serverMetrics.get("kv_cache_reused_blocks");
        if (reused != null) {
            listener.count("server.kv_cache_reused_blocks", reused);
        }
    }

    // ------------------------------------------------------------------ failure and end

    private synchronized boolean isEnded() {
        return ended;
    }

    /** Fails the request once; later calls do nothing. */
    void fail(long now, String cause) {
        emitStart(startNanos);
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            try {
                listener.requestFailed(call.requestId(), now, cause);
            } catch (RuntimeException e) {
                LOG.debug("listener failed on failure of {}", call.requestId(), e);
            }
        }
        end();
    }

    private void failAndCancel(long now, String cause) {
        fail(now, cause);
        cancel();
    }

    private void end() {
        client.finished(this);
        done.complete(null);
    }

    private void cancel() {
        Attempt a = current;
        if (a != null) {
            a.cancel();
        }
    }

    void checkTimeouts(long now) {
        if (isEnded()) {
            client.finished(this);
            return;
        }
        ServerSettings s = client.settings();
        long age = now - startNanos;
        String cause = null;
        if (age > s.requestTimeout().toNanos()) {
            cause = "the request took longer than " + secs(s.requestTimeout().toNanos()) + " (server.request_timeout_s)";
        } else if (!firstToken && age > s.firstTokenTimeout().toNanos()) {
            cause = "no first token within " + secs(s.firstTokenTimeout().toNanos()) + " (server.first_token_timeout_s)";
        } else if (firstToken && now - lastReadNanos > s.idleTimeout().toNanos()) {
            cause = "the stream stalled: no data for " + secs(s.idleTimeout().toNanos()) + " after " + chunkSum
                    + " token(s) (server.idle_timeout_s)";
        }
        if (cause != null) {
            failAndCancel(now, cause);
        }
    }

    private static String secs(long nanos) {
        return String.format(Locale.ROOT, "%.3g s", nanos / 1e9);
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException
                || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /** Connection failures before any response; not a response timeout (the server has the request). */
    private static boolean retryable(Throwable t) {
        Throwable c = unwrap(t);
        if (c instanceof HttpTimeoutException && !(c instanceof HttpConnectTimeoutException)) {
            return false;
        }
        return c instanceof IOException;
    }

    private String describe(Throwable t) {
        Throwable c = unwrap(t);
        if (c instanceof HttpConnectTimeoutException) {
            return "could not connect within the connect timeout (server.connect_timeout_s)";
        }
        if (c instanceof HttpTimeoutException) {
            return "no first token within " + secs(client.settings().firstTokenTimeout().toNanos())
                    + " (server.first_token_timeout_s): the server did not even send its response headers";
        }
        if (c instanceof ConnectException) {
            return "could not connect: " + (c.getMessage() == null ? "connection refused" : c.getMessage());
        }
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }

    private static boolean retryableStatus(int status) {
        return status == 429 || status == 502 || status == 503 || status == 504;
    }

    /** One HTTP attempt of the request. */
    private final class Attempt implements Flow.Subscriber<List<ByteBuffer>> {
        private final int number;
        volatile @Nullable CompletableFuture<HttpResponse<Void>> future;
        private volatile Flow.@Nullable Subscription subscription;
        private int status;
        boolean sse;
        private long bytes;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private @Nullable SseParser parser;

        Attempt(int number) {
            this.number = number;
        }

        HttpResponse.BodySubscriber<Void> handle(HttpResponse.ResponseInfo info) {
            status = info.statusCode();
            String type = info.headers().firstValue("content-type").orElse("").toLowerCase(Locale.ROOT);
            sse = status == 200 && !type.startsWith("application/json");
            bytes = 0;
            if (sse) {
                parser = new SseParser((event, data, length) -> onEvent(lastReadNanos, event, data, length),
                        ServingClient.MAX_EVENT_BYTES);
            }
            return HttpResponse.BodySubscribers.fromSubscriber(this, s -> null);
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (isEnded()) {
                s.cancel();
            } else {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            long now = System.nanoTime();
            lastReadNanos = now;
            try {
                for (ByteBuffer b : buffers) {
                    bytes += b.remaining();
                    if (parser != null) {
                        parser.feed(b);
                    } else if (status == 200 || body.size() < ERROR_BODY_BYTES) {
                        if (status == 200 && body.size() + b.remaining() > ServingClient.MAX_EVENT_BYTES) {
                            throw new SseParser.MalformedStreamException("the response exceeds "
                                    + ServingClient.MAX_EVENT_BYTES + " bytes");
                        }
                        byte[] chunk = new byte[b.remaining()];
                        b.get(chunk);
                        body.write(chunk, 0, chunk.length);
                    } else {
                        b.position(b.limit());
                    }
                }
            } catch (SseParser.MalformedStreamException e) {
                failAndCancel(now, e.getMessage() + " (after " + chunkSum + " token(s))");
            }
        }

        @Override
        public void onError(Throwable t) {
            if (status == 200) {
                fail(System.nanoTime(), "the stream broke after " + bytes + " bytes and " + chunkSum + " token(s): "
                        + describe(t));
            }
        }

        @Override
        public void onComplete() {
            if (status != 200) {
                return;
            }
            long now = System.nanoTime();
            try {
                if (parser != null) {
                    parser.finish();
                    endOfStream(now);
                } else {
                    wholeResponse(now, body.toByteArray());
                }
            } catch (SseParser.MalformedStreamException e) {
                fail(now, e.getMessage());
            }
        }

        void cancel() {
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
            CompletableFuture<HttpResponse<Void>> f = future;
            if (f != null) {
                f.cancel(true);
            }
        }

        void settled(@Nullable HttpResponse<Void> response, @Nullable Throwable error) {
            long now = System.nanoTime();
            if (isEnded()) {
                return;
            }
            if (error != null) {
                if (status == 0 && retryable(error) && retry(now, describe(error))) {
                    return;
                }
                fail(now, status == 200 ? "the stream broke after " + bytes + " bytes: " + describe(error)
                        : describe(error) + " (" + call.path() + ", attempt " + (number + 1) + ")");
                return;
            }
            if (status == 200) {
                endOfStream(now); // normally already done in onComplete; a no-op then
                return;
            }
            String text = body.toString(StandardCharsets.UTF_8).strip();
            if (text.length() > 500) {
                text = text.substring(0, 500) + "...";
            }
            String cause = "HTTP " + status + " from " + call.path() + (text.isEmpty() ? "" : ": " + text);
            if (retryableStatus(status) && retry(now, cause)) {
                return;
            }
            fail(now, cause + (number > 0 ? " (after " + number + " retries)" : ""));
        }

        private boolean retry(long now, String cause) {
            ServerSettings s = client.settings();
            if (number >= s.maxRetries()) {
                return false;
            }
            long delayMs = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS << Math.min(number, 10));
            if (now - startNanos + delayMs * 1_000_000 >= s.firstTokenTimeout().toNanos()) {
                return false;
            }
            emitStart(startNanos);
            LOG.debug("retrying {} in {} ms after: {}", call.requestId(), delayMs, cause);
            listener.count("serving.retries", 1);
            CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS, client.executor())
                    .execute(() -> send(number + 1));
            return true;
        }
    }
}
