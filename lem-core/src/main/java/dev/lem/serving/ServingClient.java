package dev.lem.serving;

import dev.lem.serving.internal.DaemonThreads;
import dev.lem.serving.internal.HttpTransports;
import dev.lem.spi.GenerationListener;
import dev.lem.spi.HttpTransport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The OpenAI-compatible streaming client shared by the served backends, on a pluggable HTTP/1.1 transport
 * ({@link HttpTransport}): Jetty's client when {@code dev.lem:lem-serving-jetty} is on the class path (the CLI has
 * it), else the JDK's {@code java.net.http}; the system property {@value dev.lem.spi.HttpTransportProvider#SELECT_PROPERTY}
 * picks one by name ({@code jetty} or {@code jdk}). {@link #transportDescription()} says which is used.
 *
 * <ul>
 *   <li><b>Asynchronous:</b> {@link #stream} sends and returns; the body is handed over read by read; no thread
 *       is held per request, so thousands of streams can be open.</li>
 *   <li><b>Connections:</b> HTTP/1.1 with keep-alive (connections are reused across requests); the transport
 *       opens as many connections as there are requests in flight (no pool cap), so the client never limits the
 *       requested concurrency.</li>
 *   <li><b>Timestamps:</b> each read of the body is stamped with {@link System#nanoTime()} on arrival;
 *       every event parsed from that read carries the stamp.</li>
 *   <li><b>Timeouts:</b> connect, first token (from sending, retries included), idle gap between reads
 *       once tokens flow, and the whole request; checked by one watchdog thread.</li>
 *   <li><b>Retries:</b> only before the first byte of a stream: connection failures and HTTP 429, 502,
 *       503, 504, at most {@code server.max_retries} times with exponential back-off, within the first-token
 *       timeout. The request's start is its first send, so retries show in its latency.</li>
 *   <li><b>Start:</b> a request starts when the transport commits it (connection acquired, headers being written),
 *       not when {@link #stream} is called: the client's send path (for the JDK's client, executor hand-offs and
 *       connection acquisition, 0.5-1 ms at the median on loopback, docs/performance.md) stays out of TTFT and
 *       E2E.</li>
 *   <li><b>Failures:</b> every request ends with exactly one completion or failure event; a failure says
 *       why (HTTP status and body, error event, malformed event, timeout, broken connection).</li>
 * </ul>
 *
 * <p><b>Token counts per chunk</b>, in order of preference: the length of the chunk's {@code token_ids}
 * (vLLM {@code return_token_ids}); the increase of {@code usage.completion_tokens} (vLLM
 * {@code continuous_usage_stats}); otherwise 1 for a chunk with non-empty text (the fallback). The
 * request's output tokens come from the final {@code usage} when the server sends it, else the sum of
 * the per-chunk counts; {@link dev.lem.spi.Completion#tokenCountSource()} says which.
 *
 * <p>Threads: the transport's (for the JDK's, its selector thread and a fixed pool of max(2, cores) threads; for
 * Jetty's, its thread pool) read the responses and call the listeners (listeners must not block), and one watchdog
 * checks the timeouts and schedules retries. Thread-safe. {@link #close()} stops the watchdog and the transport.
 */
public final class ServingClient implements AutoCloseable {
    /** Largest single server-sent event accepted. */
    static final int MAX_EVENT_BYTES = 16 << 20;
    private static final AtomicInteger CLIENTS = new AtomicInteger();
    /** Largest reply body of a blocking GET or POST. */
    private static final int MAX_REPLY_BYTES = 64 << 20;

    private final ServerSettings settings;
    private final HttpTransport transport;
    private final ScheduledExecutorService watchdog;
    private final Set<StreamExchange> active = ConcurrentHashMap.newKeySet();

    private ServingClient(ServerSettings settings, HttpTransport transport) {
        this(settings, transport, Executors.newSingleThreadScheduledExecutor(
                DaemonThreads.named("lem-serving-watchdog-" + CLIENTS.incrementAndGet() + "-")));
    }

    /** With the watchdog given (tests observe the delays of retries on it). */
    ServingClient(ServerSettings settings, HttpTransport transport, ScheduledExecutorService watchdog) {
        this.settings = settings;
        this.transport = transport;
        this.watchdog = watchdog;
        long shortest = Math.min(settings.firstTokenTimeout().toNanos(),
                Math.min(settings.idleTimeout().toNanos(), settings.requestTimeout().toNanos()));
        long period = Math.max(1_000_000L, Math.min(100_000_000L, shortest / 10));
        watchdog.scheduleWithFixedDelay(this::checkTimeouts, period, period, TimeUnit.NANOSECONDS);
    }

    /**
     * A client for the server these settings describe.
     *
     * @param settings the server settings
     * @return the client
     */
    public static ServingClient create(ServerSettings settings) {
        return new ServingClient(settings, HttpTransports.open(new HttpTransport.Options(settings.connectTimeout())));
    }

    /**
     * A client on a given transport, which it closes when it is closed.
     *
     * @param settings the server settings
     * @param transport the HTTP transport
     * @return the client
     */
    public static ServingClient create(ServerSettings settings, HttpTransport transport) {
        return new ServingClient(settings, transport);
    }

    /** {@return the HTTP client underneath and its version, e.g. {@code "jetty 12.0.16"}} */
    public String transportDescription() {
        return transport.description();
    }

    /** {@return the settings this client was made with} */
    public ServerSettings settings() {
        return settings;
    }

    /**
     * Sends one streamed request and returns at once. {@code listener} receives
     * {@code requestStarted} when the request goes out (the HTTP client takes its body to write it; or, for a request
     * that fails or is retried before that, its submission now), {@code tokens} per token-bearing event, and exactly one
     * {@code requestCompleted} or {@code requestFailed}. The returned future completes normally after
     * that final event (failures are reported through the listener, not the future).
     *
     * @param call the HTTP call
     * @param listener receives the request's events
     * @return a future that completes after the final event
     */
    public CompletableFuture<Void> stream(StreamCall call, GenerationListener listener) {
        StreamExchange x = new StreamExchange(this, call, listener);
        active.add(x);
        x.start();
        return x.done();
    }

    /** {@return the number of requests in flight} */
    public int inFlight() {
        return active.size();
    }

    /**
     * A status and a body.
     *
     * @param status the HTTP status code
     * @param body the body, as text
     */
    public record Reply(int status, String body) {
        /** {@return whether the status is 2xx} */
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    /**
     * A blocking GET of a path on the server.
     *
     * @param path the path, e.g. {@code /v1/models}
     * @param timeout how long to wait for the reply
     * @return the reply
     * @throws IOException when the server cannot be reached or the exchange fails
     * @throws InterruptedException when the thread is interrupted while waiting
     */
    public Reply get(String path, Duration timeout) throws IOException, InterruptedException {
        return send("GET", settings.resolve(path), Map.of(), null, timeout);
    }

    /**
     * A blocking GET of an absolute URL (an endpoint on another port of the server's host, e.g. Triton's metrics
     * on 8002), with the server's API key.
     *
     * @param url the URL
     * @param timeout how long to wait for the reply
     * @return the reply
     * @throws IOException when the server cannot be reached or the exchange fails
     * @throws InterruptedException when the thread is interrupted while waiting
     */
    public Reply get(URI url, Duration timeout) throws IOException, InterruptedException {
        return send("GET", url, Map.of(), null, timeout);
    }

    /**
     * Sends {@code connections} GETs of {@code path} at once and waits for them, so that the HTTP client opens that
     * many connections (none is free while the others are in flight) and keeps them in its pool for the requests
     * that follow. Failures are ignored: a connection not opened here is opened by the next request.
     *
     * @param path a path the server answers cheaply, e.g. {@code /v1/models}
     * @param connections how many connections to have open
     * @param timeout how long each GET may take
     * @return how many of the GETs were answered
     * @throws InterruptedException when the thread is interrupted while waiting
     */
    public int openConnections(String path, int connections, Duration timeout) throws InterruptedException {
        List<CompletableFuture<Reply>> gets = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            gets.add(sendAsync("GET", settings.resolve(path), Map.of(), null, timeout));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        int answered = 0;
        for (CompletableFuture<Reply> g : gets) {
            try {
                g.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                answered++;
            } catch (ExecutionException | TimeoutException e) {
                // the request that needs this connection opens it
            }
        }
        return answered;
    }

    /**
     * A blocking POST of a JSON body.
     *
     * @param path the path, e.g. {@code /tokenize}
     * @param json the JSON body's bytes
     * @param timeout how long to wait for the reply
     * @return the reply
     * @throws IOException when the server cannot be reached or the exchange fails
     * @throws InterruptedException when the thread is interrupted while waiting
     */
    public Reply postJson(String path, byte[] json, Duration timeout) throws IOException, InterruptedException {
        return send("POST", settings.resolve(path), Map.of("Content-Type", "application/json"), json, timeout);
    }

    private Reply send(String method, URI uri, Map<String, String> headers, byte @Nullable [] body, Duration timeout)
            throws IOException, InterruptedException {
        CompletableFuture<Reply> f = sendAsync(method, uri, headers, body, timeout);
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new IOException(method + " " + uri + ": no complete reply within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof IOException io ? io : new IOException(method + " " + uri + ": " + c, c);
        } catch (InterruptedException e) {
            f.cancel(true);
            throw e;
        }
    }

    private CompletableFuture<Reply> sendAsync(String method, URI uri, Map<String, String> headers,
            byte @Nullable [] body, Duration timeout) {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int[] status = {0};
        HttpTransport.Exchange exchange = transport.send(request(method, uri, headers, body, timeout),
                new HttpTransport.Handler() {
                    @Override
                    public void committed(long nanoTime) {
                        // a blocking call has no start to stamp
                    }

                    @Override
                    public void response(int code, String contentType) {
                        status[0] = code;
                    }

                    @Override
                    public void content(ByteBuffer data, long nanoTime) {
                        if (bytes.size() + data.remaining() > MAX_REPLY_BYTES) {
                            reply.completeExceptionally(new IOException(method + " " + uri + ": the reply exceeds "
                                    + MAX_REPLY_BYTES + " bytes"));
                            data.position(data.limit());
                            return;
                        }
                        byte[] chunk = new byte[data.remaining()];
                        data.get(chunk);
                        bytes.write(chunk, 0, chunk.length);
                    }

                    @Override
                    public void completed(long nanoTime) {
                        reply.complete(new Reply(status[0], bytes.toString(StandardCharsets.UTF_8)));
                    }

                    @Override
                    public void failed(HttpTransport.Failure failure, long nanoTime) {
                        reply.completeExceptionally(new IOException(method + " " + uri + ": " + switch (failure.kind()) {
                            case CONNECT_TIMEOUT -> "could not connect within " + settings.connectTimeout().toMillis()
                                    + " ms (server.connect_timeout_s)";
                            case CONNECT_FAILED -> "could not connect: " + failure.message();
                            case RESPONSE_TIMEOUT -> "no reply within " + timeout.toMillis() + " ms";
                            default -> failure.message();
                        }));
                    }
                });
        reply.whenComplete((r, e) -> {
            if (reply.isCancelled()) {
                exchange.cancel();
            }
        });
        return reply;
    }

    /** A request to the server, with its API key. */
    HttpTransport.Request request(String method, URI uri, Map<String, String> headers, byte @Nullable [] body,
            Duration responseTimeout) {
        Map<String, String> all = new HashMap<>(headers);
        settings.apiKey().ifPresent(k -> all.put("Authorization", "Bearer " + k));
        return new HttpTransport.Request(method, uri, all, body, responseTimeout);
    }

    HttpTransport transport() {
        return transport;
    }

    ScheduledExecutorService scheduler() {
        return watchdog;
    }

    void finished(StreamExchange x) {
        active.remove(x);
    }

    private void checkTimeouts() {
        long now = System.nanoTime();
        for (StreamExchange x : active) {
            try {
                x.checkTimeouts(now);
            } catch (RuntimeException e) {
                x.fail(now, "internal error while checking timeouts: " + e);
            }
        }
    }

    /** Fails every request still in flight, stops the watchdog and the client's threads. */
    @Override
    public void close() {
        long now = System.nanoTime();
        for (StreamExchange x : active) {
            x.fail(now, "the client was closed while the request was in flight");
        }
        watchdog.shutdownNow();
        transport.close();
    }
}
