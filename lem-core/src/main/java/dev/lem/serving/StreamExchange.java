package dev.lem.serving;

import dev.lem.spi.Completion;
import dev.lem.spi.GenerationListener;
import dev.lem.spi.HttpTransport;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
     * Emits {@code requestStarted} once: when the transport commits the request (it is going out: connection
     * acquired, headers being written), so that TTFT and E2E do not carry the client's send path (for the JDK's
     * client 0.5-1 ms of executor hand-offs and connection acquisition on loopback, measured by
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

    private void send(int attemptNumber) {
        long left = client.settings().firstTokenTimeout().toNanos() - (System.nanoTime() - startNanos);
        if (left <= 0) {
            fail(System.nanoTime(), "no first token within " + secs(client.settings().firstTokenTimeout().toNanos())
                    + " (server.first_token_timeout_s) after " + attemptNumber + " attempt(s)");
            return;
        }
        Attempt a = new Attempt(attemptNumber);
        current = a;
        HttpTransport.Request req = client.request("POST", client.settings().resolve(call.path()),
                java.util.Map.of("Content-Type", "application/json", "Accept", "text/event-stream"), call.body(),
                java.time.Duration.ofNanos(left));
        try {
            a.exchange = client.transport().send(req, a);
        } catch (RuntimeException e) {
            fail(System.nanoTime(), "could not send the request: " + e);
            return;
        }
        if (isEnded()) {
            a.cancel(); // failed (a malformed event, a timeout) before the handle to cancel it was returned
        }
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

    /** Connection failures before any response; not a response timeout (the server has the request). */
    private static boolean retryable(HttpTransport.Failure f) {
        return switch (f.kind()) {
            case CONNECT_TIMEOUT, CONNECT_FAILED, IO -> true;
            case RESPONSE_TIMEOUT, CANCELLED -> false;
        };
    }

    private String describe(HttpTransport.Failure f) {
        return switch (f.kind()) {
            case CONNECT_TIMEOUT -> "could not connect within the connect timeout (server.connect_timeout_s)";
            case RESPONSE_TIMEOUT -> "no first token within " + secs(client.settings().firstTokenTimeout().toNanos())
                    + " (server.first_token_timeout_s): the server did not even send its response headers";
            case CONNECT_FAILED -> "could not connect: " + f.message();
            case IO, CANCELLED -> f.message();
        };
    }

    private static boolean retryableStatus(int status) {
        return status == 429 || status == 502 || status == 503 || status == 504;
    }

    /** One HTTP attempt of the request; the transport serialises its calls. */
    private final class Attempt implements HttpTransport.Handler {
        private final int number;
        volatile HttpTransport.@Nullable Exchange exchange;
        private int status;
        private long bytes;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private @Nullable SseParser parser;
        private boolean malformed;

        Attempt(int number) {
            this.number = number;
        }

        private boolean wentOut;

        @Override
        public void committed(long nanoTime) {
            wentOut = true;
            emitStart(nanoTime);
        }

        @Override
        public void response(int code, String contentType) {
            status = code;
            bytes = 0;
            if (status == 200 && !contentType.startsWith("application/json")) {
                parser = new SseParser((event, data, length) -> onEvent(lastReadNanos, event, data, length),
                        ServingClient.MAX_EVENT_BYTES);
            }
        }

        @Override
        public void content(ByteBuffer b, long now) {
            lastReadNanos = now;
            if (malformed) {
                b.position(b.limit());
                return;
            }
            try {
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
            } catch (SseParser.MalformedStreamException e) {
                malformed = true;
                b.position(b.limit());
                failAndCancel(now, e.getMessage() + " (after " + chunkSum + " token(s))");
            }
        }

        @Override
        public void completed(long now) {
            if (isEnded()) {
                return;
            }
            if (status == 200) {
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
                return;
            }
            String text = body.toString(StandardCharsets.UTF_8).strip();
            if (text.length() > 500) {
                text = text.substring(0, 500) + "...";
            }
            String cause = "HTTP " + status + " from " + call.path() + (text.isEmpty() ? "" : ": " + text);
            if (retryableStatus(status) && retry(now, cause, false)) {
                return;
            }
            fail(now, cause + (number > 0 ? " (after " + number + " retries)" : ""));
        }

        @Override
        public void failed(HttpTransport.Failure failure, long now) {
            if (isEnded()) {
                return;
            }
            // a first attempt that went out on a connection and broke before any response is most likely a pooled
            // connection the server had just closed (uvicorn closes idle ones after 5 s): sent again at once, so
            // the request's TTFT carries no back-off
            boolean staleConnection = failure.kind() == HttpTransport.FailureKind.IO && wentOut && number == 0;
            if (status == 0 && retryable(failure) && retry(now, describe(failure), staleConnection)) {
                return;
            }
            fail(now, status == 200 ? "the stream broke after " + bytes + " bytes and " + chunkSum + " token(s): "
                    + describe(failure) : describe(failure) + " (" + call.path() + ", attempt " + (number + 1) + ")");
        }

        void cancel() {
            HttpTransport.Exchange x = exchange;
            if (x != null) {
                x.cancel();
            }
        }

        private boolean retry(long now, String cause, boolean immediately) {
            ServerSettings s = client.settings();
            if (number >= s.maxRetries()) {
                return false;
            }
            long delayMs = immediately ? 0 : Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS << Math.min(number, 10));
            if (now - startNanos + delayMs * 1_000_000 >= s.firstTokenTimeout().toNanos()) {
                return false;
            }
            emitStart(startNanos);
            try {
                client.scheduler().schedule(() -> send(number + 1), delayMs, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return false; // the client is closing
            }
            LOG.debug("retrying {} in {} ms after: {}", call.requestId(), delayMs, cause);
            listener.count("serving.retries", 1);
            if (immediately) {
                listener.count("serving.stale_connection_retries", 1);
            }
            return true;
        }
    }
}
