package dev.lem.backend.djl.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.lem.backend.djl.internal.DjlBackend;
import dev.lem.config.ConfigResolver;
import dev.lem.config.DecodingConfig;
import dev.lem.config.ValueSource;
import dev.lem.model.ModelArchitecture;
import dev.lem.spi.Completion;
import dev.lem.spi.GenerationListener;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.ModelInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Decode and prefill throughput of the djl backend on synthetic models against the memory-bandwidth
 * bound, printed as a table. Not a test: run it on a quiet machine with
 * <pre>
 * ./mvnw -q -o -pl lem-backend-djl -am test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.lem.backend.djl.bench.DjlBenchmark [-Dexec.args="SmolLM2-135M TinyLlama-1.1B"]
 * </pre>
 * The bound of a decode step is the bytes of weights it must read (every matrix once; the embedding
 * table only when it is also the LM head) divided by the copy bandwidth measured here, in the STREAM
 * convention (bytes read + bytes written per second; the best of a single-threaded Java copy and
 * PyTorch's copy of 256 MiB with the same thread count as the model, measured before and after each
 * model's runs: memory bandwidth of a shared machine drifts, and the best reading gives the strictest
 * bound). Step times are the median of the intervals between a request's tokens (robust to other
 * processes' bursts on a shared machine); the mean is printed too. {@code -Dthreads=N} sets PyTorch's
 * intra-op threads; {@code -Dexecutors=compiled,eager} chooses the executors compared (default: both).
 */
public final class DjlBenchmark {
    private static final int PROMPT = 16;
    private static final int NEW_TOKENS = 48;
    private static final int PREFILL = 128;
    private static final int REPEATS = 3;

    private DjlBenchmark() {
    }

    public static void main(String[] args) {
        List<String> models = args.length > 0 ? Arrays.asList(args) : List.of("SmolLM2-135M", "TinyLlama-1.1B");
        String threads = System.getProperty("threads");
        List<String> executors = Arrays.asList(System.getProperty("executors", "compiled,eager").split(","));
        List<Row> rows = new ArrayList<>();
        List<Double> bandwidths = new ArrayList<>();
        for (String name : models) {
            for (String executor : executors) {
                ConfigResolver r = ConfigResolver.withDefaults().set("model", "synthetic:" + name, ValueSource.BUILDER)
                        .set("options.executor", executor, ValueSource.BUILDER);
                if (threads != null) {
                    r.set("options.threads", Integer.parseInt(threads), ValueSource.BUILDER);
                }
                try (DjlBackend backend = new DjlBackend(r.resolve())) {
                    long t0 = System.nanoTime();
                    ModelInfo info = backend.load();
                    double loadS = (System.nanoTime() - t0) / 1e9;
                    bandwidths.add(copyBandwidth());
                    ModelArchitecture a = info.architecture().orElseThrow();
                    long params = info.parameterCount().orElseThrow();
                    long readBytes = 4L * (a.tieWordEmbeddings() ? params
                            : params - (long) a.vocabSize() * a.hiddenSize());
                    System.out.printf(Locale.ROOT, "%s (%s): %,d parameters, %.1f MB of weights read per decode step,"
                            + " loaded in %.1f s, %s%n", name, executor, params, readBytes / 1e6, loadS,
                            info.details().get("device"));
                    run(backend, 1, PROMPT, NEW_TOKENS); // warm-up
                    for (int b : new int[] {1, 8}) {
                        List<Long> steps = new ArrayList<>();
                        double meanS = 0;
                        for (int i = 0; i < REPEATS; i++) {
                            Timing t = run(backend, b, PROMPT, NEW_TOKENS);
                            steps.addAll(t.intervals());
                            meanS += t.decodeStepSeconds() / REPEATS;
                        }
                        java.util.Collections.sort(steps);
                        double medianS = steps.get(steps.size() / 2) / 1e9;
                        rows.add(new Row(name, executor, "decode", b, medianS, meanS, readBytes));
                    }
                    double[] prefill = new double[REPEATS];
                    for (int i = 0; i < REPEATS; i++) {
                        prefill[i] = run(backend, 1, PREFILL, 1).prefillSeconds();
                    }
                    Arrays.sort(prefill);
                    rows.add(new Row(name, executor, "prefill " + PREFILL + " tokens", 1, prefill[REPEATS / 2], -1, 0));
                    bandwidths.add(copyBandwidth());
                }
            }
        }
        double bandwidth = bandwidths.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        System.out.printf(Locale.ROOT, "%ncopy bandwidth (read + write), measured before and after each model: %s GB/s;"
                + " the bound uses the best, %.1f GB/s%nPyTorch threads: %d; THP_MEM_ALLOC_ENABLE=%s;"
                + " load average at the end: %s%n%n",
                bandwidths.stream().map(b -> String.format(Locale.ROOT, "%.1f", b / 1e9)).toList(), bandwidth / 1e9,
                ai.djl.pytorch.jni.JniUtils.getNumThreads(), System.getenv("THP_MEM_ALLOC_ENABLE"), loadAverage());
        System.out.println("| model | executor | phase | batch | ms per step, median | tokens/s | bound tokens/s |"
                + " of bound |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (Row row : rows) {
            System.out.println(row.format(bandwidth));
        }
    }

    private record Row(String model, String executor, String phase, int batch, double medianS, double meanS,
            long readBytes) {
        String format(double bandwidth) {
            if (readBytes == 0) {
                int tokens = Integer.parseInt(phase.replaceAll("\\D", ""));
                return String.format(Locale.ROOT, "| %s | %s | %s | %d | %.1f | %.1f | | |", model, executor, phase,
                        batch, medianS * 1e3, tokens / medianS);
            }
            double tokPerS = batch / medianS;
            double bound = batch * bandwidth / readBytes;
            return String.format(Locale.ROOT, "| %s | %s | %s | %d | %.1f (mean %.1f) | %.1f | %.1f | %.0f%% |", model,
                    executor, phase, batch, medianS * 1e3, meanS * 1e3, tokPerS, bound, 100 * tokPerS / bound);
        }
    }

    private record Timing(double prefillSeconds, double decodeStepSeconds, List<Long> intervals) {
    }

    private static Timing run(DjlBackend backend, int batch, int promptTokens, int newTokens) {
        List<GenerationRequest> reqs = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            List<Integer> ids = new ArrayList<>();
            for (int j = 0; j < promptTokens; j++) {
                ids.add(100 + (j * 31 + i * 7) % 1000);
            }
            reqs.add(new GenerationRequest("b" + i, "", ids, newTokens, 0, DecodingConfig.greedyDecoding(true), i,
                    false));
        }
        PhaseTimer timer = new PhaseTimer();
        backend.generate(reqs, timer);
        return new Timing(timer.prefill / 1e9, newTokens > 1 ? timer.decode / 1e9 / (newTokens - 1) : 0,
                timer.intervals);
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    /** Copy bandwidth in bytes/s (read + write), the better of a Java and a PyTorch copy of 256 MiB. */
    static double copyBandwidth() {
        int n = 32 * 1024 * 1024;
        long[] src = new long[n];
        long[] dst = new long[n];
        Arrays.fill(src, 1);
        double best = 0;
        for (int i = 0; i < 5; i++) {
            long t = System.nanoTime();
            System.arraycopy(src, 0, dst, 0, n);
            best = Math.max(best, 2.0 * 8 * n / ((System.nanoTime() - t) / 1e9));
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.ones(new Shape(64L * 1024 * 1024));
            NDArray b = m.zeros(new Shape(64L * 1024 * 1024));
            for (int i = 0; i < 5; i++) {
                long t = System.nanoTime();
                b.set(new NDIndex(":"), a);
                best = Math.max(best, 2.0 * 4 * a.size() / ((System.nanoTime() - t) / 1e9));
            }
        }
        return best;
    }

    /** Sums prefill and decode phase durations. */
    private static final class PhaseTimer implements GenerationListener {
        long prefill;
        long decode;
        long started;
        long lastToken;
        final List<Long> intervals = new ArrayList<>();

        @Override
        public void requestStarted(String requestId, long nanoTime) {
        }

        @Override
        public void tokens(String requestId, long nanoTime, int count, @Nullable List<Integer> tokenIds,
                @Nullable String text) {
            if (requestId.equals("b0")) {
                if (lastToken != 0) {
                    intervals.add(nanoTime - lastToken);
                }
                lastToken = nanoTime;
            }
        }

        @Override
        public void requestCompleted(String requestId, long nanoTime, Completion completion) {
        }

        @Override
        public void requestFailed(String requestId, long nanoTime, String cause) {
            throw new IllegalStateException(cause);
        }

        @Override
        public void phaseStarted(String phase, long nanoTime) {
            started = nanoTime;
        }

        @Override
        public void phaseEnded(String phase, long nanoTime) {
            if (phase.equals("prefill")) {
                prefill += nanoTime - started;
            } else {
                decode += nanoTime - started;
            }
        }
    }
}
