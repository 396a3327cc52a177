package dev.lem.cli;

import dev.lem.backend.djl.DjlBackendProvider;
import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.ValueSource;
import dev.lem.spi.BackendContext;
import dev.lem.spi.BackendException;
import dev.lem.spi.Completion;
import dev.lem.spi.GenerationListener;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.ModelInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code lem generate}: loads a model in this JVM with the djl backend and prints the continuation of
 * one prompt, streamed as it is generated; with {@code --json}, one JSON object with the token ids,
 * the text and the time of every token. The smoke test of a model before measuring it.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generates the continuation of a prompt in this JVM (djl backend): a smoke test of a model.")
public final class GenerateCommand implements Callable<Integer> {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Option(names = "--model", required = true, paramLabel = "<dir|id|synthetic:name>",
            description = "A local Hugging Face folder, a Hugging Face id in the local cache, or synthetic:<preset>.")
    String model;

    @Option(names = "--prompt", required = true, description = "The prompt text.")
    String prompt;

    @Option(names = "--max-new-tokens", defaultValue = "32", paramLabel = "N",
            description = "The most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--greedy", description = "Take the most likely token each step (default: sample with"
            + " temperature 0.7, top-k 50, top-p 0.9).")
    boolean greedy;

    @Option(names = "--json", description = "Print one JSON object: token ids, text and per-token timings.")
    boolean json;

    @Option(names = "--seed", defaultValue = "42", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda, cuda:<index> or auto"
            + " (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--threads", paramLabel = "N", description = "PyTorch intra-op threads (default: one per core).")
    @Nullable Integer threads;

    @Spec
    @Nullable CommandSpec spec;

    /** The {@code lem generate} subcommand; picocli sets its options. */
    public GenerateCommand() {
        // the same as the implicit constructor; declared so that it can carry this comment
    }

    @Override
    public Integer call() {
        PrintWriter out = spec != null ? spec.commandLine().getOut() : new PrintWriter(System.out, true);
        PrintWriter err = spec != null ? spec.commandLine().getErr() : new PrintWriter(System.err, true);
        return run(out, err);
    }

    /** Runs the command, printing to {@code out} (result) and {@code err} (notes); returns the exit code. */
    int run(PrintWriter out, PrintWriter err) {
        ConfigResolver r = ConfigResolver.withDefaults()
                .set("model", model, ValueSource.OVERRIDE)
                .set("backend", "djl", ValueSource.OVERRIDE)
                .set("device", device, ValueSource.OVERRIDE)
                .set("max_output_tokens", maxNewTokens, ValueSource.OVERRIDE)
                .set("seed", seed, ValueSource.OVERRIDE)
                .set("decoding.preset", greedy ? "deterministic" : "standard", ValueSource.OVERRIDE)
                .set("decoding.ignore_eos", false, ValueSource.OVERRIDE);
        if (threads != null) {
            r.set("options.threads", threads, ValueSource.OVERRIDE);
        }
        ExperimentConfig config = r.resolve();
        Path scratch = Path.of(System.getProperty("java.io.tmpdir"));
        try (InferenceBackend backend = new DjlBackendProvider().create(BackendContext.of(config, new DjlBackendProvider(), scratch, 0))) {
            long loadStart = System.nanoTime();
            ModelInfo info = backend.load();
            double loadMs = (System.nanoTime() - loadStart) / 1e6;
            if (info.syntheticWeights() && !json) {
                err.println("note: " + info.id() + " has synthetic (seeded random) weights: the text is meaningless,"
                        + " the cost is real");
            }
            Collector c = new Collector(json ? null : out);
            GenerationRequest request = new GenerationRequest("generate", prompt, null, maxNewTokens, 0,
                    config.decoding(), seed, false);
            backend.generate(List.of(request), c);
            if (c.failure != null) {
                throw new BackendException("Generation failed: " + c.failure);
            }
            Completion done = c.completion;
            if (json) {
                out.println(JSON.writeValueAsString(report(info, loadMs, c)));
            } else {
                out.println();
                double seconds = (c.stamps.get(c.stamps.size() - 1) - c.start) / 1e9;
                err.printf(Locale.ROOT, "%d prompt tokens, %d new tokens (%s), first token after %.1f ms,"
                        + " %.1f tokens/s overall; model loaded in %.0f ms (%s, %s)%n", done.promptTokens(),
                        done.outputTokens(), done.finishReason().name().toLowerCase(Locale.ROOT),
                        (c.stamps.get(0) - c.start) / 1e6, done.outputTokens() / seconds, loadMs, info.dtype(),
                        info.details().getOrDefault("device", device));
            }
            out.flush();
            return 0;
        }
    }

    private Map<String, Object> report(ModelInfo info, double loadMs, Collector c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", info.id());
        m.put("source", info.source());
        m.put("location", info.location());
        m.put("synthetic_weights", info.syntheticWeights());
        m.put("dtype", info.dtype());
        m.put("prompt", prompt);
        m.put("prompt_tokens", c.completion.promptTokens());
        m.put("text", c.text.toString());
        m.put("token_ids", c.ids);
        m.put("finish_reason", c.completion.finishReason().name().toLowerCase(Locale.ROOT));
        List<Double> times = new ArrayList<>();
        c.stamps.forEach(t -> times.add((t - c.start) / 1e6));
        m.put("token_times_ms", times);
        m.put("ttft_ms", times.get(0));
        m.put("load_ms", loadMs);
        m.put("timing_note", "token_times_ms: System.nanoTime() when each token was available, in ms since the"
                + " request started (tokenization included); measured");
        return m;
    }

    /** Collects the one request's events; streams text to {@code stream} when given. */
    private static final class Collector implements GenerationListener {
        private final @Nullable PrintWriter stream;
        final List<Integer> ids = new ArrayList<>();
        final List<Long> stamps = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        long start;
        @Nullable Completion completion;
        @Nullable String failure;

        Collector(@Nullable PrintWriter stream) {
            this.stream = stream;
        }

        @Override
        public void requestStarted(String requestId, long nanoTime) {
            start = nanoTime;
        }

        @Override
        public void tokens(String requestId, long nanoTime, int count, @Nullable List<Integer> tokenIds,
                @Nullable String piece) {
            if (tokenIds != null) {
                ids.addAll(tokenIds);
            }
            for (int i = 0; i < count; i++) {
                stamps.add(nanoTime);
            }
            if (piece != null) {
                text.append(piece);
                if (stream != null) {
                    stream.print(piece);
                    stream.flush();
                }
            }
        }

        @Override
        public void requestCompleted(String requestId, long nanoTime, Completion c) {
            completion = c;
        }

        @Override
        public void requestFailed(String requestId, long nanoTime, String cause) {
            failure = cause;
        }
    }
}
