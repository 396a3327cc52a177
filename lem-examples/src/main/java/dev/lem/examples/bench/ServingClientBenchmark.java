package dev.lem.examples.bench;

import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.SloConfig;
import dev.lem.config.ValueSource;
import dev.lem.internal.RequestRecorder;
import dev.lem.metrics.CycleMetrics;
import dev.lem.metrics.CycleMetricsCalculator;
import dev.lem.metrics.LatencyStats;
import dev.lem.metrics.RequestRecord;
import dev.lem.serving.OpenAiBackendProvider;
import dev.lem.serving.OpenAiCompatibleBackend;
import dev.lem.spi.BackendContext;
import dev.lem.spi.Completion;
import dev.lem.spi.GenerationListener;
import dev.lem.spi.GenerationRequest;
import dev.lem.workload.LoadGenerator;
import dev.lem.workload.LoadReport;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * How much streaming the serving client sustains on this machine: the production path (LoadGenerator →
 * openai backend → ServingClient → RequestRecorder) against {@link StreamingBenchServer} in a child JVM,
 * which streams vLLM-shaped chunks of {@code --chunk-tokens} tokens (default 1) paced at {@code --itl-ms} per
 * stream (0: as fast as it can).
 * Prints requests, streams in flight, tokens/s, the client's send lag (open loop), TTFT, ITL and the
 * client JVM's CPU and GC time. Not a test: run it by hand, as docs/performance.md says.
 *
 * <pre>
 * java -Xmx2g -cp ... dev.lem.examples.bench.ServingClientBenchmark --mode open --rate 100 --tokens 1000 \
 *     --itl-ms 10 --duration-s 30
 * java -Xmx2g -cp ... dev.lem.examples.bench.ServingClientBenchmark --mode closed --concurrency 1000 \
 *     --tokens 2000 --itl-ms 0 --requests 4000
 * </pre>
 */
public final class ServingClientBenchmark {
    private ServingClientBenchmark() {
    }

    /**
     * Runs the benchmark and prints its readings.
     *
     * @param argv the options described in the class comment
     * @throws Exception when the server or the client fails
     */
    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new HashMap<>(Map.of("--mode", "open", "--rate", "100", "--concurrency", "1000",
                "--tokens", "1000", "--itl-ms", "10", "--duration-s", "30", "--requests", "1000000", "--chunk-tokens", "1",
                "--warmup-requests", "20"));
        for (int i = 0; i + 1 < argv.length; i += 2) {
            a.put(argv[i], argv[i + 1]);
        }
        String mode = a.get("--mode");
        int tokens = Integer.parseInt(a.get("--tokens"));
        double itlMs = Double.parseDouble(a.get("--itl-ms"));
        int chunkTokens = Integer.parseInt(a.get("--chunk-tokens"));
        Process server = startServer(itlMs, chunkTokens);
        try {
            int port = readPort(server);
            Path dir = Files.createTempDirectory("lem-bench");
            ConfigResolver r = ConfigResolver.withDefaults()
                    .set("backend", "openai", ValueSource.BUILDER)
                    .set("server.url", "http://127.0.0.1:" + port, ValueSource.BUILDER)
                    .set("server.model_name", "bench", ValueSource.BUILDER)
                    .set("server.first_token_timeout_s", 60.0, ValueSource.BUILDER)
                    .set("server.idle_timeout_s", 60.0, ValueSource.BUILDER)
                    .set("max_output_tokens", tokens, ValueSource.BUILDER)
                    .set("traffic.max_requests", Integer.parseInt(a.get("--requests")), ValueSource.BUILDER)
                    .set("traffic.max_duration_s", Double.parseDouble(a.get("--duration-s")), ValueSource.BUILDER)
                    .set("traffic.warmup_requests", Integer.parseInt(a.get("--warmup-requests")), ValueSource.BUILDER);
            if (mode.equals("closed")) {
                r.set("traffic.pattern", "closed", ValueSource.BUILDER)
                        .set("traffic.concurrency", Integer.parseInt(a.get("--concurrency")), ValueSource.BUILDER);
            } else {
                r.set("traffic.pattern", "poisson", ValueSource.BUILDER)
                        .set("traffic.rate", Double.parseDouble(a.get("--rate")), ValueSource.BUILDER);
            }
            ExperimentConfig config = r.resolve();
            try (OpenAiCompatibleBackend backend = OpenAiCompatibleBackend.openAi(BackendContext.of(config, new OpenAiBackendProvider(), dir, 0))) {
                backend.load();
                warmUp(backend, config, dir);
                List<GenerationRequest> requests = new ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    requests.add(new GenerationRequest("b" + i, "benchmark prompt " + i, null, tokens, 0,
                            config.decoding(), i, false));
                }
                // as an experiment's cycle does: warm-up requests, then the connections the run will want, opened
                // before the measured part (for an open loop: rate x the warm-up's mean E2E, plus 3 sigma)
                LoadGenerator generator = LoadGenerator.create(config, backend);
                List<GenerationRequest> prepared = generator.prepare(requests);
                long[] proc0 = procStat();
                long cpu0 = cpuNanos();
                long serverCpu0 = cpuNanos(server.toHandle());
                long gc0 = gcMillis();
                long t0 = System.nanoTime();
                RequestRecorder rec = new RequestRecorder(t0, null, "bench");
                WireReference wire = new WireReference(rec);
                LoadReport report = generator.run(prepared, wire, (id, due) -> {
                    wire.dispatched(id, due);
                    rec.expect(id, due);
                });
                long wall = System.nanoTime() - t0;
                long cpu = cpuNanos() - cpu0;
                long serverCpu = cpuNanos(server.toHandle()) - serverCpu0;
                long[] proc1 = procStat();
                if (proc0.length == 3 && proc1.length == 3) {
                    System.out.printf(Locale.ROOT, "  %-38s %.1f / %.1f s, %,d context switches%n",
                            "client CPU user / system", (proc1[0] - proc0[0]) / 100.0, (proc1[1] - proc0[1]) / 100.0,
                            proc1[2] - proc0[2]);
                }
                System.out.printf(Locale.ROOT, "%d token(s) per chunk%n", chunkTokens);
                System.out.println("HTTP client: " + backend.environment().get("client.http_client"));
                print(mode, itlMs, tokens, report, rec.records(), wall, cpu, serverCpu, gcMillis() - gc0);
                wire.print();
            }
        } finally {
            server.destroy();
        }
    }

    /** A short closed-loop run so the JIT has compiled the client before the measured run. */
    private static void warmUp(OpenAiCompatibleBackend backend, ExperimentConfig config, Path dir) throws Exception {
        ExperimentConfig w = ConfigResolver.from(config).set("traffic.pattern", "closed", ValueSource.BUILDER)
                .set("traffic.concurrency", 64, ValueSource.BUILDER).set("traffic.max_requests", 512, ValueSource.BUILDER)
                .set("traffic.max_duration_s", 20.0, ValueSource.BUILDER).resolve();
        List<GenerationRequest> reqs = List.of(new GenerationRequest("w", "warm", null, 200, 0, config.decoding(), 1,
                false));
        RequestRecorder rec = new RequestRecorder(System.nanoTime(), null, "warm");
        LoadGenerator.create(w, backend).run(reqs, rec, rec::expect);
    }

    private static Process startServer(double itlMs, int chunkTokens) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                StreamingBenchServer.class.getName(), "0", String.valueOf(itlMs), String.valueOf(chunkTokens))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static int readPort(Process p) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = in.readLine();
        if (line == null || !line.startsWith("listening ")) {
            throw new IllegalStateException("the bench server did not start: " + line);
        }
        return Integer.parseInt(line.substring("listening ".length()).trim());
    }

    /** utime and stime (clock ticks, 100/s on Linux) and voluntary + involuntary context switches, where /proc exists. */
    private static long[] procStat() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long switches = 0;
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.contains("ctxt_switches")) {
                    switches += Long.parseLong(line.replaceAll("\\D+", ""));
                }
            }
            return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12]), switches};
        } catch (java.io.IOException | RuntimeException e) {
            return new long[0];
        }
    }

    private static long cpuNanos() {
        return cpuNanos(ProcessHandle.current());
    }

    private static long cpuNanos(ProcessHandle p) {
        return p.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    private static long gcMillis() {
        long ms = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }

    private static void print(String mode, double itlMs, int tokens, LoadReport report, List<RequestRecord> records,
            long wallNanos, long cpuNanos, long serverCpuNanos, long gcMs) {
        long first = records.stream().mapToLong(RequestRecord::startNanos).min().orElse(0);
        long last = records.stream().mapToLong(RequestRecord::endNanos).max().orElse(0);
        double durationS = (last - first) / 1e9;
        CycleMetrics m = CycleMetricsCalculator.compute(records, durationS,
                new SloConfig(Optional.empty(), Optional.empty(), Optional.empty()));
        double busy = records.stream().mapToLong(x -> x.endNanos() - x.startNanos()).sum() / 1e9;
        System.out.printf(Locale.ROOT, "mode %s, server ITL %s ms, %d tokens per request, %d cores%n", mode,
                itlMs == 0 ? "0 (as fast as it can)" : String.valueOf(itlMs), tokens,
                Runtime.getRuntime().availableProcessors());
        row("requests sent / completed / failed", report.sent() + " / " + m.completed() + " / " + m.failed());
        row("duration (first send to last end)", fmt(durationS) + " s");
        row("streams in flight: max / mean", report.maxInFlight() + " / " + fmt(busy / durationS));
        row("output tokens/s (whole run)", fmt(m.outputTokensPerS()));
        steady(records).ifPresent(x -> row("output tokens/s, steady state", x));
        row("achieved request rate", report.achievedRatePerS().map(x -> fmt(x) + " /s").orElse("closed loop"));
        row("send lag p50 / p99 / max", m.sendLagMs().map(ServingClientBenchmark::dist).orElse("closed loop"));
        steadySendLag(records).ifPresent(x -> row("  after the ramp-up (connections reused)", x));
        row("TTFT p50 / p99 / max", m.ttftMs().map(ServingClientBenchmark::dist).orElse("-"));
        row("ITL (per chunk) p50 / p99 / max", m.itlMs().map(ServingClientBenchmark::dist).orElse("-"));
        row("client CPU (of 1 core)", cpuNanos < 0 ? "unknown" : fmt(100.0 * cpuNanos / wallNanos) + " %");
        row("client GC time", gcMs + " ms");
        row("server CPU (of 1 core)", serverCpuNanos < 0 ? "unknown" : fmt(100.0 * serverCpuNanos / wallNanos) + " %");
        records.stream().filter(x -> !x.ok()).findFirst()
                .ifPresent(x -> row("first failure", x.error().orElse("?")));
        if (!report.notes().isEmpty()) {
            row("notes", String.join("; ", report.notes()));
        }
    }

    /**
     * Send lag of the requests scheduled after the ramp-up (first send + median E2E), when finished streams free
     * connections as fast as new ones are sent: the ramp-up's requests each open a new connection.
     */
    private static Optional<String> steadySendLag(List<RequestRecord> records) {
        long[] e2e = records.stream().filter(RequestRecord::ok).mapToLong(RequestRecord::e2eNanos).sorted().toArray();
        if (e2e.length == 0 || records.stream().allMatch(r -> r.scheduledNanos().isEmpty())) {
            return Optional.empty();
        }
        long from = records.stream().mapToLong(RequestRecord::startNanos).min().orElse(0) + e2e[e2e.length / 2];
        double[] lag = records.stream().filter(r -> r.scheduledNanos().map(t -> t >= from).orElse(false))
                .mapToDouble(r -> r.sendLagNanos().orElseThrow() / 1e6).sorted().toArray();
        if (lag.length == 0) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "%.2f / %.2f / %.2f ms (%d requests)", lag[lag.length / 2],
                lag[(int) Math.min(lag.length - 1, Math.ceil(0.99 * lag.length) - 1)], lag[lag.length - 1],
                lag.length));
    }

    /**
     * Tokens received per second between the end of the ramp-up (first send + median E2E) and the last send,
     * when that window is at least a second long.
     */
    private static Optional<String> steady(List<RequestRecord> records) {
        long[] e2e = records.stream().filter(RequestRecord::ok).mapToLong(RequestRecord::e2eNanos).sorted().toArray();
        if (e2e.length == 0) {
            return Optional.empty();
        }
        long from = records.stream().mapToLong(RequestRecord::startNanos).min().orElse(0) + e2e[e2e.length / 2];
        long to = records.stream().mapToLong(RequestRecord::startNanos).max().orElse(0);
        if (to - from < 1_000_000_000L) {
            return Optional.empty();
        }
        long tokens = 0;
        for (RequestRecord r : records) {
            for (int i = 0; i < r.chunkNanos().size(); i++) {
                long t = r.chunkNanos().get(i);
                if (t >= from && t < to) {
                    tokens += r.chunkTokens().get(i);
                }
            }
        }
        return Optional.of(fmt(tokens / ((to - from) / 1e9)) + String.format(Locale.ROOT, " (%.1f to %.1f s)",
                (from - records.get(0).startNanos()) / 1e9, (to - records.get(0).startNanos()) / 1e9));
    }

    /**
     * The client's added TTFT against the server's own stamps (the wire reference): the text of each stream's first
     * event carries the server's {@code System.nanoTime()} when the request was complete and just before the event's
     * write ({@link StreamingBenchServer}); the send part is the client's start stamp to the former, the receive part
     * the latter to the client's first-token stamp. Passes every event on to the recorder.
     */
    private static final class WireReference implements GenerationListener {
        private final GenerationListener next;
        private final Map<String, Long> started = new ConcurrentHashMap<>();
        private final Map<String, long[]> dispatched = new ConcurrentHashMap<>();
        private final List<double[]> parts = java.util.Collections.synchronizedList(new ArrayList<>());
        private final List<double[]> lags = java.util.Collections.synchronizedList(new ArrayList<>());

        WireReference(GenerationListener next) {
            this.next = next;
        }

        /** The dispatcher woke for a request scheduled at {@code due} (open loop; null in a closed loop). */
        void dispatched(String requestId, @Nullable Long due) {
            if (due != null) {
                dispatched.put(requestId, new long[] {due, System.nanoTime()});
            }
        }

        @Override
        public void requestStarted(String requestId, long nanoTime) {
            started.put(requestId, nanoTime);
            long[] d = dispatched.remove(requestId);
            if (d != null) {
                lags.add(new double[] {(d[1] - d[0]) / 1e6, (nanoTime - d[1]) / 1e6});
            }
            next.requestStarted(requestId, nanoTime);
        }

        @Override
        public void tokens(String requestId, long nanoTime, int count, @Nullable List<Integer> tokenIds,
                @Nullable String text) {
            // only a request's first token event is looked at (the wrapper must not add per-chunk work of its own)
            Long start = started.isEmpty() ? null : started.remove(requestId);
            int at = start == null || text == null ? -1 : text.lastIndexOf(" @");
            if (at >= 0) {
                int slash = text.indexOf('/', at);
                long received = Long.parseLong(text.substring(at + 2, slash));
                long written = Long.parseLong(text.substring(slash + 1).strip());
                parts.add(new double[] {(received - start) / 1e6, (nanoTime - written) / 1e6});
            }
            next.tokens(requestId, nanoTime, count, tokenIds, text);
        }

        @Override
        public void requestCompleted(String requestId, long nanoTime, Completion completion) {
            started.remove(requestId);
            next.requestCompleted(requestId, nanoTime, completion);
        }

        @Override
        public void requestFailed(String requestId, long nanoTime, String cause) {
            started.remove(requestId);
            next.requestFailed(requestId, nanoTime, cause);
        }

        @Override
        public void phaseStarted(String phase, long nanoTime) {
            next.phaseStarted(phase, nanoTime);
        }

        @Override
        public void phaseEnded(String phase, long nanoTime) {
            next.phaseEnded(phase, nanoTime);
        }

        void print() {
            List<double[]> l;
            synchronized (lags) {
                l = new ArrayList<>(lags);
            }
            if (!l.isEmpty()) {
                double[] wake = l.stream().mapToDouble(x -> x[0]).sorted().toArray();
                double[] path = l.stream().mapToDouble(x -> x[1]).sorted().toArray();
                row("send lag: dispatcher wake-up", "p50 / p99 / max " + fmt(pct(wake, 0.5)) + " / " + fmt(pct(wake, 0.99))
                        + " / " + fmt(wake[wake.length - 1]) + " ms");
                row("send lag: client send path", "p50 / p99 / max " + fmt(pct(path, 0.5)) + " / " + fmt(pct(path, 0.99))
                        + " / " + fmt(path[path.length - 1]) + " ms (submit to commit)");
            }
            List<double[]> p;
            synchronized (parts) {
                p = new ArrayList<>(parts);
            }
            if (p.isEmpty()) {
                row("TTFT added by the client (vs wire)", "no stamped first event seen");
                return;
            }
            double[] send = p.stream().mapToDouble(x -> x[0]).sorted().toArray();
            double[] recv = p.stream().mapToDouble(x -> x[1]).sorted().toArray();
            double[] total = p.stream().mapToDouble(x -> x[0] + x[1]).sorted().toArray();
            row("TTFT added by the client (vs wire)", "mean " + fmt(mean(total)) + ", p50 / p99 / max "
                    + fmt(pct(total, 0.5)) + " / " + fmt(pct(total, 0.99)) + " / " + fmt(total[total.length - 1])
                    + " ms (" + p.size() + " requests)");
            row("  send part (start to server receipt)", "mean " + fmt(mean(send)) + ", p50 / p99 " + fmt(pct(send, 0.5))
                    + " / " + fmt(pct(send, 0.99)) + " ms");
            row("  receive part (server write to client)", "mean " + fmt(mean(recv)) + ", p50 / p99 "
                    + fmt(pct(recv, 0.5)) + " / " + fmt(pct(recv, 0.99)) + " ms");
        }

        private static double mean(double[] v) {
            return java.util.Arrays.stream(v).average().orElse(Double.NaN);
        }

        private static double pct(double[] sorted, double q) {
            return sorted[(int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
        }
    }

    private static void row(String what, String value) {
        System.out.printf(Locale.ROOT, "  %-38s %s%n", what, value);
    }

    private static String dist(LatencyStats s) {
        return fmt(s.p50()) + " / " + fmt(s.p99()) + " / " + fmt(s.max()) + " ms";
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%,.0f" : "%.2f", v);
    }
}
