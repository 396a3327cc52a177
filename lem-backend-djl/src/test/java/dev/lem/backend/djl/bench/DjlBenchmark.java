package dev.lem.backend.djl.bench;

import dev.lem.backend.djl.DjlBackendProvider;
import dev.lem.spi.BackendSettings;
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
import java.util.Collections;
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
 * convention (bytes read + bytes written per second; the median of 7 PyTorch copies of 256 MiB with
 * the model's thread count, see {@link #copyBandwidth}). The memory bandwidth of a
 * virtual machine drifts with its neighbours (25 to 70 GB/s within minutes on the development
 * machine), so it is measured before and after each of the {@value #REPEATS} runs of a row and each
 * run is set against the better of its two readings; the share of the bound is the median over the
 * runs, with its range, and the median over the runs whose two readings agree within 15 % (a steady
 * phase; see {@link #STEADY}) is given beside it; a second table lists every decode run with its two
 * readings, its step time and the rate at which it read the weights. The variants of a model are loaded
 * together and take turns, run by run, so they see the same drift. Step times are the median of the intervals between a request's tokens (robust
 * to other processes' bursts on a shared machine); the mean is printed too. {@code -Dthreads=N} sets PyTorch's
 * intra-op threads; {@code -Dvariants="executor=compiled;executor=eager"} (the default) chooses the
 * variants compared, each a comma-separated set of backend options and {@code precision} (e.g.
 * {@code "max_block_columns=2048;max_block_columns=1024"}, or {@code "precision=fp32;precision=bf16;quantization=int8"}
 * to compare the weights' formats; each variant's bound uses its own bytes per step); {@code -Doptions.KEY=VALUE} passes a backend
 * option to every variant (e.g. a custom synthetic shape); {@code -Dbatches=1,8} (the default) the decode
 * batch sizes.
 */
public final class DjlBenchmark {
    private static final int PROMPT = 16;
    private static final int NEW_TOKENS = 48;
    private static final int PREFILL = 128;
    private static final int REPEATS = 5;
    /**
     * A run's bandwidth counts as steady when its two copy readings differ by at most this factor: this
     * virtual machine's bandwidth flips between phases (about 40 and 70 GB/s) within minutes, and a
     * run whose readings straddle a flip has no known bound (it is set against the higher reading).
     */
    private static final double STEADY = 1.15;

    private DjlBenchmark() {
    }

    public static void main(String[] args) {
        List<String> models = args.length > 0 ? Arrays.asList(args) : List.of("SmolLM2-135M", "TinyLlama-1.1B");
        String threads = System.getProperty("threads");
        // each variant is a set of backend options, e.g. "executor=compiled,max_block_columns=2048"
        List<String> variants = Arrays.asList(System.getProperty("variants", "executor=compiled;executor=eager")
                .split(";"));
        int[] batches = Arrays.stream(System.getProperty("batches", "1,8").split(",")).mapToInt(Integer::parseInt)
                .toArray();
        List<String> rows = new ArrayList<>();
        List<String> runRows = new ArrayList<>();
        List<Double> bandwidths = new ArrayList<>();
        for (String name : models) {
            List<DjlBackend> backends = new ArrayList<>();
            try {
                long[] readBytes = new long[variants.size()];
                for (String variant : variants) {
                    ConfigResolver r = ConfigResolver.withDefaults()
                            .set("model", "synthetic:" + name, ValueSource.BUILDER);
                    for (String option : variant.split(",")) {
                        String[] kv = option.split("=", 2);
                        String key = kv[0].trim();
                        // precision is a core key; everything else a backend option; values typed as --set types them
                        // (max_block_columns=1024 is a number)
                        r.override((key.equals("precision") ? key : "options." + key) + "=" + kv[1].trim());
                    }
                    if (threads != null) {
                        r.set("options.threads", Integer.parseInt(threads), ValueSource.BUILDER);
                    }
                    for (String key : System.getProperties().stringPropertyNames()) {
                        if (key.startsWith("options.")) { // e.g. -Doptions.hidden_size=64 for a custom shape
                            r.override(key + "=" + System.getProperty(key));
                        }
                    }
                    DjlBackend backend = new DjlBackend(BackendSettings.of(r.resolve(), new DjlBackendProvider()));
                    backends.add(backend);
                    long t0 = System.nanoTime();
                    ModelInfo info = backend.load();
                    double loadS = (System.nanoTime() - t0) / 1e9;
                    ModelArchitecture a = info.architecture().orElseThrow();
                    long params = info.parameterCount().orElseThrow();
                    long fp32Bytes = 4L * (a.tieWordEmbeddings() ? params : params - (long) a.vocabSize() * a.hiddenSize());
                    long bytes = info.weights().flatMap(dev.lem.spi.WeightFormat::bytesPerForwardPass)
                            .map(Double::longValue).orElse(fp32Bytes);
                    readBytes[backends.size() - 1] = bytes;
                    System.out.printf(Locale.ROOT, "%s (%s): %,d parameters, %.1f MB of weights read per decode step"
                            + " (%s), loaded in %.1f s, %s%n", name, variant, params, bytes / 1e6,
                            info.weights().map(Object::toString).orElse("fp32"), loadS, info.details().get("device"));
                    run(backend, 1, PROMPT, NEW_TOKENS); // warm-up
                }
                int e = variants.size();
                for (int b : batches) {
                    // the variants take turns, so that each sees the same drift of the machine
                    List<List<Long>> steps = new ArrayList<>();
                    double[] meanS = new double[e];
                    double[][] shares = new double[e][REPEATS];
                    double[][] bounds = new double[e][REPEATS];
                    List<List<Double>> steadyShares = new ArrayList<>();
                    for (int x = 0; x < e; x++) {
                        steps.add(new ArrayList<>());
                        steadyShares.add(new ArrayList<>());
                    }
                    double before = copyBandwidth();
                    bandwidths.add(before);
                    for (int i = 0; i < REPEATS; i++) {
                        for (int x = 0; x < e; x++) {
                            Timing t = run(backends.get(x), b, PROMPT, NEW_TOKENS);
                            double after = copyBandwidth();
                            bandwidths.add(after);
                            steps.get(x).addAll(t.intervals());
                            meanS[x] += t.decodeStepSeconds() / REPEATS;
                            List<Long> own = new ArrayList<>(t.intervals());
                            Collections.sort(own);
                            bounds[x][i] = b * Math.max(before, after) / readBytes[x];
                            double stepS = own.get(own.size() / 2) / 1e9;
                            shares[x][i] = b / stepS / bounds[x][i];
                            if (Math.max(before, after) <= STEADY * Math.min(before, after)) {
                                steadyShares.get(x).add(shares[x][i]);
                            }
                            runRows.add(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.1f | %.1f | %.1f | %.1f |"
                                    + " %.0f%% |", name, variants.get(x), b, i + 1, before / 1e9, after / 1e9,
                                    stepS * 1e3, readBytes[x] / stepS / 1e9, 100 * shares[x][i]));
                            before = after;
                        }
                    }
                    for (int x = 0; x < e; x++) {
                        List<Long> all = steps.get(x);
                        Collections.sort(all);
                        Arrays.sort(shares[x]);
                        Arrays.sort(bounds[x]);
                        double medianS = all.get(all.size() / 2) / 1e9;
                        List<Double> steady = steadyShares.get(x);
                        Collections.sort(steady);
                        String steadyText = steady.isEmpty() ? "none steady"
                                : String.format(Locale.ROOT, "%.0f%% (%d of %d)", 100 * median(steady), steady.size(),
                                        REPEATS);
                        rows.add(String.format(Locale.ROOT, "| %s | %s | decode | %d | %.1f (mean %.1f) | %.1f | %.1f |"
                                + " **%.0f%%** (%.0f–%.0f%%) | %s |", name, variants.get(x), b, medianS * 1e3,
                                meanS[x] * 1e3, b / medianS, bounds[x][REPEATS / 2], 100 * shares[x][REPEATS / 2],
                                100 * shares[x][0], 100 * shares[x][REPEATS - 1], steadyText));
                    }
                }
                double[][] prefill = new double[e][REPEATS];
                for (int i = 0; i < REPEATS; i++) {
                    for (int x = 0; x < e; x++) {
                        prefill[x][i] = run(backends.get(x), 1, PREFILL, 1).prefillSeconds();
                    }
                }
                for (int x = 0; x < e; x++) {
                    Arrays.sort(prefill[x]);
                    double p = prefill[x][REPEATS / 2];
                    rows.add(String.format(Locale.ROOT, "| %s | %s | prefill %d tokens | 1 | %.1f | %.1f | | | |", name,
                            variants.get(x), PREFILL, p * 1e3, PREFILL / p));
                }
            } finally {
                backends.forEach(DjlBackend::close);
            }
        }
        Collections.sort(bandwidths);
        System.out.printf(Locale.ROOT, "%ncopy bandwidth (read + write), %d readings around the runs: %.1f–%.1f GB/s,"
                + " median %.1f%nPyTorch threads: %d; THP_MEM_ALLOC_ENABLE=%s; load average at the end: %s%n%n",
                bandwidths.size(), bandwidths.get(0) / 1e9, bandwidths.get(bandwidths.size() - 1) / 1e9,
                bandwidths.get(bandwidths.size() / 2) / 1e9, ai.djl.pytorch.jni.JniUtils.getNumThreads(),
                System.getenv("THP_MEM_ALLOC_ENABLE"), loadAverage());
        System.out.println("| model | options | phase | batch | ms per step, median | tokens/s | bound tokens/s,"
                + " median | of bound, median (range) over " + REPEATS + " runs | of bound, median over the runs"
                + " with steady bandwidth (readings within " + Math.round((STEADY - 1) * 100) + " %) |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
        // each run beside the copy readings around it: whether the share follows the machine or the code
        System.out.println();
        System.out.println("| model | options | batch | run | copy before, GB/s | copy after, GB/s | ms per step,"
                + " median | weights read per second, GB/s | of bound |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        runRows.forEach(System.out::println);
    }

    /** The median of a sorted list (the mean of the middle two for an even count). */
    private static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
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

    /**
     * Copy bandwidth in bytes/s (read + write): the median of 7 PyTorch copies of 256 MiB, with the
     * model's thread count, after one copy that faults the pages in. The median, not the best: step
     * times are medians too, and a virtual machine's bandwidth has short bursts far above its usual rate.
     */
    static double copyBandwidth() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.ones(new Shape(64L * 1024 * 1024));
            NDArray b = m.zeros(new Shape(64L * 1024 * 1024));
            b.set(new NDIndex(":"), a);
            double[] readings = new double[7];
            for (int i = 0; i < readings.length; i++) {
                long t = System.nanoTime();
                b.set(new NDIndex(":"), a);
                readings[i] = 2.0 * 4 * a.size() / ((System.nanoTime() - t) / 1e9);
            }
            Arrays.sort(readings);
            return readings[readings.length / 2];
        }
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
