package dev.lem.serving.jetty.internal;

import dev.lem.spi.HttpTransport;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.Jetty;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP transport on Jetty's {@link HttpClient}: HTTP/1.1 with keep-alive, no redirects, no cookies, no content
 * decoding (so no {@code Accept-Encoding} is sent and the server streams as it would to any client), no cap on
 * connections or queued requests (the caller controls concurrency), daemon threads.
 *
 * <p>Why Jetty: its client writes a request from the caller's thread when a pooled connection is free, where the JDK's
 * client hands the request through its executor and selector first. On 2 cores with 1,000 open streams that hand-off
 * is the p99 send lag (3.0-3.5 ms raw, 5-6.6 ms with LEM's processing) against 0.5-0.7 ms for Jetty's
 * ({@code SendPathBenchmark}, docs/performance.md).
 *
 * <p>The request counts as committed when Jetty has a connection for it and its headers are ready to be written
 * ({@code onRequestHeaders}); Jetty's own commit event comes after the headers were written, after the server may
 * already have read them.
 * A response that has not started within {@link HttpTransport.Request#responseTimeout()} is aborted by a task on Jetty's
 * scheduler.
 */
public final class JettyHttpTransport implements HttpTransport {
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private final HttpClient http;

    /**
     * Opens and starts a client.
     *
     * @param options how to open it
     * @throws IllegalStateException when Jetty's client does not start
     */
    public JettyHttpTransport(Options options) {
        int n = CLIENTS.incrementAndGet();
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("lem-jetty-" + n);
        threads.setDaemon(true);
        http = new HttpClient();
        http.setExecutor(threads);
        http.setScheduler(new ScheduledExecutorScheduler("lem-jetty-" + n + "-scheduler", true));
        http.setConnectTimeout(Math.max(1, options.connectTimeout().toMillis()));
        http.setIdleTimeout(0); // LEM's watchdog owns the timeouts once a response flows
        http.setFollowRedirects(false);
        http.setMaxConnectionsPerDestination(Integer.MAX_VALUE);
        http.setMaxRequestsQueuedPerDestination(Integer.MAX_VALUE);
        http.setHttpCookieStore(new HttpCookieStore.Empty());
        http.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "lem (Jetty " + Jetty.VERSION + ")"));
        try {
            http.start();
            http.getContentDecoderFactories().clear(); // after start, which adds gzip to an empty set
        } catch (Exception e) {
            close(); // its threads, if some had started
            throw new IllegalStateException("Jetty's HTTP client did not start: " + e, e);
        }
    }

    @Override
    public String description() {
        return "jetty " + Jetty.VERSION;
    }

    @Override
    public Exchange send(Request request, Handler handler) {
        Call call = new Call(handler);
        org.eclipse.jetty.client.Request r = http.newRequest(request.uri()).method(request.method());
        String contentType = null;
        for (Map.Entry<String, String> h : request.headers().entrySet()) {
            if (h.getKey().equalsIgnoreCase("Content-Type")) {
                contentType = h.getValue();
            } else {
                r.headers(m -> m.put(h.getKey(), h.getValue()));
            }
        }
        byte[] body = request.body();
        if (body != null) {
            r.body(new BytesRequestContent(contentType, body));
        } else if (contentType != null) {
            String type = contentType;
            r.headers(m -> m.put(HttpHeader.CONTENT_TYPE, type));
        }
        call.request = r;
        r.onRequestHeaders(x -> call.committed())
                .onResponseHeaders(response -> call.response(response.getStatus(),
                        response.getHeaders().get(HttpHeader.CONTENT_TYPE)))
                .onResponseContent((response, content) -> call.content(content));
        long timeoutMs = Math.max(1, request.responseTimeout().toMillis());
        call.responseTimeout = http.getScheduler().schedule(() -> call.abort(new ResponseTimeout(timeoutMs)),
                timeoutMs, TimeUnit.MILLISECONDS);
        try {
            r.send(call::complete);
        } catch (RuntimeException e) {
            call.fail(new Failure(FailureKind.IO, "could not send the request: " + e));
        }
        return call::cancel;
    }

    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception e) {
            // stopping fails the requests in flight; nothing else to do
        }
    }

    /** Classifies a failure of Jetty's client. */
    static Failure failure(@Nullable Throwable t) {
        if (t == null) {
            return new Failure(FailureKind.IO, "the request failed without a cause");
        }
        Throwable c = t; // the outermost cause LEM recognises, else the root cause
        for (int depth = 0; depth < 10 && c.getCause() != null && !recognised(c); depth++) {
            c = c.getCause();
        }
        if (c instanceof ResponseTimeout || c instanceof Cancelled) {
            return new Failure(c instanceof Cancelled ? FailureKind.CANCELLED : FailureKind.RESPONSE_TIMEOUT,
                    String.valueOf(c.getMessage()));
        }
        String message = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
        if (c instanceof SocketTimeoutException || c instanceof TimeoutException
                && message.toLowerCase(Locale.ROOT).contains("connect")) {
            return new Failure(FailureKind.CONNECT_TIMEOUT, message);
        }
        if (c instanceof ConnectException || c instanceof UnresolvedAddressException) {
            return new Failure(FailureKind.CONNECT_FAILED, c instanceof UnresolvedAddressException
                    ? "the host name could not be resolved" : message);
        }
        return new Failure(FailureKind.IO, c.getClass().getSimpleName() + (c.getMessage() == null ? ""
                : ": " + c.getMessage()));
    }

    private static boolean recognised(Throwable c) {
        return c instanceof ResponseTimeout || c instanceof Cancelled || c instanceof ConnectException
                || c instanceof SocketTimeoutException || c instanceof UnresolvedAddressException;
    }

    /** The cause of an abort when no response headers came in time. */
    static final class ResponseTimeout extends TimeoutException {
        private static final long serialVersionUID = 1L;

        ResponseTimeout(long ms) {
            super("no response headers within " + ms + " ms");
        }
    }

    /** The cause of an abort asked for by the caller. */
    static final class Cancelled extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Cancelled() {
            super("cancelled", null, false, false);
        }
    }

    /** One request and its handler. */
    private static final class Call {
        private final Handler handler;
        private final AtomicBoolean committed = new AtomicBoolean();
        private final AtomicBoolean ended = new AtomicBoolean();
        volatile org.eclipse.jetty.client.@Nullable Request request;
        volatile Scheduler.@Nullable Task responseTimeout;

        Call(Handler handler) {
            this.handler = handler;
        }

        void committed() {
            long now = System.nanoTime();
            if (committed.compareAndSet(false, true)) {
                handler.committed(now);
            }
        }

        void response(int status, @Nullable String contentType) {
            Scheduler.Task t = responseTimeout;
            if (t != null) {
                t.cancel();
            }
            handler.response(status, contentType == null ? "" : contentType.toLowerCase(Locale.ROOT));
        }

        void content(ByteBuffer content) {
            long now = System.nanoTime();
            if (ended.get()) {
                content.position(content.limit());
                return;
            }
            handler.content(content, now);
        }

        void complete(Result result) {
            Scheduler.Task t = responseTimeout;
            if (t != null) {
                t.cancel();
            }
            if (result.isFailed()) {
                fail(failure(result.getFailure()));
            } else if (ended.compareAndSet(false, true)) {
                handler.completed(System.nanoTime());
            }
        }

        void fail(Failure f) {
            if (ended.compareAndSet(false, true)) {
                handler.failed(f, System.nanoTime());
            }
        }

        void abort(Throwable cause) {
            org.eclipse.jetty.client.Request r = request;
            if (r != null) {
                r.abort(cause);
            }
        }

        void cancel() {
            abort(new Cancelled());
            fail(new Failure(FailureKind.CANCELLED, "cancelled"));
        }
    }
}
