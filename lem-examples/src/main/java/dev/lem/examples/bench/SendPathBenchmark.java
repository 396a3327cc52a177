package dev.lem.examples.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;

/**
 * Which HTTP client can send on schedule under 1,000 streams: the same open-loop driver (one dispatcher thread,
 * Poisson arrivals from a seeded generator, each request sent at its scheduled time) drives either
 * {@code java.net.http} configured as LEM's {@code ServingClient} configures it (HTTP/1.1, a fixed pool of max(2, cores)
 * threads, 2 KiB read buffers, the start stamped when the client takes the request body) or Jetty's HTTP client
 * (HTTP/1.1, its default thread pool, the start stamped when the request is committed: headers about to be written),
 * against {@link StreamingBenchServer} in a child JVM. Raw clients, no LEM code on the path, so the figures are the
 * clients' own: the send lag split into the dispatcher's wake-up and the client's send path (the call to the start
 * stamp), and the added TTFT against the server's own stamps in the first event (see StreamingBenchServer).
 * Not a test: run it by hand.
 *
 * <pre>
 * java -Xmx2g -cp ... dev.lem.examples.bench.SendPathBenchmark --client jdk --rate 100 --tokens 1000 --itl-ms 40 \
 *     --chunk-tokens 4 --duration-s 30
 * </pre>
 */
public final class SendPathBenchmark {
    private SendPathBenchmark() {
    }

    /** One request's stamps, {@link System#nanoTime()}. */
    private static final class Stamps {
        long scheduled;
        long dispatched;
        /** When the client took the request body (java.net.http) or committed the request (Jetty); read after the end. */
        final long[] started = {0};
        volatile long firstEvent;
        volatile long serverReceived;
        volatile long serverWritten;
        volatile boolean failed;
        final StringBuilder head = new StringBuilder();

        /** Looks for the server's stamps in the stream's first bytes. */
        void scan(ByteBuffer b, long now) {
            if (serverWritten != 0 || head.length() > 8192) {
                return;
            }
            head.append(StandardCharsets.ISO_8859_1.decode(b.duplicate()));
            int at = head.indexOf(" @");
            if (at < 0) {
                return;
            }
            int slash = head.indexOf("/", at);
            int end = slash < 0 ? -1 : head.indexOf("\"", slash);
            if (end < 0) {
                return;
            }
            serverReceived = Long.parseLong(head.substring(at + 2, slash));
            serverWritten = Long.parseLong(head.substring(slash + 1, end).strip());
            firstEvent = now;
        }
    }

    /** A client under test: sends one request, stamps it, and counts down when it ends. */
    private interface Client extends AutoCloseable {
        void send(URI uri, byte[] body, Stamps s, CountDownLatch done);

        @Override
        void close() throws Exception;
    }

    /**
     * Runs the benchmark and prints its readings.
     *
     * @param argv {@code --client jdk|jetty --rate N --tokens N --itl-ms N --chunk-tokens N --duration-s N}
     * @throws Exception when the server or a client fails
     */
    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new HashMap<>(Map.of("--client", "jdk", "--rate", "100", "--tokens", "1000",
                "--itl-ms", "40", "--chunk-tokens", "4", "--duration-s", "30", "--seed", "42"));
        for (int i = 0; i + 1 < argv.length; i += 2) {
            a.put(argv[i], argv[i + 1]);
        }
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", "2048"); // as LEM's clients set it
        }
        String which = a.get("--client");
        double rate = Double.parseDouble(a.get("--rate"));
        int tokens = Integer.parseInt(a.get("--tokens"));
        double durationS = Double.parseDouble(a.get("--duration-s"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process server = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                StreamingBenchServer.class.getName(), "0", a.get("--itl-ms"), a.get("--chunk-tokens"))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (Client client = which.equals("jetty") ? jetty() : jdk()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8));
            String line = in.readLine();
            if (line == null || !line.startsWith("listening ")) {
                throw new IllegalStateException("the bench server did not start: " + line);
            }
            URI uri = URI.create("http://127.0.0.1:" + line.substring(10).trim() + "/v1/completions");
            Sender sender = new Sender(client, uri, tokens);
            // warm-up: 20 s at the same rate, unrecorded (JIT, connections)
            sender.run(rate, 20, new Random(1), null);
            long gc0 = gcMillis();
            long cpu0 = ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
            long t0 = System.nanoTime();
            List<Stamps> all = new ArrayList<>();
            sender.run(rate, durationS, new Random(Long.parseLong(a.get("--seed"))), all);
            long wall = System.nanoTime() - t0;
            long cpu = ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L) - cpu0;
            print(which, all, wall, cpu, gcMillis() - gc0);
        } finally {
            server.destroy();
        }
    }

    /** The open-loop driver. */
    private static final class Sender {
        private final Client client;
        private final URI uri;
        private final int tokens;
        private final AtomicInteger ids = new AtomicInteger();

        Sender(Client client, URI uri, int tokens) {
            this.client = client;
            this.uri = uri;
            this.tokens = tokens;
        }

        void run(double rate, double seconds, Random random, List<Stamps> into) throws InterruptedException {
            List<Stamps> sent = new ArrayList<>();
            List<CountDownLatch> ends = new ArrayList<>();
            long start = System.nanoTime();
            long due = start;
            while (due - start < (long) (seconds * 1e9)) {
                waitUntil(due);
                Stamps s = new Stamps();
                s.scheduled = due;
                s.dispatched = System.nanoTime();
                byte[] body = ("{\"model\":\"bench\",\"prompt\":\"r" + ids.incrementAndGet() + "\",\"max_tokens\":"
                        + tokens + ",\"stream\":true}").getBytes(StandardCharsets.UTF_8);
                CountDownLatch done = new CountDownLatch(1);
                client.send(uri, body, s, done);
                sent.add(s);
                ends.add(done);
                due += (long) (-Math.log(1 - random.nextDouble()) / rate * 1e9);
            }
            for (CountDownLatch d : ends) {
                if (!d.await(120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("a request did not end within 120 s");
                }
            }
            if (into != null) {
                into.addAll(sent);
            }
        }

        /** Parks until shortly before {@code due}, then spins, as LEM's load generator does. */
        private static void waitUntil(long due) {
            while (true) {
                long left = due - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                if (left > 50_000) {
                    LockSupport.parkNanos(left - 50_000);
                } else {
                    Thread.onSpinWait();
                }
            }
        }
    }

    /** {@code java.net.http} as ServingClient configures it. */
    private static Client jdk() {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                r -> {
                    Thread t = new Thread(r, "jdk-http");
                    t.setDaemon(true);
                    return t;
                });
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(pool)
                .connectTimeout(Duration.ofSeconds(10)).build();
        return new Client() {
            @Override
            public void send(URI uri, byte[] body, Stamps s, CountDownLatch done) {
                HttpRequest req = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                        .header("Accept", "text/event-stream")
                        .POST(TtftOverheadBenchmark.stamped(body, s.started)).build();
                http.sendAsync(req, info -> HttpResponse.BodySubscribers.fromSubscriber(
                        new Flow.Subscriber<List<ByteBuffer>>() {
                            @Override
                            public void onSubscribe(Flow.Subscription sub) {
                                sub.request(Long.MAX_VALUE);
                            }

                            @Override
                            public void onNext(List<ByteBuffer> item) {
                                long now = System.nanoTime();
                                for (ByteBuffer b : item) {
                                    s.scan(b, now);
                                }
                            }

                            @Override
                            public void onError(Throwable t) {
                                s.failed = true;
                            }

                            @Override
                            public void onComplete() {
                            }
                        })).whenComplete((r, e) -> {
                            if (e != null || r.statusCode() != 200) {
                                s.failed = true;
                            }
                            done.countDown();
                        });
            }

            @Override
            public void close() {
                pool.shutdownNow();
            }
        };
    }

    private static final AtomicInteger FAILURES = new AtomicInteger();

    /** Jetty's HTTP client, HTTP/1.1, default thread pool. */
    private static Client jetty() throws Exception {
        org.eclipse.jetty.client.HttpClient http = new org.eclipse.jetty.client.HttpClient();
        http.setMaxConnectionsPerDestination(4096);
        http.setMaxRequestsQueuedPerDestination(8192);
        http.setConnectTimeout(10_000);
        http.start();
        return new Client() {
            @Override
            public void send(URI uri, byte[] body, Stamps s, CountDownLatch done) {
                http.newRequest(uri).method(HttpMethod.POST)
                        .headers(h -> h.put(HttpHeader.ACCEPT, "text/event-stream"))
                        .body(new BytesRequestContent("application/json", body))
                        .onRequestCommit(r -> {
                            if (s.started[0] == 0) {
                                s.started[0] = System.nanoTime();
                            }
                        })
                        .onResponseContent((r, b) -> s.scan(b, System.nanoTime()))
                        .send(result -> {
                            if (result.isFailed() || result.getResponse().getStatus() != 200) {
                                s.failed = true;
                                if (FAILURES.getAndIncrement() < 3) {
                                    System.err.println("jetty request failed: " + result.getFailure() + ", status "
                                            + result.getResponse().getStatus());
                                }
                            }
                            done.countDown();
                        });
            }

            @Override
            public void close() throws Exception {
                http.stop();
            }
        };
    }

    private static long gcMillis() {
        long ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }

    private static void print(String client, List<Stamps> all, long wallNanos, long cpuNanos, long gcMs) {
        long failed = all.stream().filter(s -> s.failed || s.started[0] == 0 || s.serverWritten == 0).count();
        List<Stamps> ok = all.stream().filter(s -> !s.failed && s.started[0] != 0 && s.serverWritten != 0).toList();
        double[] lag = sorted(ok.stream().mapToDouble(s -> (s.started[0] - s.scheduled) / 1e6));
        double[] wake = sorted(ok.stream().mapToDouble(s -> (s.dispatched - s.scheduled) / 1e6));
        double[] path = sorted(ok.stream().mapToDouble(s -> (s.started[0] - s.dispatched) / 1e6));
        double[] added = sorted(ok.stream().mapToDouble(s -> ((s.serverReceived - s.started[0])
                + (s.firstEvent - s.serverWritten)) / 1e6));
        System.out.printf(Locale.ROOT, "client %s: %d requests, %d failed or unstamped, %d cores, %s%n", client,
                all.size(), failed, Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));
        row("send lag p50 / p99 / max", lag);
        row("  dispatcher wake-up p50 / p99 / max", wake);
        row("  client send path p50 / p99 / max", path);
        System.out.printf(Locale.ROOT, "  %-40s mean %.3f, p50 / p99 / max %.3f / %.3f / %.3f ms%n",
                "TTFT added vs wire", Arrays.stream(added).average().orElse(Double.NaN), pct(added, 0.5),
                pct(added, 0.99), added.length == 0 ? Double.NaN : added[added.length - 1]);
        System.out.printf(Locale.ROOT, "  %-40s %.1f %% of one core, GC %d ms%n", "client CPU", 100.0 * cpuNanos
                / wallNanos, gcMs);
    }

    private static double[] sorted(java.util.stream.DoubleStream s) {
        double[] v = s.toArray();
        Arrays.sort(v);
        return v;
    }

    private static void row(String what, double[] v) {
        System.out.printf(Locale.ROOT, "  %-40s %.3f / %.3f / %.3f ms%n", what, pct(v, 0.5), pct(v, 0.99),
                v.length == 0 ? Double.NaN : v[v.length - 1]);
    }

    private static double pct(double[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN
                : sorted[(int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
    }
}
