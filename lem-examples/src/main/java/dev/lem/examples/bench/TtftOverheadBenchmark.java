package dev.lem.examples.bench;

import dev.lem.config.ServerApi;
import dev.lem.serving.ServerSettings;
import dev.lem.serving.ServingClient;
import dev.lem.serving.StreamCall;
import dev.lem.serving.StreamDialect;
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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Where TTFT's client overhead goes: the time from a scripted loopback server's write of a stream's first chunk
 * (stamped with {@link System#nanoTime()} just before the write, in this JVM) to the moment each client sees it,
 * for LEM's {@link ServingClient} and for references on the same requests:
 * <ul>
 *   <li>{@code socket}: a minimal blocking-socket client, one thread per stream (the floor: kernel delivery plus a
 *       thread wake-up);</li>
 *   <li>{@code jdk-pool}: {@code java.net.http} with a fixed pool of max(2, cores) threads as executor (LEM's
 *       configuration), stamping at the first {@code onNext} of a raw body subscriber (no LEM code);</li>
 *   <li>{@code jdk-direct}: the same with a direct executor ({@code Runnable::run}: callbacks on the selector
 *       thread);</li>
 *   <li>{@code lem}: {@link ServingClient} as the backends use it, first {@code tokens} event.</li>
 * </ul>
 * Closed loop at {@code --concurrency} streams (4), {@code --requests} per client (400), the server waiting
 * {@code --ttft-ms} (20) after the headers, then one chunk, then the end. Each client runs {@code --rounds} times
 * (3), interleaved, and the table gives mean, p50 and p99 of each round. {@code --hold-chunks N --itl-ms M} keeps
 * each stream open for N more chunks every M ms (1,000 streams: {@code --concurrency 1000 --hold-chunks 250}, i.e.
 * 10 s streams and 100 new requests/s). The added latency is split into the send part (the client's start stamp
 * to the server's receipt of the request's first byte) and the receive part (the server's write of the first chunk
 * to the client's stamp). Not a test: run it by hand.
 *
 * <p>{@code --pcap FILE} (or {@code auto}: a new file in {@code java.io.tmpdir}) adds a wire-level reference: a
 * {@code tcpdump} child process ({@link TcpdumpCapture}) captures the server's port on {@code lo} for the whole run,
 * and {@link PacketCapture} finds each request's first segment and its response's first-chunk segment in the file.
 * A second table gives every client's added latency against those packet times (client start → request packet;
 * response packet → client's first-chunk stamp) beside the server-stamp figures, and a validation line says how far
 * the server's own stamps are from the wire. Packet times are CLOCK_REALTIME; they are moved onto
 * {@code System.nanoTime()} with an offset read before and after the rounds (to within tens of ns, printed). Without
 * tcpdump on PATH or the right to capture, a line says why and the run goes on without the packet reference.
 *
 * <pre>
 * java -cp ... dev.lem.examples.bench.TtftOverheadBenchmark --concurrency 4 --requests 400 --rounds 3
 * java -cp ... dev.lem.examples.bench.TtftOverheadBenchmark --clients socket,jdk-pool,lem --pcap auto
 * </pre>
 */
public final class TtftOverheadBenchmark {
    private TtftOverheadBenchmark() {
    }

    /**
     * Runs the benchmark and prints a table.
     *
     * @param argv {@code --concurrency N --requests N --warmup N (unrecorded requests per client and round; default
     *             max(50, requests / 4)) --ttft-ms N --rounds N --clients a,b,...
     *     --hold-chunks N --itl-ms N --pcap FILE|auto}
     * @throws Exception when the server or a client fails
     */
    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new HashMap<>(Map.of("--concurrency", "4", "--requests", "400", "--ttft-ms", "20",
                "--rounds", "3", "--clients", "socket,jdk-pool,jdk-direct,lem-jdk,lem", "--hold-chunks", "0", "--itl-ms", "40"));
        for (int i = 0; i + 1 < argv.length; i += 2) {
            a.put(argv[i], argv[i + 1]);
        }
        int concurrency = Integer.parseInt(a.get("--concurrency"));
        int requests = Integer.parseInt(a.get("--requests"));
        int rounds = Integer.parseInt(a.get("--rounds"));
        long ttftNanos = Long.parseLong(a.get("--ttft-ms")) * 1_000_000L;
        List<String> clients = List.of(a.get("--clients").split(","));
        int warmup = a.containsKey("--warmup") ? Integer.parseInt(a.get("--warmup"))
                : Math.max(50, Integer.parseInt(a.get("--requests")) / 4);
        int holdChunks = Integer.parseInt(a.get("--hold-chunks"));
        long itlNanos = Long.parseLong(a.get("--itl-ms")) * 1_000_000L;
        String pcap = a.get("--pcap");
        try (Server server = new Server(ttftNanos, holdChunks, itlNanos)) {
            URI uri = URI.create("http://127.0.0.1:" + server.port());
            System.out.printf(Locale.ROOT, "TTFT client overhead: first-chunk time seen by the client minus the "
                    + "server's write (ms); concurrency %d, %d requests per round, server TTFT %d ms, then %d chunks "
                    + "every %d ms, %d cores, %s%n",
                    concurrency, requests, ttftNanos / 1_000_000, holdChunks, itlNanos / 1_000_000,
                    Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.vm.version"));
            TcpdumpCapture capture = null;
            if (pcap != null) {
                StringBuilder why = new StringBuilder();
                capture = TcpdumpCapture.start(pcap, server.port(), why).orElse(null);
                System.out.println(capture == null ? "packet reference skipped: " + why
                        : "packet capture: tcpdump on lo, port " + server.port() + ", into " + capture.file());
            }
            PacketCapture.ClockOffset before = PacketCapture.ClockOffset.measure(20_000);
            Map<String, List<Sample[]>> results = new HashMap<>();
            for (String c : clients) {
                run(c, uri, server, concurrency, warmup); // warm-up, unrecorded
            }
            for (int r = 0; r < rounds; r++) {
                for (String c : clients) {
                    results.computeIfAbsent(c, k -> new ArrayList<>()).add(run(c, uri, server, concurrency, requests));
                }
            }
            PacketCapture.ClockOffset after = PacketCapture.ClockOffset.measure(20_000);
            System.out.println("| client | round | added mean | added p50 | added p99 | send part mean / p50 | "
                    + "receive part mean / p50 |");
            System.out.println("|---|---|---|---|---|---|---|");
            for (String c : clients) {
                List<Sample[]> rs = results.get(c);
                for (int r = 0; r < rs.size(); r++) {
                    Sample[] x = rs.get(r);
                    double[] send = sorted(Arrays.stream(x).mapToDouble(Sample::sendMs).toArray());
                    double[] recv = sorted(Arrays.stream(x).mapToDouble(Sample::receiveMs).toArray());
                    double[] total = sorted(Arrays.stream(x).mapToDouble(v -> v.sendMs() + v.receiveMs()).toArray());
                    System.out.printf(Locale.ROOT, "| %s | %d | %.3f | %.3f | %.3f | %.3f / %.3f | %.3f / %.3f |%n", c,
                            r + 1, mean(total), pct(total, 0.5), pct(total, 0.99), mean(send), pct(send, 0.5),
                            mean(recv), pct(recv, 0.5));
                }
            }
            if (capture != null) {
                Thread.sleep(200); // the last segments reach tcpdump
                String counts = capture.stop();
                packetTables(capture.file(), server.port(), counts, clients, results, before, after);
            }
        }
    }

    /**
     * The packet reference: the added latency against the capture's times of the request's first segment and the
     * response's first-chunk segment, beside the server-stamp figures, and how far the server's stamps are from the
     * wire.
     */
    private static void packetTables(java.nio.file.Path file, int port, String counts, List<String> clients,
            Map<String, List<Sample[]>> results, PacketCapture.ClockOffset before, PacketCapture.ClockOffset after)
            throws IOException {
        PacketCapture.Capture cap = PacketCapture.read(java.nio.file.Files.readAllBytes(file));
        PacketCapture.Matched m = PacketCapture.match(cap.segments(), port);
        long drift = (after.realtimeMinusNanoTime() - before.realtimeMinusNanoTime());
        System.out.printf(Locale.ROOT, "%npacket capture %s: tcpdump said \"%s\"; %d records, %d TCP segments, "
                + "%d connections, %d requests matched, %d incomplete, %d sequence gaps%s%n", file, counts,
                cap.records(), cap.segments().size(), m.connections(), m.byId().size(), m.incomplete(), m.gaps(),
                cap.truncated() ? ", last record truncated" : "");
        System.out.printf(Locale.ROOT, "clock: CLOCK_REALTIME - nanoTime read before and after the rounds "
                + "(narrowest of 20,000 readings each) to within +-%d ns and +-%d ns; it moved %d ns in between "
                + "(interpolated linearly)%n", before.halfBracketNanos(), after.halfBracketNanos(), drift);
        System.out.println("| client | round | matched | added vs packets mean / p50 / p99 | send vs packet "
                + "mean / p50 | receive vs packet mean / p50 | added vs server stamps mean / p50 |");
        System.out.println("|---|---|---|---|---|---|---|");
        List<Double> writeToPacket = new ArrayList<>();
        List<Double> packetToReceipt = new ArrayList<>();
        for (String c : clients) {
            List<Sample[]> rs = results.get(c);
            for (int r = 0; r < rs.size(); r++) {
                List<Double> send = new ArrayList<>();
                List<Double> recv = new ArrayList<>();
                List<Double> total = new ArrayList<>();
                List<Double> stamps = new ArrayList<>();
                for (Sample x : rs.get(r)) {
                    PacketCapture.RequestTimes t = m.byId().get(x.id());
                    if (t == null) {
                        continue;
                    }
                    long request = PacketCapture.ClockOffset.toNanoTime(t.requestEpochNanos(), before, after);
                    long response = PacketCapture.ClockOffset.toNanoTime(t.responseEpochNanos(), before, after);
                    double sendMs = (request - x.clientStart()) / 1e6;
                    double recvMs = (x.clientFirst() - response) / 1e6;
                    send.add(sendMs);
                    recv.add(recvMs);
                    total.add(sendMs + recvMs);
                    stamps.add(x.sendMs() + x.receiveMs());
                    writeToPacket.add((response - x.serverWritten()) / 1e3);
                    packetToReceipt.add((x.serverReceived() - request) / 1e3);
                }
                if (total.isEmpty()) {
                    System.out.printf(Locale.ROOT, "| %s | %d | 0 of %d | | | | |%n", c, r + 1, rs.get(r).length);
                    continue;
                }
                double[] tt = sorted(total);
                double[] ss = sorted(send);
                double[] rr = sorted(recv);
                double[] st = sorted(stamps);
                System.out.printf(Locale.ROOT, "| %s | %d | %d of %d | %.3f / %.3f / %.3f | %.3f / %.3f | %.3f / %.3f "
                        + "| %.3f / %.3f |%n", c, r + 1, tt.length, rs.get(r).length, mean(tt), pct(tt, 0.5),
                        pct(tt, 0.99), mean(ss), pct(ss, 0.5), mean(rr), pct(rr, 0.5), mean(st), pct(st, 0.5));
            }
        }
        if (!writeToPacket.isEmpty()) {
            double[] w = sorted(writeToPacket);
            double[] q = sorted(packetToReceipt);
            System.out.printf(Locale.ROOT, "validation (us, all matched requests): response packet - server's write "
                    + "stamp mean %.1f, p50 %.1f, p99 %.1f, min %.1f, max %.1f; server's receipt stamp - request "
                    + "packet mean %.1f, p50 %.1f, p99 %.1f, min %.1f, max %.1f%n", mean(w), pct(w, 0.5), pct(w, 0.99),
                    w[0], w[w.length - 1], mean(q), pct(q, 0.5), pct(q, 0.99), q[0], q[q.length - 1]);
        }
    }

    private static double[] sorted(List<Double> v) {
        return sorted(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static double[] sorted(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s;
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElse(Double.NaN);
    }

    private static double pct(double[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
    }

    /** One round of one client: every request's stamps. */
    private static Sample[] run(String client, URI uri, Server server, int concurrency, int requests)
            throws Exception {
        return switch (client) {
            case "socket" -> closedLoop(concurrency, requests, server, id -> socketFirstChunk(uri, id));
            case "jdk-pool" -> jdk(uri, server, concurrency, requests, false, false);
            case "jdk-direct" -> jdk(uri, server, concurrency, requests, true, false);
            case "jdk-pool-stamped" -> jdk(uri, server, concurrency, requests, false, true);
            case "jdk-direct-stamped" -> jdk(uri, server, concurrency, requests, true, true);
            case "lem" -> lem(uri, server, concurrency, requests, "jetty");
            case "lem-jdk" -> lem(uri, server, concurrency, requests, "jdk");
            default -> throw new IllegalArgumentException("unknown client " + client);
        };
    }

    /** A blocking function per request id: {send stamp, first-chunk stamp}. */
    private interface FirstChunk {
        long[] first(int id) throws Exception;
    }

    /** One request's stamps, all {@code System.nanoTime()} in this JVM, ns. */
    private record Sample(int id, long clientStart, long clientFirst, long serverReceived, long serverWritten) {
        double sendMs() {
            return (serverReceived - clientStart) / 1e6;
        }

        double receiveMs() {
            return (clientFirst - serverWritten) / 1e6;
        }
    }

    /** Every request of the round, with its stamps. */
    private static Sample[] closedLoop(int concurrency, int requests, Server server, FirstChunk f) throws Exception {
        Sample[] out = new Sample[requests];
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < concurrency; t++) {
            fs.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < requests) {
                    int id = server.newId();
                    long[] ts = f.first(id);
                    long[] srv = server.stamps(id);
                    out[i] = new Sample(id, ts[0], ts[1], srv[0], srv[1]);
                }
                return null;
            }));
        }
        for (var x : fs) {
            x.get();
        }
        pool.shutdown();
        return out;
    }

    /** A non-blocking request per id, completing with {send stamp, first-chunk stamp}. */
    private interface AsyncFirstChunk {
        CompletableFuture<long[]> start(int id);
    }

    /**
     * The closed loop without a thread per stream (as LEM's load generator drives the client): each completion
     * sends the next request.
     */
    private static Sample[] asyncClosedLoop(int concurrency, int requests, Server server, AsyncFirstChunk f)
            throws Exception {
        Sample[] out = new Sample[requests];
        AtomicInteger next = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(requests);
        CompletableFuture<Void> failed = new CompletableFuture<>();
        Runnable[] launch = new Runnable[1];
        launch[0] = () -> {
            int i = next.getAndIncrement();
            if (i >= requests) {
                return;
            }
            int id = server.newId();
            f.start(id).whenComplete((ts, e) -> {
                if (e != null) {
                    failed.completeExceptionally(e);
                } else {
                    long[] srv = server.stamps(id);
                    out[i] = new Sample(id, ts[0], ts[1], srv[0], srv[1]);
                }
                all.countDown();
                launch[0].run();
            });
        };
        for (int t = 0; t < concurrency; t++) {
            launch[0].run();
        }
        if (!all.await(600, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the round did not finish");
        }
        if (failed.isCompletedExceptionally()) {
            failed.get();
        }
        return out;
    }

    private static final ThreadLocal<Socket> SOCKETS = new ThreadLocal<>();

    /** The minimal client: one kept-alive socket per thread, request written, read until the first data line. */
    private static long[] socketFirstChunk(URI uri, int id) throws IOException {
        long start = System.nanoTime();
        Socket s = SOCKETS.get();
        if (s == null) {
            s = new Socket(InetAddress.getLoopbackAddress(), uri.getPort());
            s.setTcpNoDelay(true);
            SOCKETS.set(s);
        }
        byte[] body = body(id);
        OutputStream out = s.getOutputStream();
        out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[16384];
        long first = 0;
        StringBuilder seen = new StringBuilder();
        while (true) {
            int n = in.read(buf);
            if (n < 0) {
                throw new IOException("closed");
            }
            long now = System.nanoTime();
            seen.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            if (first == 0 && seen.indexOf("\"text\":\" hi\"") >= 0) {
                first = now;
            }
            if (seen.indexOf("\r\n0\r\n\r\n") >= 0) {
                return new long[] {start, first};
            }
        }
    }

    private static byte[] body(int id) {
        return ("{\"model\":\"m\",\"prompt\":\"id " + id + "\",\"max_tokens\":1,\"stream\":true}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static Sample[] jdk(URI uri, Server server, int concurrency, int requests, boolean direct,
            boolean stampBody) throws Exception {
        ExecutorService pool = direct ? null
                : Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
                    Thread t = new Thread(r);
                    t.setDaemon(true);
                    return t;
                });
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(direct ? Runnable::run : pool).build();
        try {
            return asyncClosedLoop(concurrency, requests, server, id -> {
                long[] first = {0};
                long[] sent = {0};
                CompletableFuture<long[]> end = new CompletableFuture<>();
                HttpRequest req = HttpRequest.newBuilder(uri.resolve("/v1/completions"))
                        .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                        .POST(stampBody ? stamped(body(id), sent) : HttpRequest.BodyPublishers.ofByteArray(body(id)))
                        .build();
                long start = System.nanoTime();
                http.sendAsync(req, info ->
                        HttpResponse.BodySubscribers.fromSubscriber(new Flow.Subscriber<List<ByteBuffer>>() {
                            @Override
                            public void onSubscribe(Flow.Subscription s) {
                                s.request(Long.MAX_VALUE);
                            }

                            @Override
                            public void onNext(List<ByteBuffer> item) {
                                if (first[0] == 0) {
                                    first[0] = System.nanoTime();
                                }
                            }

                            @Override
                            public void onError(Throwable t) {
                                end.completeExceptionally(t);
                            }

                            @Override
                            public void onComplete() {
                                end.complete(new long[] {stampBody ? sent[0] : start, first[0]});
                            }
                        })).whenComplete((r, e) -> {
                            if (e != null) {
                                end.completeExceptionally(e);
                            }
                        });
                return end;
            });
        } finally {
            if (pool != null) {
                pool.shutdown();
            }
        }
    }

    /** A body publisher that stamps the moment the client first asks it for the body (the request is going out). */
    static HttpRequest.BodyPublisher stamped(byte[] body, long[] stamp) {
        HttpRequest.BodyPublisher inner = HttpRequest.BodyPublishers.ofByteArray(body);
        return new HttpRequest.BodyPublisher() {
            @Override
            public long contentLength() {
                return inner.contentLength();
            }

            @Override
            public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
                inner.subscribe(new Flow.Subscriber<ByteBuffer>() {
                    @Override
                    public void onSubscribe(Flow.Subscription sub) {
                        s.onSubscribe(new Flow.Subscription() {
                            @Override
                            public void request(long n) {
                                if (stamp[0] == 0) {
                                    stamp[0] = System.nanoTime();
                                }
                                sub.request(n);
                            }

                            @Override
                            public void cancel() {
                                sub.cancel();
                            }
                        });
                    }

                    @Override
                    public void onNext(ByteBuffer item) {
                        s.onNext(item);
                    }

                    @Override
                    public void onError(Throwable t) {
                        s.onError(t);
                    }

                    @Override
                    public void onComplete() {
                        s.onComplete();
                    }
                });
            }
        };
    }

    /** {@code ServingClient} on the named HTTP transport ({@code jetty}: LEM's default with lem-serving-jetty). */
    private static Sample[] lem(URI uri, Server server, int concurrency, int requests, String transport)
            throws Exception {
        ServerSettings s = new ServerSettings(uri, ServerApi.COMPLETIONS, "m", true, Optional.empty(),
                Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(60), 0, true);
        String before = System.setProperty(dev.lem.spi.HttpTransportProvider.SELECT_PROPERTY, transport);
        ServingClient created;
        try {
            created = ServingClient.create(s);
        } finally {
            if (before == null) {
                System.clearProperty(dev.lem.spi.HttpTransportProvider.SELECT_PROPERTY);
            } else {
                System.setProperty(dev.lem.spi.HttpTransportProvider.SELECT_PROPERTY, before);
            }
        }
        try (ServingClient client = created) {
            return asyncClosedLoop(concurrency, requests, server, id -> {
                long[] first = {0, 0};
                return client.stream(new StreamCall("r" + id, "/v1/completions", body(id), StreamDialect.OPENAI_COMPLETIONS,
                        1), new GenerationListener() {
                            @Override
                            public void requestStarted(String requestId, long nanoTime) {
                                first[0] = nanoTime;
                            }

                            @Override
                            public void tokens(String requestId, long nanoTime, int count, List<Integer> tokenIds,
                                    String text) {
                                if (first[1] == 0) {
                                    first[1] = nanoTime;
                                }
                            }

                            @Override
                            public void requestCompleted(String requestId, long nanoTime, Completion completion) {
                            }

                            @Override
                            public void requestFailed(String requestId, long nanoTime, String cause) {
                                throw new IllegalStateException(cause);
                            }
                        }).thenApply(v -> first);
            });
        }
    }

    /** Thread-per-connection HTTP/1.1 server: headers, a pause, one stamped chunk, the end; keep-alive. */
    static final class Server implements AutoCloseable {
        private static final byte[] HEADERS = ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        private static final byte[] NEXT = chunk("data: {\"id\":\"c\",\"object\":\"text_completion\",\"created\":0,"
                + "\"model\":\"m\",\"choices\":[{\"index\":0,\"text\":\" x\",\"finish_reason\":null}]}\n\n");
        private final ServerSocket socket;
        private final long ttftNanos;
        private final int holdChunks;
        private final long itlNanos;
        private final AtomicInteger ids = new AtomicInteger();
        private final Map<Integer, long[]> writes = new ConcurrentHashMap<>();

        Server(long ttftNanos, int holdChunks, long itlNanos) throws IOException {
            this.ttftNanos = ttftNanos;
            this.holdChunks = holdChunks;
            this.itlNanos = itlNanos;
            socket = new ServerSocket(0, 2048, InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::accept, "ttft-bench-accept");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        int newId() {
            return ids.incrementAndGet();
        }

        /** {first byte of the request received, first chunk written}, ns. */
        long[] stamps(int id) {
            long[] w = writes.remove(id);
            if (w == null) {
                throw new IllegalStateException("no write recorded for request " + id);
            }
            return w;
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    s.setTcpNoDelay(true);
                    Thread t = new Thread(() -> serve(s), "ttft-bench-conn");
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
                    String head = (char) b0 + readHead(in);
                    if (head.length() == 1) {
                        return;
                    }
                    int len = 0;
                    for (String line : head.split("\r\n")) {
                        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                            len = Integer.parseInt(line.substring(15).strip());
                        }
                    }
                    String body = new String(in.readNBytes(len), StandardCharsets.UTF_8);
                    int at = body.indexOf("\"id ") + 4;
                    int id = Integer.parseInt(body.substring(at, body.indexOf('"', at)));
                    out.write(HEADERS);
                    out.flush();
                    LockSupport.parkNanos(ttftNanos);
                    byte[] first = chunk("data: {\"id\":\"c\",\"object\":\"text_completion\",\"created\":0,\"model\":\"m\","
                            + "\"choices\":[{\"index\":0,\"text\":\" hi\",\"finish_reason\":null}]}\n\n");
                    byte[] rest = chunk("data: {\"id\":\"c\",\"object\":\"text_completion\",\"created\":0,\"model\":\"m\","
                            + "\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":\"length\"}],\"usage\":"
                            + "{\"prompt_tokens\":2,\"completion_tokens\":1,\"total_tokens\":3}}\n\ndata: [DONE]\n\n");
                    long now = System.nanoTime();
                    out.write(first);
                    writes.put(id, new long[] {received, now});
                    for (int k = 0; k < holdChunks; k++) {
                        out.flush();
                        LockSupport.parkNanos(itlNanos);
                        out.write(NEXT);
                    }
                    out.write(rest);
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (IOException e) {
                // client closed
            }
        }

        private static String readHead(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                b.append((char) c);
                if (b.length() >= 3 && b.substring(b.length() - 3).equals("\n\r\n")) {
                    return b.toString();
                }
            }
            return "";
        }

        private static byte[] chunk(String data) {
            byte[] d = data.getBytes(StandardCharsets.UTF_8);
            byte[] h = (Integer.toHexString(d.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] out = new byte[h.length + d.length + 2];
            System.arraycopy(h, 0, out, 0, h.length);
            System.arraycopy(d, 0, out, h.length, d.length);
            out[out.length - 2] = '\r';
            out[out.length - 1] = '\n';
            return out;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

}
