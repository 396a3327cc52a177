package dev.lem.serving.internal;

import dev.lem.spi.HttpTransport;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The built-in transport, on {@code java.net.http}: HTTP/1.1, no redirects, 2 KiB read buffers
 * ({@link JdkHttpClientSettings}), and a fixed pool of max(2, cores) threads that read the responses and call the
 * handlers. A request counts as committed when the JDK client first takes its body to write it (the connection
 * acquired, headers written); the JDK's send path before that (executor hand-offs, connection acquisition) is
 * 0.5-1 ms at the median on loopback and several milliseconds at the tail under load (docs/performance.md).
 */
public final class JdkHttpTransport implements HttpTransport {
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private final HttpClient http;
    private final ExecutorService executor;

    /**
     * Opens a client.
     *
     * @param options how to open it
     */
    public JdkHttpTransport(Options options) {
        int n = CLIENTS.incrementAndGet();
        // a fixed pool: the HTTP client hands every read to its executor, and handing it to an idle thread of a
        // cached pool costs a thread wake-up per chunk (measured: twice the system time); nothing here blocks
        this.executor = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                DaemonThreads.named("lem-http-" + n + "-"));
        JdkHttpClientSettings.apply();
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(options.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
    }

    @Override
    public String description() {
        return "java.net.http (JDK " + Runtime.version() + ")";
    }

    @Override
    public Exchange send(Request request, Handler handler) {
        HttpRequest.Builder b = HttpRequest.newBuilder(request.uri()).timeout(request.responseTimeout());
        for (Map.Entry<String, String> h : request.headers().entrySet()) {
            b.header(h.getKey(), h.getValue());
        }
        Call call = new Call(handler);
        byte[] body = request.body();
        if (body == null) {
            b.method(request.method(), HttpRequest.BodyPublishers.noBody());
        } else {
            b.method(request.method(), call.stamping(HttpRequest.BodyPublishers.ofByteArray(body)));
        }
        if (body == null) {
            call.commit(System.nanoTime()); // no body to take: the request counts as going out now
        }
        CompletableFuture<HttpResponse<Void>> f;
        try {
            f = http.sendAsync(b.build(), call::handle);
        } catch (RuntimeException e) {
            call.fail(new Failure(FailureKind.IO, "could not send the request: " + e), System.nanoTime());
            return () -> { };
        }
        call.future = f;
        f.whenComplete(call::settled);
        return call::cancel;
    }

    @Override
    public void close() {
        executor.shutdown();
    }

    /** Classifies a failure of the JDK client. */
    static Failure failure(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof CancellationException) {
            return new Failure(FailureKind.CANCELLED, "cancelled");
        }
        if (c instanceof HttpConnectTimeoutException) {
            return new Failure(FailureKind.CONNECT_TIMEOUT, String.valueOf(c.getMessage()));
        }
        if (c instanceof HttpTimeoutException) {
            return new Failure(FailureKind.RESPONSE_TIMEOUT, String.valueOf(c.getMessage()));
        }
        if (c instanceof ConnectException) {
            return new Failure(FailureKind.CONNECT_FAILED, c.getMessage() == null ? "connection refused" : c.getMessage());
        }
        String message = c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
        return new Failure(FailureKind.IO, message);
    }

    /** One request: the JDK's body subscriber, handing reads to the handler. */
    private static final class Call implements Flow.Subscriber<List<ByteBuffer>> {
        private final Handler handler;
        private final AtomicBoolean committed = new AtomicBoolean();
        private final AtomicBoolean ended = new AtomicBoolean();
        volatile @Nullable CompletableFuture<HttpResponse<Void>> future;
        private volatile Flow.@Nullable Subscription subscription;
        private volatile boolean cancelled;
        private volatile boolean responded;

        Call(Handler handler) {
            this.handler = handler;
        }

        void commit(long nanoTime) {
            if (committed.compareAndSet(false, true)) {
                handler.committed(nanoTime);
            }
        }

        /** The request body, which stamps the commit when the client first asks for it. */
        HttpRequest.BodyPublisher stamping(HttpRequest.BodyPublisher inner) {
            return new HttpRequest.BodyPublisher() {
                @Override
                public long contentLength() {
                    return inner.contentLength();
                }

                @Override
                public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
                    inner.subscribe(new Flow.Subscriber<ByteBuffer>() {
                        @Override
                        public void onSubscribe(Flow.Subscription s) {
                            subscriber.onSubscribe(new Flow.Subscription() {
                                @Override
                                public void request(long n) {
                                    commit(System.nanoTime());
                                    s.request(n);
                                }

                                @Override
                                public void cancel() {
                                    s.cancel();
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

        HttpResponse.BodySubscriber<Void> handle(HttpResponse.ResponseInfo info) {
            responded = true;
            handler.response(info.statusCode(),
                    info.headers().firstValue("content-type").orElse("").toLowerCase(Locale.ROOT));
            return HttpResponse.BodySubscribers.fromSubscriber(this, s -> null);
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (cancelled) {
                s.cancel();
            } else {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            long now = System.nanoTime();
            for (ByteBuffer b : buffers) {
                if (ended.get()) {
                    return;
                }
                handler.content(b, now);
            }
        }

        @Override
        public void onError(Throwable t) {
            fail(cancelled ? new Failure(FailureKind.CANCELLED, "cancelled") : failure(t), System.nanoTime());
        }

        @Override
        public void onComplete() {
            if (ended.compareAndSet(false, true)) {
                handler.completed(System.nanoTime());
            }
        }

        void fail(Failure f, long now) {
            if (ended.compareAndSet(false, true)) {
                handler.failed(f, now);
            }
        }

        void settled(@Nullable HttpResponse<Void> response, @Nullable Throwable error) {
            long now = System.nanoTime();
            if (error != null) {
                fail(cancelled ? new Failure(FailureKind.CANCELLED, "cancelled") : failure(error), now);
            } else if (!responded) {
                fail(new Failure(FailureKind.IO, "the client ended the request without a response"), now);
            } else {
                onComplete(); // normally already done; a no-op then
            }
        }

        void cancel() {
            cancelled = true;
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
            CompletableFuture<HttpResponse<Void>> f = future;
            if (f != null) {
                f.cancel(true);
            }
            fail(new Failure(FailureKind.CANCELLED, "cancelled"), System.nanoTime());
        }
    }
}
