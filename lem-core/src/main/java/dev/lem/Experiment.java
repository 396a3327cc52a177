package dev.lem;

import dev.lem.config.CarbonConfig;
import dev.lem.config.ConfigCheck;
import dev.lem.config.ConfigException;
import dev.lem.config.ConfigProblem;
import dev.lem.config.ConfigResolver;
import dev.lem.config.ConfigSchema;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.OptionValues;
import dev.lem.config.Precision;
import dev.lem.config.SloConfig;
import dev.lem.config.ValueSource;
import dev.lem.config.WarmupMode;
import dev.lem.energy.CarbonIntensities;
import dev.lem.internal.ExperimentRunner;
import dev.lem.internal.WorkerLauncher;
import dev.lem.result.ExperimentResult;
import dev.lem.results.ExperimentIds;
import dev.lem.results.ResultsRepository;
import dev.lem.spi.BackendProvider;
import dev.lem.spi.BackendSettings;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.Plugins;
import dev.lem.workload.Prompts;
import dev.lem.workload.Traffic;
import dev.lem.workload.TrafficSweep;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>Everything is checked by {@link Builder#build()} before anything runs or is written: every core key,
 * the backend's own options ({@code options.*}, declared by the backend) and its rules, the carbon
 * settings and the prompt file. Keys set for a backend they have no effect on are accepted with a
 * {@linkplain #warnings() warning}. Progress is logged through SLF4J at INFO (logger {@code dev.lem}), and
 * sent to an {@link Builder#onProgress} listener when one is given.
 *
 * <p>Immutable and thread-safe; {@link #measure()} may be called again (each call is a new experiment
 * with a new id).
 */
public final class Experiment {
    private static final Logger LOG = LoggerFactory.getLogger(Experiment.class);
    private final ExperimentConfig config;
    private final @Nullable InferenceBackend backend;
    private final boolean inProcess;
    private final List<String> inlinePrompts;
    private final Consumer<String> progress;
    private final Consumer<dev.lem.result.Progress> updates;
    private final List<String> warnings;

    private Experiment(ExperimentConfig config, @Nullable InferenceBackend backend, boolean inProcess,
            List<String> inlinePrompts, Consumer<String> progress, Consumer<dev.lem.result.Progress> updates,
            List<String> warnings) {
        this.config = config;
        this.backend = backend;
        this.inProcess = inProcess;
        this.inlinePrompts = List.copyOf(inlinePrompts);
        this.progress = progress;
        this.updates = updates;
        this.warnings = List.copyOf(warnings);
    }

    /** {@return a builder starting from every default} */
    public static Builder builder() {
        return new Builder(ConfigResolver.withDefaults());
    }

    /**
     * A builder starting from a YAML or JSON config file (with its {@code _extends} chain) and
     * {@code key.path=value} overrides; builder calls made afterwards win over both. Nothing is validated
     * until {@link Builder#build()}, which checks the file and the overrides together, as a whole (so an
     * override can complete or fix the file).
     *
     * @param file the YAML or JSON config file
     * @param overrides {@code key.path=value} overrides, applied over the file
     * @return a builder holding the file's settings and the overrides, not yet validated
     */
    public static Builder fromConfig(Path file, String... overrides) {
        return fromConfig(file, List.of(overrides));
    }

    /**
     * As {@link #fromConfig(Path, String...)}.
     *
     * @param file the YAML or JSON config file
     * @param overrides {@code key.path=value} overrides, applied over the file
     * @return a builder holding the file's settings and the overrides, not yet validated
     */
    public static Builder fromConfig(Path file, List<String> overrides) {
        ConfigResolver r = ConfigResolver.withDefaults().file(file);
        overrides.forEach(r::override);
        return new Builder(r);
    }

    /** {@return the validated configuration, with the provenance of every value} */
    public ExperimentConfig config() {
        return config;
    }

    /**
     * What the user should know before running: keys set that have no effect on the chosen backend (each
     * naming the key and the backend). Also logged at WARN by {@link Builder#build()} and recorded with the
     * results.
     *
     * @return the warnings, one message each; empty when there are none
     */
    public List<String> warnings() {
        return warnings;
    }

    /** {@return whether the backend runs the model in this JVM (and computes batches)} */
    public boolean inProcess() {
        return inProcess;
    }

    /** {@return a builder holding this experiment's settings (their provenance kept), to change a few} */
    public Builder toBuilder() {
        Builder b = new Builder(ConfigResolver.from(config));
        b.backendInstance = backend;
        b.inlinePrompts = inlinePrompts;
        b.progress = progress;
        b.updates = updates;
        return b;
    }

    /**
     * Runs the experiment: environment capture, idle baseline, model load, warm-up, the measured
     * cycles; writes raw results as it goes and the aggregate at the end.
     *
     * @return the aggregated result (also in {@code <results_dir>/aggregated/<id>.json}); always
     *         {@linkplain ExperimentResult#isComplete() complete}
     * @throws ExperimentFailedException when it stops early (an error, a signal) or more requests failed than
     *                                   {@code stats.max_failure_rate}; the completed cycles are kept and
     *                                   aggregated in {@link ExperimentFailedException#partialResult()}, whose
     *                                   status says what happened
     * @throws dev.lem.spi.PluginUnavailableException when the backend cannot run here
     */
    public ExperimentResult measure() {
        String id = ExperimentIds.generate();
        ResultsRepository repo = new ResultsRepository(Path.of(config.resultsDir()));
        try {
            if (config.processes() == 1) {
                new ExperimentRunner(config, new ExperimentRunner.Options(id, 0, 1, backend, inlinePrompts,
                        System.getenv(), progress, warnings, updates)).run();
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
        report("aggregating " + id);
        ExperimentResult result = repo.aggregate(id);
        if (!result.isComplete()) {
            throw new ExperimentFailedException("Experiment " + id + " " + result.status().name().toLowerCase(
                    java.util.Locale.ROOT) + ": " + result.statusReason() + "; its results are in "
                    + repo.aggregatedFile(id), id, Optional.of(result), null);
        }
        return result;
    }

    /**
     * Resumes an experiment that did not complete — interrupted (Ctrl-C, SIGTERM), failed, or killed without an end
     * marker — in the same id: loads the model and warms up again, runs the cycles that have no raw result yet
     * (from its stored configuration), and aggregates everything. Cycles already on disk are kept as they are;
     * the setup records the resume as a warning.
     *
     * @param resultsDir the results folder holding {@code raw/<id>}
     * @param id         the experiment id
     * @param progress   receives one-line progress messages
     * @return the aggregated result, complete
     * @throws LemException when there is nothing to resume (complete, still running, never started), or the
     *                      experiment cannot be resumed (several processes, adaptive cycles, prompts given in code)
     * @throws ExperimentFailedException when the resumed run fails or is interrupted again
     */
    public static ExperimentResult resume(Path resultsDir, String id, Consumer<String> progress) {
        return resume(resultsDir, id, progress, p -> { });
    }

    /**
     * As {@link #resume(Path, String, Consumer)}, with a progress-bar listener (cycles done of the total).
     *
     * @param resultsDir the results folder holding {@code raw/<id>}
     * @param id the experiment id
     * @param progress receives one-line progress messages
     * @param updates receives cycles done of the total after each cycle starts and ends
     * @return the aggregated result, complete
     */
    public static ExperimentResult resume(Path resultsDir, String id, Consumer<String> progress,
            Consumer<dev.lem.result.Progress> updates) {
        ResultsRepository repo = new ResultsRepository(resultsDir);
        ExperimentIds.require(id);
        var setups = repo.readSetups(id);
        if (setups.isEmpty()) {
            throw new LemException("Experiment " + id + " has no setup in " + repo.rawDirectory(id)
                    + ": it never started, so there is nothing to resume; run it again");
        }
        var setup = setups.get(0);
        ExperimentConfig config = setup.config();
        String how = "; run it again as a new experiment instead";
        if (setup.worldSize() > 1) {
            throw new LemException("Experiment " + id + " ran " + setup.worldSize() + " processes; resuming is for "
                    + "single-process experiments" + how);
        }
        if (config.stats().adaptive().enabled()) {
            throw new LemException("Experiment " + id + " uses adaptive cycles (stats.adaptive.enabled), whose "
                    + "stopping rule cannot be continued across processes" + how);
        }
        if (config.prompts().source() == dev.lem.config.PromptSource.INLINE) {
            throw new LemException("Experiment " + id + " used prompts given in code, which are not stored" + how);
        }
        var overview = repo.overview(id);
        if (setup.status() == dev.lem.result.RunStatus.COMPLETE && overview.status()
                == dev.lem.result.Completeness.COMPLETE) {
            throw new LemException("Experiment " + id + " is complete (" + overview.cycles() + " of "
                    + overview.plannedCycles() + " cycles): nothing to resume");
        }
        if (overview.reason().startsWith("still running")) {
            throw new LemException("Experiment " + id + " is " + overview.reason() + "; stop it before resuming");
        }
        java.util.Set<Integer> onDisk = new java.util.TreeSet<>();
        repo.readProcessResults(id, new ArrayList<>()).forEach(p -> onDisk.add(p.cycle()));
        String missing = java.util.stream.IntStream.range(0, config.cycles()).filter(c -> !onDisk.contains(c))
                .mapToObj(c -> String.valueOf(c + 1)).collect(java.util.stream.Collectors.joining(", "));
        LOG.info("resuming {}: cycles {} to run", id, missing.isEmpty() ? "none" : missing);
        progress.accept("resuming " + id + ": " + onDisk.size() + " of " + config.cycles() + " cycles on disk"
                + (missing.isEmpty() ? "" : "; running cycle(s) " + missing));
        try {
            boolean sameFolder = Path.of(config.resultsDir()).toAbsolutePath().normalize()
                    .equals(resultsDir.toAbsolutePath().normalize());
            new ExperimentRunner(sameFolder ? config
                    : ConfigResolver.from(config).set("results_dir", resultsDir.toAbsolutePath().toString(),
                            ValueSource.OVERRIDE)
                            .resolve(), new ExperimentRunner.Options(id, 0, 1, null, List.of(), System.getenv(),
                                    progress, List.of(), updates)).resume(setup, onDisk);
        } catch (LemException e) {
            throw failed(repo, id, e);
        }
        progress.accept("aggregating " + id);
        ExperimentResult result = repo.aggregate(id);
        if (!result.isComplete()) {
            throw new ExperimentFailedException("Experiment " + id + " " + result.status().name().toLowerCase(
                    java.util.Locale.ROOT) + ": " + result.statusReason() + "; its results are in "
                    + repo.aggregatedFile(id), id, Optional.of(result), null);
        }
        return result;
    }

    /**
     * Runs the experiment once per value of {@code traffic.sweep}: concurrencies for closed-loop traffic and
     * arrival rates in requests/s for open-loop traffic on served backends; batch sizes on in-process
     * backends (which compute batches and ignore concurrency). Each point is a complete experiment with its
     * own id and results; the list is in sweep order. Without a sweep, a list of one {@link #measure()}.
     *
     * @return one result per sweep point, in sweep order; one result when there is no sweep
     * @throws ExperimentFailedException when a point fails; the points before it are on disk
     * @throws ConfigException when the sweep's values do not suit the key it sets
     */
    public List<ExperimentResult> measureSweep() {
        if (!TrafficSweep.isSweep(config)) {
            return List.of(measure());
        }
        List<ExperimentResult> results = new ArrayList<>();
        for (TrafficSweep.Point point : TrafficSweep.points(config, inProcess)) {
            ExperimentConfig c = ConfigResolver.from(point.config())
                    .set("name", config.name().map(n -> n + " ").orElse("") + "[" + point.label() + "]",
                            ValueSource.BUILDER)
                    .resolve();
            report("sweep point " + point.label());
            results.add(new Experiment(c, backend, inProcess, inlinePrompts, progress, updates, warnings).measure());
        }
        return results;
    }

    private void report(String message) {
        LOG.info(message);
        progress.accept(message);
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
        String kept = partial.filter(p -> p.summary().cycles() > 0).map(p -> "; the " + p.summary().cycles()
                + " cycle(s) completed before it are aggregated in " + repo.aggregatedFile(id) + " (status: "
                + p.status().name().toLowerCase(java.util.Locale.ROOT) + ")")
                .orElse("; no cycle completed" + (partial.isPresent()
                        ? " (what was recorded, failures included, is in " + repo.rawDirectory(id) + ")" : ""));
        return new ExperimentFailedException("Experiment " + id + " failed: " + cause.getMessage() + kept, id,
                partial, cause);
    }

    /**
     * Fluent builder. Each typed method checks its value at once (naming the key, the value and the rule);
     * everything else — cross-field rules, the backend's options — is checked by {@link #build()}. Every
     * method maps to a configuration key (named in its Javadoc), so code, YAML files and {@code --set}
     * overrides are interchangeable; {@link #set(String, Object)} reaches every key. Not thread-safe.
     */
    public static final class Builder {
        private final ConfigResolver resolver;
        private @Nullable InferenceBackend backendInstance;
        private List<String> inlinePrompts = List.of();
        private Consumer<String> progress = m -> { };
        private Consumer<dev.lem.result.Progress> updates = p -> { };

        Builder(ConfigResolver resolver) {
            this.resolver = resolver;
        }

        /**
         * Sets any key by its dotted name, e.g. {@code set("batching.batch_size", 4)} or
         * {@code set("options.threads", 2)}; {@code null} returns it to its default.
         *
         * @param key the dotted key, e.g. {@code batching.batch_size}
         * @param value the value, or {@code null} for the default
         * @return this builder
         * @throws ConfigException for an unknown key (with a suggestion) or a bad value
         */
        public Builder set(String key, @Nullable Object value) {
            ConfigResolver.checkValue(key, value);
            resolver.set(key, value, ValueSource.BUILDER);
            return this;
        }

        /**
         * Applies an override written {@code key.path=value}, as the CLI's {@code --set} does.
         *
         * @param assignment the override, {@code key.path=value}
         * @return this builder
         */
        public Builder override(String assignment) {
            resolver.override(assignment);
            return this;
        }

        /**
         * {@code model}: a local HF folder, an HF id in the local cache, or {@code synthetic:<preset>}.
         *
         * @param model the model folder, HF id or {@code synthetic:<preset>}
         * @return this builder
         */
        public Builder model(String model) {
            return set("model", Objects.requireNonNull(model, "model"));
        }

        /**
         * {@code model}: a local Hugging Face model folder.
         *
         * @param folder the model folder
         * @return this builder
         */
        public Builder model(Path folder) {
            return set("model", folder.toAbsolutePath().normalize().toString());
        }

        /**
         * {@code backend}: a backend alias ({@code djl}, {@code vllm}, {@code trtllm}, {@code openai}) or class name.
         *
         * @param alias the backend's alias or class name
         * @return this builder
         */
        public Builder backend(String alias) {
            this.backendInstance = null;
            return set("backend", alias);
        }

        /**
         * A backend instance made in code (the experiment does not close it).
         *
         * @param backend the backend to run on
         * @return this builder
         */
        public Builder backend(InferenceBackend backend) {
            this.backendInstance = Objects.requireNonNull(backend, "backend");
            return set("backend", backend.getClass().getName());
        }

        /**
         * {@code precision}: the data type computations run in.
         *
         * @param precision the data type
         * @return this builder
         */
        public Builder precision(Precision precision) {
            return set("precision", precision);
        }

        /**
         * {@code device}: cpu, cuda, cuda:N or auto.
         *
         * @param device {@code cpu}, {@code cuda}, {@code cuda:N} or {@code auto}
         * @return this builder
         */
        public Builder device(String device) {
            return set("device", device);
        }

        /**
         * {@code prompts.*}: where prompts come from and how many make a cycle.
         *
         * @param prompts where the prompts come from and how many make a cycle
         * @return this builder
         */
        public Builder prompts(Prompts prompts) {
            set("prompts.source", prompts.source());
            set("prompts.path", prompts.path().map(p -> p.toAbsolutePath().normalize().toString()).orElse(null));
            prompts.limit().ifPresent(n -> set("prompts.limit", n));
            set("prompts.shuffle", prompts.shuffle());
            this.inlinePrompts = prompts.inline();
            return this;
        }

        /**
         * {@code max_input_tokens}: prompts are truncated to this many tokens.
         *
         * @param tokens the most prompt tokens kept per request
         * @return this builder
         */
        public Builder maxInputTokens(int tokens) {
            return set("max_input_tokens", tokens);
        }

        /**
         * {@code max_output_tokens}: the most tokens generated per request.
         *
         * @param tokens the most tokens generated per request
         * @return this builder
         */
        public Builder maxOutputTokens(int tokens) {
            return set("max_output_tokens", tokens);
        }

        /**
         * {@code batching.batch_size} (in-process backends).
         *
         * @param requests requests per batch
         * @return this builder
         */
        public Builder batchSize(int requests) {
            return set("batching.batch_size", requests);
        }

        /**
         * Greedy decoding ({@code decoding.preset: deterministic}).
         *
         * @return this builder
         */
        public Builder greedy() {
            set("decoding.preset", "deterministic");
            return set("decoding.greedy", true);
        }

        /**
         * Sampling with {@code decoding.temperature}, {@code decoding.top_k} (0: off), {@code decoding.top_p}.
         *
         * @param temperature the sampling temperature
         * @param topK the number of most likely tokens sampled from; 0 turns it off
         * @param topP the nucleus sampling probability mass, 0 to 1
         * @return this builder
         */
        public Builder sampling(double temperature, int topK, double topP) {
            set("decoding.greedy", false);
            set("decoding.temperature", temperature);
            set("decoding.top_k", topK);
            return set("decoding.top_p", topP);
        }

        /**
         * {@code decoding.ignore_eos}: generate exactly max_output_tokens (fixed-length benchmarks).
         *
         * @param ignore whether to keep generating past the end-of-sequence token
         * @return this builder
         */
        public Builder ignoreEos(boolean ignore) {
            return set("decoding.ignore_eos", ignore);
        }

        /**
         * {@code cycles}: measured repetitions of the workload.
         *
         * @param cycles the number of measured cycles
         * @return this builder
         */
        public Builder cycles(int cycles) {
            return set("cycles", cycles);
        }

        /**
         * A fixed warm-up of {@code runs} batches or requests ({@code warmup.mode: fixed}).
         *
         * @param runs warm-up batches or requests
         * @return this builder
         */
        public Builder warmupRuns(int runs) {
            set("warmup.mode", WarmupMode.FIXED);
            return set("warmup.runs", runs);
        }

        /**
         * {@code seed}.
         *
         * @param seed the random seed
         * @return this builder
         */
        public Builder seed(long seed) {
            return set("seed", seed);
        }

        /**
         * {@code results_dir}.
         *
         * @param dir the folder results are written to
         * @return this builder
         */
        public Builder resultsDir(Path dir) {
            return set("results_dir", dir.toString());
        }

        /**
         * {@code energy.idle_baseline_s}: idle power is measured this long first (zero: none).
         *
         * @param duration how long idle power is measured; zero for no baseline
         * @return this builder
         */
        public Builder idleBaseline(Duration duration) {
            return set("energy.idle_baseline_s", duration.toMillis() / 1000.0);
        }

        /**
         * {@code processes}: worker processes, one per device.
         *
         * @param processes the number of worker processes
         * @return this builder
         */
        public Builder processes(int processes) {
            return set("processes", processes);
        }

        /**
         * {@code options.<key>}: one of the backend's own options ({@code lem config keys --backend <name>}).
         *
         * @param key the option's key, without {@code options.}
         * @param value the option's value
         * @return this builder
         */
        public Builder option(String key, Object value) {
            return set("options." + key, value);
        }

        /**
         * {@code server.url}: the base URL of a served model, e.g. {@code http://localhost:8000}.
         *
         * @param url the server's base URL
         * @return this builder
         */
        public Builder server(String url) {
            return set("server.url", url);
        }

        /**
         * {@code traffic.pattern} with {@code traffic.concurrency} or {@code traffic.rate} and
         * {@code traffic.burstiness}: {@link Traffic#closedLoop}, {@link Traffic#poisson}, ...
         *
         * @param traffic the traffic pattern
         * @return this builder
         */
        public Builder traffic(Traffic traffic) {
            if (traffic instanceof Traffic.ClosedLoop c) {
                set("traffic.pattern", "closed");
                set("traffic.concurrency", c.concurrency());
            } else if (traffic instanceof Traffic.OpenLoop o) {
                set("traffic.pattern", o.pattern());
                set("traffic.rate", o.ratePerS());
                set("traffic.burstiness", o.burstiness());
            } else {
                set("traffic.pattern", "batch");
            }
            return this;
        }

        /**
         * {@code slo.*}: the service-level objectives goodput counts, e.g. {@code SloConfig.none().withTtftMs(200)}.
         *
         * @param slo the service-level objectives
         * @return this builder
         */
        public Builder slo(SloConfig slo) {
            resolver.section(slo, ValueSource.BUILDER);
            return this;
        }

        /**
         * {@code carbon.*}: where the electricity comes from, e.g. {@code CarbonConfig.country("FRA")}.
         *
         * @param carbon the carbon settings
         * @return this builder
         */
        public Builder carbon(CarbonConfig carbon) {
            resolver.section(carbon, ValueSource.BUILDER);
            return this;
        }

        /**
         * Receives one-line progress messages while measuring (they are also logged through SLF4J at INFO,
         * logger {@code dev.lem}).
         *
         * @param listener receives each progress message
         * @return this builder
         */
        public Builder onProgress(Consumer<String> listener) {
            this.progress = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Receives cycles done of the total (with the time left) after each cycle starts and ends: a progress bar.
         *
         * @param listener receives the progress after each cycle starts and ends
         * @return this builder
         */
        public Builder onProgressUpdate(Consumer<dev.lem.result.Progress> listener) {
            this.updates = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Validates everything and builds the experiment: the core keys, the backend's own options and
         * rules, the carbon settings and the prompt file, all reported together.
         *
         * @return the validated experiment
         * @throws ConfigException listing every problem, one per line
         */
        public Experiment build() {
            BackendCheck check = new BackendCheck(backendInstance);
            ExperimentConfig config = resolver.resolve(check);
            if (config.prompts().source() == dev.lem.config.PromptSource.INLINE && inlinePrompts.isEmpty()) {
                throw new ConfigException("prompts.source", "inline needs prompts given with prompts(Prompts.of(...))");
            }
            boolean inProcess = check.inProcess;
            List<String> warnings = new ArrayList<>(ConfigSchema.inapplicableKeys(config,
                    check.backendName, inProcess));
            if (backendInstance != null && !config.options().isEmpty()) {
                warnings.add("options." + String.join(", options.", config.options().keySet()) + " have no effect: "
                        + "the backend is an instance made in code, configured by its own constructor");
            }
            warnings.forEach(w -> LOG.warn("config: {}", w));
            return new Experiment(config, backendInstance, inProcess, inlinePrompts, progress, updates, warnings);
        }

        /**
         * {@code build().measure()}.
         *
         * @return the aggregated result, as {@link Experiment#measure()} returns it
         */
        public ExperimentResult measure() {
            return build().measure();
        }
    }

    /** The checks of the plug-ins, run with the core keys' (see {@link ConfigCheck}). */
    private static final class BackendCheck implements ConfigCheck {
        private final @Nullable InferenceBackend instance;
        boolean inProcess;
        String backendName = "";

        BackendCheck(@Nullable InferenceBackend instance) {
            this.instance = instance;
        }

        @Override
        public void check(String backend, Map<String, Object> options, Optional<ExperimentConfig> config,
                List<ConfigProblem> problems) {
            backendName = backend;
            config.ifPresent(c -> checkCore(c, problems));
            if (instance != null) {
                inProcess = instance.capabilities().inProcess();
                return;
            }
            Optional<BackendProvider> provider = Plugins.findBackend(backend);
            if (provider.isEmpty()) {
                problems.add(new ConfigProblem("backend", Plugins.unknownBackend(backend)));
                return;
            }
            BackendProvider p = provider.get();
            backendName = Plugins.safeName(p);
            inProcess = p.inProcess();
            pointUnknownKeysAtOptions(p, problems);
            int before = problems.size();
            OptionValues values = OptionValues.check(backendName, p.options(), options, problems);
            if (config.isPresent() && problems.size() == before) {
                try {
                    p.check(BackendSettings.of(config.get(), values));
                } catch (ConfigException e) {
                    problems.addAll(e.problems());
                }
            }
        }

        /**
         * An unknown key named like one of the backend's options ({@code quantization} for the djl backend's
         * {@code options.quantization}) points at that option: the core's "did you mean" knows only core keys.
         */
        private void pointUnknownKeysAtOptions(BackendProvider p, List<ConfigProblem> problems) {
            java.util.Set<String> names = new java.util.HashSet<>();
            p.options().forEach(o -> names.add(o.name()));
            for (int i = 0; i < problems.size(); i++) {
                ConfigProblem q = problems.get(i);
                String last = q.path().substring(q.path().lastIndexOf('.') + 1);
                if (q.message().startsWith("unknown key") && !q.path().startsWith("options.") && names.contains(last)) {
                    problems.set(i, new ConfigProblem(q.path(), "unknown key; did you mean \"options." + last
                            + "\" (an option of the " + backendName + " backend; `lem config keys --backend "
                            + backendName + "` lists them)?"));
                }
            }
        }

        private static void checkCore(ExperimentConfig c, List<ConfigProblem> problems) {
            java.util.Set<String> meters = new java.util.TreeSet<>();
            c.energy().meterOptions().keySet().forEach(k -> meters.add(k.contains(".") ? k.substring(0, k.indexOf('.'))
                    : k));
            List<dev.lem.spi.EnergyMeterProvider> providers = Plugins.load(dev.lem.spi.EnergyMeterProvider.class,
                    "energy_meter", new ArrayList<>());
            for (String meter : meters) {
                Optional<dev.lem.spi.EnergyMeterProvider> p = providers.stream()
                        .filter(x -> Plugins.safeName(x).equals(meter)).findFirst();
                if (p.isEmpty()) {
                    List<String> names = providers.stream().map(Plugins::safeName).sorted().toList();
                    problems.add(new ConfigProblem("energy.meter_options." + meter, "no energy meter is named \""
                            + meter + "\"" + ConfigSchema.suggest(meter, names, false).map(x -> "; did you mean \""
                            + x + "\"?").orElse("") + " (meters found: " + String.join(", ", names) + ")"));
                } else {
                    OptionValues.check(meter, p.get().options(), c.energy().optionsOf(meter),
                            "energy.meter_options." + meter, problems);
                }
            }
            try {
                CarbonIntensities.resolve(c.carbon());
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
            var perplexity = c.quality().perplexity();
            if (perplexity.enabled() && !perplexity.dataset().orElseThrow().trim()
                    .equals(dev.lem.config.QualityConfig.Perplexity.BUILTIN)) {
                dev.lem.config.InputFiles.problem(Path.of(perplexity.dataset().orElseThrow()),
                        dev.lem.config.InputFiles.MAX_PROMPT_BYTES).ifPresent(m -> problems.add(
                                new ConfigProblem("quality.perplexity.dataset", m)));
            }
            if (c.prompts().source() == dev.lem.config.PromptSource.FILE
                    || c.prompts().source() == dev.lem.config.PromptSource.SHAREGPT) {
                c.prompts().path().flatMap(p -> dev.lem.config.InputFiles.problem(Path.of(p),
                        dev.lem.config.InputFiles.MAX_PROMPT_BYTES)).ifPresent(m -> problems.add(
                                new ConfigProblem("prompts.path", m)));
            }
        }
    }
}
