package dev.lem.serving;

import dev.lem.spi.GenerationListener;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The OpenAI-compatible streaming client shared by the served backends, on {@code java.net.http}.
 *
 * <ul>
 *   <li><b>Asynchronous:</b> {@link #stream} sends with {@code sendAsync} and reads the body through a
 *       streaming subscriber; no thread is held per request, so thousands of streams can be open.</li>
 *   <li><b>Connections:</b> HTTP/1.1 with keep-alive (connections are reused across requests); the JDK
 *       client opens as many connections as there are requests in flight (it has no pool cap), so the
 *       client never limits the requested concurrency.</li>
 *   <li><b>Timestamps:</b> each read of the body is stamped with {@link System#nanoTime()} on arrival;
 *       every event parsed from that read carries the stamp.</li>
 *   <li><b>Timeouts:</b> connect, first token (from sending, retries included), idle gap between reads
 *       once tokens flow, and the whole request; checked by one watchdog thread.</li>
 *   <li><b>Retries:</b> only before the first byte of a stream: connection failures and HTTP 429, 502,
 *       503, 504, at most {@code server.max_retries} times with exponential back-off, within the first-token
 *       timeout. The request's start is its first send, so retries show in its latency.</li>
 *   <li><b>Start:</b> a request starts when the JDK client first takes its body to write it (connection acquired,
 *       headers written), not when {@link #stream} is called: the JDK's send path (executor hand-offs, connection
 *       acquisition; 0.5-1 ms at the median on loopback, docs/performance.md) stays out of TTFT and E2E.</li>
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
 * <p>Memory: the JDK client reads into 2 KiB buffers ({@code jdk.httpclient.bufsize}, unless set by the user), not its
 * default 16 KiB, which a thousand open streams would keep alive across young collections.
 *
 * <p>Threads: the JDK client's selector thread, a fixed pool of max(2, cores) threads that read the
 * responses and call the listeners (listeners must not block), and one watchdog. Thread-safe.
 * {@link #close()} stops the watchdog and the pool.
 */
public final class ServingClient implements AutoCloseable {
    /** Largest single server-sent event accepted. */
    static final int MAX_EVENT_BYTES = 16 << 20;
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private final ServerSettings settings;
    private final HttpClient http;
    private final ExecutorService executor;
    private final ScheduledExecutorService watchdog;
    private final Set<StreamExchange> active = ConcurrentHashMap.newKeySet();

    private ServingClient(ServerSettings settings) {
        this.settings = settings;
        int n = CLIENTS.incrementAndGet();
        // a fixed pool: the HTTP client hands every read to its executor, and handing it to an idle thread of a
        // cached pool costs a thread wake-up per chunk (measured: twice the system time); nothing here blocks
        this.executor = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                daemon("lem-http-" + n + "-"));
        dev.lem.serving.internal.JdkHttpClientSettings.apply();
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
        this.watchdog = Executors.newSingleThreadScheduledExecutor(daemon("lem-serving-watchdog-" + n + "-"));
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
        return new ServingClient(settings);
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
        return send(request(path, timeout).GET().build());
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
    public Reply get(java.net.URI url, Duration timeout) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(timeout);
        settings.apiKey().ifPresent(k -> b.header("Authorization", "Bearer " + k));
        return send(b.GET().build());
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
        List<CompletableFuture<HttpResponse<Void>>> gets = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            gets.add(http.sendAsync(request(path, timeout).GET().build(), HttpResponse.BodyHandlers.discarding()));
        }
        int answered = 0;
        for (CompletableFuture<HttpResponse<Void>> g : gets) {
            try {
                g.get();
                answered++;
            } catch (java.util.concurrent.ExecutionException e) {
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
        return send(request(path, timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json)).build());
    }

    private Reply send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body());
    }

    HttpRequest.Builder request(String path, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(settings.resolve(path)).timeout(timeout);
        settings.apiKey().ifPresent(k -> b.header("Authorization", "Bearer " + k));
        return b;
    }

    HttpClient http() {
        return http;
    }

    ExecutorService executor() {
        return executor;
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
        executor.shutdown();
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
