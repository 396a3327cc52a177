package dev.lem.serving;

import dev.lem.config.ServerApi;
import dev.lem.spi.Completion;
import dev.lem.spi.GenerationListener;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Measures the streaming client's own added latency to a first chunk, once per run, so the results show the
 * instrument's resolution for TTFT: a loopback echo server in this JVM answers streamed completions; for each
 * stream it sends the response headers, waits {@link #HEADER_GAP} so that the client is idle waiting for the body
 * (as it is during a real server's prefill), then stamps {@link System#nanoTime()} and writes the first SSE chunk
 * in one write to a {@code TCP_NODELAY} socket. The added latency of a stream is the client's first-chunk time
 * (what TTFT ends at) minus that stamp: the kernel's loopback delivery plus everything the client does until the
 * chunk reaches the listener. Streams run one at a time through a client made exactly as the run's
 * ({@link ServingClient#create}, the same timeouts), after a few unrecorded warm-up streams.
 */
public final class ClientLatencyProbe {
    /** The pause between the response headers and the first chunk. */
    static final Duration HEADER_GAP = Duration.ofMillis(2);
    /** How the figure is obtained, for the results. */
    public static final String METHOD = "loopback echo in this JVM: per stream, the send part (the echo's receipt "
            + "of the request's first byte minus the client's start stamp, where TTFT starts) plus the receive part "
            + "(the client's first-chunk time, where TTFT ends, minus the echo's write of that chunk: one write to a "
            + "TCP_NODELAY loopback socket " + HEADER_GAP.toMillis() + " ms after the headers), all System.nanoTime; "
            + "streams one at a time through a client configured as the run's, after warm-up streams";

    private ClientLatencyProbe() {
    }

    /**
     * The probe's figures.
     *
     * @param streams the streams measured (warm-up excluded)
     * @param meanMs  mean added latency, ms
     * @param p50Ms   median, ms
     * @param p90Ms   90th percentile, ms
     * @param maxMs   largest, ms
     * @param sendMeanMs    mean of the send part (start stamp to the echo's receipt of the request), ms
     * @param receiveMeanMs mean of the receive part (the echo's write of the first chunk to the client's stamp), ms
     * @param method  how the figures were obtained
     */
    public record Result(int streams, double meanMs, double p50Ms, double p90Ms, double maxMs, double sendMeanMs,
            double receiveMeanMs, String method) {
        /**
         * {@return the figures as facts for the results' environment, under {@code client.added_latency.*}}
         */
        public Map<String, String> facts() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("client.added_latency.mean_ms", fmt(meanMs));
            m.put("client.added_latency.p50_ms", fmt(p50Ms));
            m.put("client.added_latency.p90_ms", fmt(p90Ms));
            m.put("client.added_latency.max_ms", fmt(maxMs));
            m.put("client.added_latency.send_mean_ms", fmt(sendMeanMs));
            m.put("client.added_latency.receive_mean_ms", fmt(receiveMeanMs));
            m.put("client.added_latency.streams", String.valueOf(streams));
            m.put("client.added_latency.method", method);
            return m;
        }

        private static String fmt(double v) {
            return String.format(Locale.ROOT, "%.3f", v);
        }
    }

    /**
     * Runs the probe.
     *
     * @param like    the run's server settings (timeouts; the URL is replaced by the echo server's)
     * @param streams streams to measure, {@code >= 1}
     * @param warmup  unrecorded streams before them, {@code >= 0}
     * @return the figures
     * @throws IOException when the echo server cannot start or a stream fails
     * @throws IllegalArgumentException when {@code streams < 1} or {@code warmup < 0}
     */
    public static Result measure(ServerSettings like, int streams, int warmup) throws IOException {
        if (streams < 1 || warmup < 0) {
            throw new IllegalArgumentException("streams (" + streams + ") must be >= 1 and warmup (" + warmup
                    + ") >= 0");
        }
        try (Echo echo = new Echo()) {
            ServerSettings s = new ServerSettings(URI.create("http://127.0.0.1:" + echo.port()), ServerApi.COMPLETIONS,
                    "lem-probe", true, Optional.empty(), like.connectTimeout(), like.firstTokenTimeout(),
                    like.idleTimeout(), like.requestTimeout(), 0, true);
            double[] added = new double[streams];
            double[] send = new double[streams];
            double[] receive = new double[streams];
            try (ServingClient client = ServingClient.create(s)) {
                for (int i = 0; i < warmup + streams; i++) {
                    long[] client2 = firstChunk(client, i, like.requestTimeout());
                    long[] echoed = echo.writes.poll();
                    if (echoed == null) {
                        throw new IOException("the echo server recorded no write for probe stream " + i);
                    }
                    if (i >= warmup) {
                        send[i - warmup] = (echoed[0] - client2[0]) / 1e6;
                        receive[i - warmup] = (client2[1] - echoed[1]) / 1e6;
                        added[i - warmup] = send[i - warmup] + receive[i - warmup];
                    }
                }
            }
            double[] sorted = added.clone();
            Arrays.sort(sorted);
            return new Result(streams, Arrays.stream(added).average().orElse(Double.NaN), percentile(sorted, 0.5),
                    percentile(sorted, 0.9), sorted[sorted.length - 1], Arrays.stream(send).average().orElse(Double.NaN),
                    Arrays.stream(receive).average().orElse(Double.NaN), METHOD);
        }
    }

    private static double percentile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    /** One stream; returns the client's start stamp and first-chunk time. */
    private static long[] firstChunk(ServingClient client, int i, Duration timeout) throws IOException {
        AtomicLong started = new AtomicLong(Long.MIN_VALUE);
        AtomicLong first = new AtomicLong(Long.MIN_VALUE);
        String[] failure = {null};
        byte[] body = ("{\"model\":\"lem-probe\",\"prompt\":\"probe " + i + "\",\"max_tokens\":1,\"stream\":true}")
                .getBytes(StandardCharsets.UTF_8);
        CompletableFuture<Void> done = client.stream(new StreamCall("probe-" + i, "/v1/completions", body,
                StreamDialect.OPENAI_COMPLETIONS, 1), new GenerationListener() {
                    @Override
                    public void requestStarted(String requestId, long nanoTime) {
                        started.set(nanoTime);
                    }

                    @Override
                    public void tokens(String requestId, long nanoTime, int count, @Nullable List<Integer> tokenIds,
                            @Nullable String text) {
                        first.compareAndSet(Long.MIN_VALUE, nanoTime);
                    }

                    @Override
                    public void requestCompleted(String requestId, long nanoTime, Completion completion) {
                    }

                    @Override
                    public void requestFailed(String requestId, long nanoTime, String cause) {
                        failure[0] = cause;
                    }
                });
        try {
            done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during the client latency probe", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("probe stream " + i + " did not finish: " + e, e);
        }
        if (failure[0] != null || first.get() == Long.MIN_VALUE) {
            throw new IOException("probe stream " + i + " failed: " + (failure[0] == null ? "no token" : failure[0]));
        }
        return new long[] {started.get(), first.get()};
    }

    /** A minimal HTTP/1.1 server on loopback answering every request with a one-token SSE stream. */
    static final class Echo implements AutoCloseable {
        private static final byte[] HEADERS = ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        private static final byte[] FIRST = chunk("data: {\"id\":\"cmpl-probe\",\"object\":\"text_completion\","
                + "\"created\":0,\"model\":\"lem-probe\",\"choices\":[{\"index\":0,\"text\":\" hi\","
                + "\"finish_reason\":null}]}\n\n");
        private static final byte[] REST = concat(chunk("data: {\"id\":\"cmpl-probe\",\"object\":\"text_completion\","
                + "\"created\":0,\"model\":\"lem-probe\",\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":"
                + "\"length\"}],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":1,\"total_tokens\":3}}\n\n"
                + "data: [DONE]\n\n"), "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

        /** Per request: {receipt of its first byte, write of the first chunk}, ns. */
        final BlockingQueue<long[]> writes = new LinkedBlockingQueue<>();
        private final ServerSocket server;
        private final List<Socket> sockets = new ArrayList<>();

        Echo() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::accept, "lem-latency-probe-echo");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    s.setTcpNoDelay(true);
                    synchronized (sockets) {
                        sockets.add(s);
                    }
                    Thread t = new Thread(() -> serve(s), "lem-latency-probe-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try (s; InputStream in = new BufferedInputStream(s.getInputStream()); OutputStream out = s.getOutputStream()) {
                while (true) {
                    int b0 = in.read();
                    long received = System.nanoTime();
                    if (b0 < 0) {
                        return;
                    }
                    long length = readHeaders(in);
                    if (length < 0) {
                        return;
                    }
                    in.skipNBytes(length);
                    out.write(HEADERS);
                    out.flush();
                    LockSupport.parkNanos(HEADER_GAP.toNanos());
                    long now = System.nanoTime();
                    out.write(FIRST);
                    writes.add(new long[] {received, now});
                    out.write(REST);
                    out.flush();
                }
            } catch (IOException e) {
                // the client closed the connection
            }
        }

        /** Reads one request's headers; returns its Content-Length (0 when none), or -1 at the end of the stream. */
        private static long readHeaders(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                head.append((char) c);
                int n = head.length();
                if (n >= 4 && head.charAt(n - 4) == '\r' && head.charAt(n - 3) == '\n' && head.charAt(n - 2) == '\r'
                        && head.charAt(n - 1) == '\n') {
                    for (String line : head.toString().split("\r\n")) {
                        int colon = line.indexOf(':');
                        if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase("Content-Length")) {
                            return Long.parseLong(line.substring(colon + 1).strip());
                        }
                    }
                    return 0;
                }
            }
            return -1;
        }

        private static byte[] chunk(String data) {
            byte[] d = data.getBytes(StandardCharsets.UTF_8);
            return concat(concat((Integer.toHexString(d.length) + "\r\n").getBytes(StandardCharsets.US_ASCII), d),
                    "\r\n".getBytes(StandardCharsets.US_ASCII));
        }

        private static byte[] concat(byte[] a, byte[] b) {
            byte[] out = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (sockets) {
                for (Socket s : sockets) {
                    try {
                        s.close();
                    } catch (IOException e) {
                        // closing anyway
                    }
                }
            }
        }
    }
}
