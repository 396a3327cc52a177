package dev.lem.spi;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An open HTTP/1.1 client that sends requests asynchronously and hands each response to a {@link Handler} as it
 * arrives, stamped with {@link System#nanoTime()}. It is the transport only: retries, timeouts after the response
 * headers, event parsing and token counting belong to the streaming client above it. Thread-safe.
 *
 * <p>Contract, per {@link #send}: {@link Handler#committed} at most once, when the request is going out (the
 * connection acquired, headers being written); {@link Handler#response} at most once, with the status;
 * {@link Handler#content} zero or more times, serialised, each buffer consumed before the call returns; then exactly
 * one of {@link Handler#completed} or {@link Handler#failed}. Connections are kept alive and reused; the transport
 * never caps the number of requests in flight (the caller controls concurrency).
 */
public interface HttpTransport extends AutoCloseable {

    /** {@return the client and its version, for the results' environment, e.g. {@code "jetty 12.0.16"}} */
    String description();

    /**
     * Sends a request and returns at once.
     *
     * @param request the request
     * @param handler receives the response as it arrives
     * @return a handle to cancel the request
     */
    Exchange send(Request request, Handler handler);

    /** Closes the client and its connections; requests in flight fail. */
    @Override
    void close();

    /**
     * How to open a transport.
     *
     * @param connectTimeout how long opening a connection may take
     */
    record Options(Duration connectTimeout) {
        /**
         * Checks the timeout.
         *
         * @param connectTimeout how long opening a connection may take; positive
         */
        public Options {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive, was " + connectTimeout);
            }
        }
    }

    /**
     * One request.
     *
     * @param method          {@code GET} or {@code POST}
     * @param uri             the absolute URI
     * @param headers         request headers (the transport adds Host, Content-Length and its own User-Agent)
     * @param body            the body, or null for none
     * @param responseTimeout how long to wait for the response headers after sending; the request fails with
     *                        {@link FailureKind#RESPONSE_TIMEOUT} after that. The body may take longer.
     */
    record Request(String method, URI uri, Map<String, String> headers, byte @Nullable [] body,
            Duration responseTimeout) {
        /**
         * Copies the headers.
         *
         * @param method {@code GET} or {@code POST}
         * @param uri the absolute URI
         * @param headers request headers
         * @param body the body, or null for none
         * @param responseTimeout how long to wait for the response headers
         */
        public Request {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(uri, "uri");
            headers = Map.copyOf(headers);
            Objects.requireNonNull(responseTimeout, "responseTimeout");
        }
    }

    /** Receives one response; see {@link HttpTransport} for the order of calls. Must not block. */
    interface Handler {
        /**
         * The request is going out: a connection is acquired and its headers are being written.
         *
         * @param nanoTime when, {@link System#nanoTime()}
         */
        void committed(long nanoTime);

        /**
         * The response headers arrived.
         *
         * @param status      the HTTP status code
         * @param contentType the Content-Type header, lower case, or empty
         */
        void response(int status, String contentType);

        /**
         * A read of the response body.
         *
         * @param data     the bytes, valid only during this call
         * @param nanoTime when the read arrived, {@link System#nanoTime()}
         */
        void content(ByteBuffer data, long nanoTime);

        /**
         * The response ended normally.
         *
         * @param nanoTime when, {@link System#nanoTime()}
         */
        void completed(long nanoTime);

        /**
         * The request failed, before or after the response headers.
         *
         * @param failure  what went wrong
         * @param nanoTime when it was noticed, {@link System#nanoTime()}
         */
        void failed(Failure failure, long nanoTime);
    }

    /** A request in flight. */
    interface Exchange {
        /** Aborts the request; the handler may still get {@link Handler#failed} with {@link FailureKind#CANCELLED}. */
        void cancel();
    }

    /** What kind of failure, which decides whether a request may be retried. */
    enum FailureKind {
        /** No connection within the connect timeout. */
        CONNECT_TIMEOUT,
        /** The connection was refused or could not be opened. */
        CONNECT_FAILED,
        /** No response headers within {@link Request#responseTimeout()}. */
        RESPONSE_TIMEOUT,
        /** The connection broke or another I/O error happened. */
        IO,
        /** The request was cancelled through {@link Exchange#cancel()} or by closing the transport. */
        CANCELLED
    }

    /**
     * A failure.
     *
     * @param kind    what kind
     * @param message what the client said, for the user
     */
    record Failure(FailureKind kind, String message) {
        /**
         * Checks the fields.
         *
         * @param kind what kind
         * @param message what the client said
         */
        public Failure {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(message, "message");
        }
    }
}
