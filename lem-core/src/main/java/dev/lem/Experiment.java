package dev.lem;

import dev.lem.config.ConfigException;
import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.ValueSource;
import dev.lem.internal.ExperimentRunner;
import dev.lem.internal.WorkerLauncher;
import dev.lem.results.ExperimentIds;
import dev.lem.results.ResultsRepository;
import dev.lem.spi.InferenceBackend;
import dev.lem.workload.Prompts;
import dev.lem.workload.TrafficSweep;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One experiment: a validated configuration (and optionally a backend instance and prompts given in
 * code), ready to {@link #measure()}.
 *
 * <pre>{@code
 * ExperimentResult r = Experiment.builder()
 *         .model("synthetic:SmolLM2-135M")
 *         .backend("djl")
 *         .prompts(Prompts.builtIn().limit(32))
 *         .maxOutputTokens(64)
 *         .cycles(5)
 *         .measure();
 * r.summary().get(Metric.ENERGY_PER_OUTPUT_TOKEN_J);   // mean with a 95% CI over cycles
 * }</pre>
 *
 * <p>Immutable and thread-safe; {@link #measure()} may be called again (each call is a new experiment
 * with a new id).
 */
public final class Experiment {
    private final ExperimentConfig config;
    private final @Nullable InferenceBackend backend;
    private final List<String> inlinePrompts;
    private final Consumer<String> progress;

    private Experiment(ExperimentConfig config, @Nullable InferenceBackend backend, List<String> inlinePrompts,
            Consumer<String> progress) {
        this.config = config;
        this.backend = backend;
        this.inlinePrompts = List.copyOf(inlinePrompts);
        this.progress = progress;
    }

    /** A builder starting from every default. */
    public static Builder builder() {
        return new Builder(ConfigResolver.withDefaults());
    }

    /**
     * A builder starting from a YAML or JSON config file (with its {@code _extends} chain) and
     * {@code key.path=value} overrides; builder calls made afterwards win over both.
     *
     * @throws ConfigException listing every problem of the file and the overrides
     */
    public static Builder fromConfig(Path file, String... overrides) {
        ConfigResolver r = ConfigResolver.withDefaults().file(file);
        for (String o : overrides) {
            r.override(o);
        }
        r.resolve();
        return new Builder(r);
    }

    /** The validated configuration, with the provenance of every value. */
    public ExperimentConfig config() {
        return config;
    }

    /** A builder holding this experiment's settings, to change a few. */
    public Builder toBuilder() {
        Builder b = new Builder(ConfigResolver.from(config));
        b.backendInstance = backend;
        b.inlinePrompts = inlinePrompts;
        b.progress = progress;
        return b;
    }

    /**
     * Runs the experiment: environment capture, idle baseline, model load, warm-up, the measured
     * cycles; writes raw results as it goes and the aggregate at the end.
     *
     * @return the aggregated result (also in {@code <results_dir>/aggregated/<id>.json})
     * @throws ExperimentFailedException when it stops early; completed cycles are kept and aggregated
     * @throws dev.lem.spi.PluginUnavailableException when the backend is missing or cannot run here
     */
    public ExperimentResult measure() {
        String id = ExperimentIds.generate();
        ResultsRepository repo = new ResultsRepository(Path.of(config.resultsDir()));
        try {
            if (config.processes() == 1) {
                new ExperimentRunner(config, new ExperimentRunner.Options(id, 0, 1, backend, inlinePrompts,
                        System.getenv(), progress)).run();
            } else {
                if (backend != null) {
                    throw new ConfigException("processes", config.processes() + " worker processes need the backend "
                            + "named in the configuration (backend: <alias>), not an instance made in code");
                }
                if (!inlinePrompts.isEmpty()) {
                    throw new ConfigException("prompts.source", "inline prompts cannot be sent to worker processes; "
                            + "write them to a file and use prompts.source: file");
                }
                WorkerLauncher.run(config, id, progress);
            }
        } catch (ConfigException e) {
            throw e;
        } catch (LemException e) {
            throw failed(repo, id, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(repo, id, new LemException("interrupted", e));
        }
        progress.accept("aggregating " + id);
        return repo.aggregate(id);
    }

    /**
     * Runs the experiment once per value of {@code traffic.sweep}: concurrencies for closed-loop traffic
     * ({@code traffic.pattern} auto, batch or closed), arrival rates in requests/s for open-loop traffic
     * (poisson, gamma, constant). Each point is a complete experiment with its own id and results; the
     * list is in sweep order. Without a sweep, a list of one {@link #measure()}.
     *
     * @throws ExperimentFailedException when a point fails; the points before it are on disk
     */
    public List<ExperimentResult> measureSweep() {
        if (!TrafficSweep.isSweep(config)) {
            return List.of(measure());
        }
        List<ExperimentResult> results = new java.util.ArrayList<>();
        for (TrafficSweep.Point point : TrafficSweep.points(config)) {
            ExperimentConfig c = ConfigResolver.from(point.config())
                    .set("name", config.name().map(n -> n + " ").orElse("") + "[" + point.label() + "]",
                            ValueSource.BUILDER)
                    .resolve();
            progress.accept("sweep point " + point.label());
            results.add(new Experiment(c, backend, inlinePrompts, progress).measure());
        }
        return results;
    }

    private static ExperimentFailedException failed(ResultsRepository repo, String id, LemException cause) {
        Optional<ExperimentResult> partial = Optional.empty();
        try {
            if (!repo.readProcessResults(id).isEmpty()) {
                partial = Optional.of(repo.aggregate(id));
            }
        } catch (RuntimeException ignored) {
            // nothing could be aggregated; the raw files stay on disk
        }
        String kept = partial.map(p -> "; the " + p.cycles().size() + " completed cycle(s) are aggregated in "
                + repo.aggregatedFile(id)).orElse("; no cycle completed");
        return new ExperimentFailedException("Experiment " + id + " failed: " + cause.getMessage() + kept, id,
                partial, cause);
    }

    /**
     * Fluent builder. Each method checks its value at once (naming the parameter, the value and the
     * rule); cross-field rules are checked by {@link #build()}. Every method maps to a configuration
     * key (named in its Javadoc), so code, YAML files and {@code --set} overrides are interchangeable.
     * Not thread-safe.
     */
    public static final class Builder {
        private final ConfigResolver resolver;
        private @Nullable InferenceBackend backendInstance;
        private List<String> inlinePrompts = List.of();
        private Consumer<String> progress = m -> { };

        private Builder(ConfigResolver resolver) {
            this.resolver = resolver;
        }

        /**
         * Sets any parameter by its dotted configuration key, e.g. {@code set("batching.batch_size", 4)}.
         *
         * @throws ConfigException for an unknown key (with a suggestion) or a bad value
         */
        public Builder set(String key, @Nullable Object value) {
            ConfigResolver.checkValue(key, value);
            resolver.set(key, value, ValueSource.BUILDER);
            return this;
        }

        /** Applies an override written {@code key.path=value}, as the CLI's {@code --set} does. */
        public Builder override(String assignment) {
            resolver.override(assignment);
            return this;
        }

        /** {@code model}: a local HF folder, an HF id in the local cache, or {@code synthetic:<preset>}. */
        public Builder model(String model) {
            return set("model", Objects.requireNonNull(model, "model"));
        }

        /** {@code model}: a local Hugging Face model folder. */
        public Builder model(Path folder) {
            return set("model", folder.toAbsolutePath().normalize().toString());
        }

        /** {@code backend}: a backend alias ({@code djl}, {@code vllm}, {@code trtllm}, {@code openai}) or class name. */
        public Builder backend(String alias) {
            this.backendInstance = null;
            return set("backend", alias);
        }

        /** A backend instance made in code (the experiment does not close it). */
        public Builder backend(InferenceBackend backend) {
            this.backendInstance = Objects.requireNonNull(backend, "backend");
            return set("backend", backend.getClass().getName());
        }

        /** {@code precision}: fp32, fp16, bf16 or auto. */
        public Builder precision(String precision) {
            return set("precision", precision);
        }

        /** {@code device}: cpu, cuda, cuda:N or auto. */
        public Builder device(String device) {
            return set("device", device);
        }

        /** {@code prompts.*}: where prompts come from and how many make a cycle. */
        public Builder prompts(Prompts prompts) {
            set("prompts.source", prompts.source());
            set("prompts.path", prompts.path().map(p -> p.toAbsolutePath().normalize().toString()).orElse(null));
            prompts.limit().ifPresent(n -> set("prompts.limit", n));
            set("prompts.shuffle", prompts.shuffle());
            this.inlinePrompts = prompts.inline();
            return this;
        }

        /** {@code max_input_tokens}: prompts are truncated to this many tokens. */
        public Builder maxInputTokens(int tokens) {
            return set("max_input_tokens", tokens);
        }

        /** {@code max_output_tokens}: the most tokens generated per request. */
        public Builder maxOutputTokens(int tokens) {
            return set("max_output_tokens", tokens);
        }

        /** {@code min_output_tokens}: tokens generated before end-of-sequence may stop a request. */
        public Builder minOutputTokens(int tokens) {
            return set("min_output_tokens", tokens);
        }

        /** {@code batching.batch_size}. */
        public Builder batchSize(int requests) {
            return set("batching.batch_size", requests);
        }

        /** {@code batching.strategy}: static, sorted or dynamic. */
        public Builder batchingStrategy(String strategy) {
            return set("batching.strategy", strategy);
        }

        /** Greedy decoding ({@code decoding.preset: deterministic}). */
        public Builder greedy() {
            set("decoding.preset", "deterministic");
            return set("decoding.greedy", true);
        }

        /** {@code decoding.preset}: deterministic, standard, creative or factual. */
        public Builder decodingPreset(String preset) {
            return set("decoding.preset", preset);
        }

        /** Sampling with {@code decoding.temperature}, {@code decoding.top_k} (0: off), {@code decoding.top_p}. */
        public Builder sampling(double temperature, int topK, double topP) {
            set("decoding.greedy", false);
            set("decoding.temperature", temperature);
            set("decoding.top_k", topK);
            return set("decoding.top_p", topP);
        }

        /** {@code decoding.ignore_eos}: generate exactly max_output_tokens (fixed-length benchmarks). */
        public Builder ignoreEos(boolean ignore) {
            return set("decoding.ignore_eos", ignore);
        }

        /** {@code cycles}: measured repetitions of the workload. */
        public Builder cycles(int cycles) {
            return set("cycles", cycles);
        }

        /** A fixed warm-up of {@code runs} batches ({@code warmup.mode: fixed}). */
        public Builder warmupRuns(int runs) {
            set("warmup.mode", "fixed");
            return set("warmup.runs", runs);
        }

        /** Warm up until the latency CV of the last {@code window} runs is at most {@code cv}. */
        public Builder warmupUntilConverged(int window, double cv, int maxRuns) {
            set("warmup.mode", "converge");
            set("warmup.window", window);
            set("warmup.cv_threshold", cv);
            return set("warmup.max_runs", maxRuns);
        }

        /** {@code seed}. */
        public Builder seed(long seed) {
            return set("seed", seed);
        }

        /** {@code results_dir}. */
        public Builder resultsDir(Path dir) {
            return set("results_dir", dir.toString());
        }

        /** {@code energy.idle_baseline_s}: idle power is measured this long first (zero: none). */
        public Builder idleBaseline(Duration duration) {
            return set("energy.idle_baseline_s", duration.toMillis() / 1000.0);
        }

        /** {@code carbon.country}: ISO-3 code of the electricity grid. */
        public Builder carbonCountry(String iso3) {
            return set("carbon.country", iso3);
        }

        /** {@code processes}: worker processes, one per device. */
        public Builder processes(int processes) {
            return set("processes", processes);
        }

        /** {@code options.<key>}: a backend-specific option. */
        public Builder option(String key, Object value) {
            return set("options." + key, value);
        }

        /** Receives one-line progress messages while measuring (default: none). */
        public Builder onProgress(Consumer<String> listener) {
            this.progress = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Validates everything and builds the experiment.
         *
         * @throws ConfigException listing every problem, one per line
         */
        public Experiment build() {
            ExperimentConfig config = resolver.resolve();
            if (config.prompts().source().equals("inline") && inlinePrompts.isEmpty()) {
                throw new ConfigException("prompts.source", "inline needs prompts given with prompts(Prompts.of(...))");
            }
            return new Experiment(config, backendInstance, inlinePrompts, progress);
        }

        /** {@code build().measure()}. */
        public ExperimentResult measure() {
            return build().measure();
        }
    }
}
