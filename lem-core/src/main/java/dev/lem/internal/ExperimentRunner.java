package dev.lem.internal;

import dev.lem.LemException;
import dev.lem.Metric;
import dev.lem.PhaseMeasurement;
import dev.lem.PluginStatus;
import dev.lem.ProcessResult;
import dev.lem.RunSetup;
import dev.lem.WarmupResult;
import dev.lem.config.ConfigException;
import dev.lem.config.ExperimentConfig;
import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.EnergyMeters;
import dev.lem.energy.EnergyMonitor;
import dev.lem.energy.IdleBaseline;
import dev.lem.energy.TimeSeries;
import dev.lem.env.EnvironmentCapture;
import dev.lem.env.EnvironmentInfo;
import dev.lem.flops.FlopsEstimate;
import dev.lem.flops.FlopsInput;
import dev.lem.metrics.RequestRecord;
import dev.lem.results.Aggregator;
import dev.lem.results.ResultsJson;
import dev.lem.results.ResultsRepository;
import dev.lem.spi.BackendCapabilities;
import dev.lem.spi.BackendContext;
import dev.lem.spi.FlopsEstimator;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.MeterContext;
import dev.lem.spi.ModelInfo;
import dev.lem.spi.TelemetrySource;
import dev.lem.stats.Estimate;
import dev.lem.stats.WarmupConvergence;
import dev.lem.workload.Batcher;
import dev.lem.workload.LoadGenerator;
import dev.lem.workload.LoadReport;
import dev.lem.workload.PromptLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one process of an experiment: environment, plug-ins, idle baseline, model load, warm-up, the
 * measured cycles, unload. Writes its setup at once and each cycle's raw result the moment the cycle
 * ends, so a crash loses at most the running cycle.
 */
public final class ExperimentRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ExperimentRunner.class);
    private static final Duration BARRIER_TIMEOUT = Duration.ofMinutes(30);

    /**
     * How this process takes part.
     *
     * @param experimentId   the experiment
     * @param rank           this process's rank
     * @param worldSize      processes in the experiment
     * @param backend        a backend instance given in code, or null to create one from the config
     * @param inlinePrompts  prompts given in code (inline source)
     * @param environment    environment variables to honour (CUDA_VISIBLE_DEVICES)
     * @param progress       receives one-line progress messages
     */
    public record Options(String experimentId, int rank, int worldSize, @Nullable InferenceBackend backend,
            List<String> inlinePrompts, Map<String, String> environment, Consumer<String> progress) {
    }

    private final ExperimentConfig config;
    private final Options options;
    private final ResultsRepository repo;
    private final List<PluginStatus> plugins = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final Instant startedAt = Instant.now();
    private final String host = EnvironmentCapture.hostName();
    private EnvironmentInfo environment;
    private Optional<ModelInfo> model = Optional.empty();
    private Optional<PhaseMeasurement> load = Optional.empty();
    private Optional<PhaseMeasurement> unload = Optional.empty();
    private Optional<WarmupResult> warmup = Optional.empty();
    private Optional<IdleBaseline> baseline = Optional.empty();
    private Map<String, String> backendEnvironment = Map.of();
    private int cyclesRun;
    private String stopReason = "not started";
    private Optional<String> failure = Optional.empty();

    public ExperimentRunner(ExperimentConfig config, Options options) {
        this.config = config;
        this.options = options;
        this.repo = new ResultsRepository(Path.of(config.resultsDir()));
        this.environment = EnvironmentCapture.capture();
    }

    /** The results repository this run writes to. */
    public ResultsRepository repository() {
        return repo;
    }

    /**
     * Runs this process's part of the experiment.
     *
     * @throws LemException when it fails; everything measured before the failure is already on disk
     */
    public RunSetup run() {
        writeSetup();
        InferenceBackend backend = null;
        EnergyMonitor monitor = null;
        boolean ownBackend = options.backend() == null;
        try {
            List<String> prompts = PromptLoader.load(config.prompts(), config.seed(), options.inlinePrompts());
            backend = ownBackend ? createBackend() : options.backend();
            plugins.add(new PluginStatus("backend", ownBackend ? config.backend()
                    : backend.getClass().getName(), true, ""));
            BackendCapabilities caps = backend.capabilities();
            monitor = startMonitor(caps, backend);
            if (monitor != null && config.energy().idleBaselineS() > 0 && !monitor.domains().isEmpty()) {
                progress("measuring idle power for " + config.energy().idleBaselineS() + " s");
                baseline = Optional.of(monitor.measureIdle(Duration.ofMillis(
                        Math.round(config.energy().idleBaselineS() * 1000))));
            }
            progress("loading " + config.model() + " (" + config.backend() + ")");
            model = Optional.of(timed(monitor, "model_load", backend::load, m -> load = m));
            backendEnvironment = backend.environment();
            writeSetup();
            List<GenerationRequest> requests = requests(prompts, false, "c");
            InferenceBackend b0 = backend;
            BackendCapabilities c0 = caps;
            List<Optional<PhaseMeasurement>> warmupPhase = new ArrayList<>();
            WarmupResult w = timed(monitor, "warmup", () -> warmUp(b0, c0, prompts), warmupPhase::add);
            warmup = Optional.of(w.withMeasurement(warmupPhase.isEmpty() ? Optional.empty() : warmupPhase.get(0)));
            writeSetup();
            List<FlopsEstimator> estimators = flopsEstimators();
            runCycles(backend, caps, monitor, requests, estimators);
            InferenceBackend b = backend;
            timed(monitor, "model_unload", () -> {
                b.unload();
                return Boolean.TRUE;
            }, m -> unload = m);
            return writeSetup();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = Optional.of("interrupted");
            writeSetup();
            throw new LemException("Experiment " + options.experimentId() + " was interrupted after "
                    + cyclesRun + " cycles; their results are in " + repo.rawDirectory(options.experimentId()));
        } catch (RuntimeException e) {
            failure = Optional.of(e.getMessage() == null ? e.getClass().getName() : e.getMessage());
            stopReason = "failed after " + cyclesRun + " cycle(s)";
            writeSetup();
            throw e;
        } finally {
            if (monitor != null) {
                monitor.close();
            }
            if (backend != null && ownBackend) {
                try {
                    backend.close();
                } catch (RuntimeException e) {
                    LOG.debug("closing the backend failed", e);
                }
            }
        }
    }

    private RunSetup writeSetup() {
        RunSetup s = new RunSetup(ResultsJson.SCHEMA_VERSION, options.experimentId(), options.rank(),
                options.worldSize(), host, ProcessHandle.current().pid(), startedAt, config, environment, model, load,
                unload, warmup, baseline, plugins, backendEnvironment, cyclesRun, stopReason, warnings, failure);
        repo.writeSetup(s);
        return s;
    }

    private void progress(String message) {
        LOG.debug(message);
        options.progress().accept(message);
    }

    private InferenceBackend createBackend() {
        Path artifacts = repo.rawDirectory(options.experimentId()).resolve("artifacts");
        try {
            Files.createDirectories(artifacts);
        } catch (IOException e) {
            throw new LemException("Cannot create " + artifacts + ": " + e.getMessage(), e);
        }
        return Plugins.backend(config.backend()).create(new BackendContext(config, artifacts, options.rank()));
    }

    // ----------------------------------------------------------------------------- energy

    private @Nullable EnergyMonitor startMonitor(BackendCapabilities caps, InferenceBackend backend) {
        MeterContext ctx = new MeterContext(config, options.environment(), options.rank());
        boolean visible = caps.computeOnThisHost() && config.server().sameHost();
        EnergyMeters.Opened opened = EnergyMeters.open(ctx, visible);
        plugins.addAll(opened.plugins());
        opened.environment().forEach((name, facts) -> environment = environment.withContribution(name, facts));
        List<TelemetrySource> sources = new ArrayList<>(opened.telemetry());
        backend.telemetry().ifPresent(s -> {
            sources.add(s);
            plugins.add(new PluginStatus("telemetry", s.name(), true, ""));
        });
        if (!visible) {
            warnings.add("the server runs on another host: no energy is reported for it");
        }
        if (opened.meters().isEmpty() && visible) {
            warnings.add("no energy meter could be used, so no energy is reported (see the plug-ins not used)");
        }
        java.util.Set<String> estimatedOnly = new java.util.TreeSet<>();
        java.util.Set<String> measured = new java.util.HashSet<>();
        opened.meters().forEach(m -> m.domains().forEach(d -> {
            if (d.method() == dev.lem.energy.MeasurementMethod.ESTIMATED) {
                estimatedOnly.add(d.kind());
            } else {
                measured.add(d.kind());
            }
        }));
        estimatedOnly.removeAll(measured);
        if (!estimatedOnly.isEmpty()) {
            warnings.add(String.join(", ", estimatedOnly) + " energy is estimated, not measured: no hardware counter "
                    + "covers it here (the plug-ins not used say why)");
        }
        return EnergyMonitor.start(opened.meters(), sources, opened.samplerInterval());
    }

    private interface Step<T> {
        T run() throws InterruptedException;
    }

    private <T> T timed(@Nullable EnergyMonitor monitor, String window, Step<T> step,
            Consumer<Optional<PhaseMeasurement>> sink) throws InterruptedException {
        boolean metered = monitor != null && !monitor.domains().isEmpty();
        if (metered) {
            monitor.begin(window);
        }
        long t0 = System.nanoTime();
        T value;
        try {
            value = step.run();
        } catch (RuntimeException | InterruptedException e) {
            if (metered) {
                monitor.end(window);
                monitor.takeSeries(window);
            }
            throw e;
        }
        long t1 = System.nanoTime();
        Optional<EnergyMeasurement> energy = Optional.empty();
        if (metered) {
            energy = Optional.of(monitor.end(window));
            monitor.takeSeries(window);
        }
        sink.accept(Optional.of(new PhaseMeasurement(t1 - t0, energy)));
        return value;
    }

    // ----------------------------------------------------------------------------- workload

    private List<GenerationRequest> requests(List<String> prompts, boolean warm, String prefix) {
        List<GenerationRequest> out = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            out.add(new GenerationRequest(prefix + i, prompts.get(i), null, config.maxOutputTokens(),
                    config.minOutputTokens(), config.decoding(), config.seed() + i, warm));
        }
        return out;
    }

    private boolean batchMode(BackendCapabilities caps) {
        String p = config.traffic().pattern();
        return p.equals("batch") || (p.equals("auto") && caps.inProcess());
    }

    private WarmupResult warmUp(InferenceBackend backend, BackendCapabilities caps, List<String> prompts)
            throws InterruptedException {
        var w = config.warmup();
        boolean fixed = w.mode().equals("fixed");
        int unit = batchMode(caps) ? config.batching().batchSize() : Math.max(1, config.traffic().concurrency());
        List<String> sample = new ArrayList<>();
        for (int i = 0; i < unit; i++) {
            sample.add(prompts.get(i % prompts.size()));
        }
        WarmupConvergence conv = fixed ? null
                : new WarmupConvergence(w.minRuns(), w.maxRuns(), w.window(), w.cvThreshold());
        List<Double> latencies = new ArrayList<>();
        int runs = fixed ? w.runs() : w.maxRuns();
        progress("warming up (" + (fixed ? w.runs() + " runs" : "until latency CV <= " + w.cvThreshold()) + ")");
        for (int r = 0; r < runs; r++) {
            List<GenerationRequest> reqs = requests(sample, true, "w" + r + "-");
            RequestRecorder rec = new RequestRecorder(System.nanoTime(), null, "warmup");
            long t0 = System.nanoTime();
            drive(backend, caps, reqs, rec);
            double ms = (System.nanoTime() - t0) / 1e6;
            List<RequestRecord> recs = rec.records();
            if (recs.stream().noneMatch(RequestRecord::ok)) {
                throw new LemException("Warm-up failed: every request failed; first error: "
                        + recs.stream().map(x -> x.error().orElse("")).findFirst().orElse("unknown"));
            }
            latencies.add(ms);
            if (conv != null) {
                conv.add(ms);
                if (conv.done()) {
                    break;
                }
            }
        }
        if (fixed) {
            return new WarmupResult("fixed", latencies.size(), true, Optional.empty(), latencies,
                    "fixed count of " + w.runs() + " runs", Optional.empty());
        }
        String reason = conv.converged()
                ? String.format("latency CV %.3f <= %.3f over the last %d runs", conv.lastCv().orElse(0.0),
                        w.cvThreshold(), w.window())
                : "max_runs (" + w.maxRuns() + ") reached before the CV fell to " + w.cvThreshold();
        if (!conv.converged()) {
            warnings.add("warm-up did not converge: " + reason);
        }
        return new WarmupResult("converge", conv.runs(), conv.converged(), conv.lastCv(), latencies, reason,
                Optional.empty());
    }

    /** Runs requests through the backend: batches in order, or the configured traffic ({@link LoadGenerator}). */
    private void drive(InferenceBackend backend, BackendCapabilities caps, List<GenerationRequest> requests,
            RequestRecorder recorder) throws InterruptedException {
        if (batchMode(caps)) {
            List<List<GenerationRequest>> batches = Batcher.batches(requests, config.batching(),
                    r -> backend.countTokens(r.prompt()).orElse(Math.max(1, r.prompt().length() / 4)));
            for (List<GenerationRequest> batch : batches) {
                batch.forEach(r -> recorder.expect(r.id(), null));
                try {
                    backend.generate(batch, recorder);
                } catch (RuntimeException e) {
                    LOG.debug("batch failed", e);
                    recorder.failUnfinished(batch.stream().map(GenerationRequest::id).toList(),
                            "the backend failed the batch: " + Plugins.rootMessage(e));
                }
            }
            return;
        }
        if (loadGenerator == null) {
            loadGenerator = LoadGenerator.create(config, backend);
        }
        LoadReport report = loadGenerator.run(requests, recorder, recorder::expect);
        LOG.debug("traffic: {}", report);
        report.notes().stream().filter(n -> !warnings.contains(n)).forEach(warnings::add);
    }

    // ----------------------------------------------------------------------------- cycles

    private void runCycles(InferenceBackend backend, BackendCapabilities caps, @Nullable EnergyMonitor monitor,
            List<GenerationRequest> template, List<FlopsEstimator> estimators) throws InterruptedException {
        var adaptive = config.stats().adaptive();
        int max = adaptive.enabled() ? adaptive.maxCycles() : config.cycles();
        List<ProcessResult> done = new ArrayList<>();
        stopReason = "fixed count of " + config.cycles() + " cycles";
        for (int c = 0; c < max; c++) {
            if (options.worldSize() > 1 && !FileBarrier.await(repo.cycleDirectory(options.experimentId(), c),
                    "ready", options.rank(), options.worldSize(), BARRIER_TIMEOUT)) {
                warnings.add("cycle " + c + ": not every process arrived within " + BARRIER_TIMEOUT.toMinutes()
                        + " min; ran without them");
            }
            progress("cycle " + (c + 1) + "/" + (adaptive.enabled() ? "<=" + max : max));
            ProcessResult r = runCycle(c, backend, caps, monitor, template, estimators);
            repo.writeProcessResult(r);
            done.add(r);
            cyclesRun = c + 1;
            writeSetup();
            if (r.requests().stream().noneMatch(RequestRecord::ok)) {
                String first = r.requests().stream().map(x -> x.error().orElse("")).filter(s -> !s.isEmpty())
                        .findFirst().orElse("no request was sent");
                throw new LemException("Every request of cycle " + c + " failed (first error: " + first + ")");
            }
            if (adaptive.enabled() && cyclesRun >= config.cycles()) {
                Optional<String> reached = adaptiveTargetReached(done);
                if (reached.isPresent()) {
                    stopReason = reached.get();
                    return;
                }
            }
        }
        if (adaptive.enabled()) {
            stopReason = "adaptive: max_cycles (" + max + ") reached before " + adaptive.metric()
                    + "'s CI half-width fell to " + adaptive.targetHalfWidthPct() + "% of its mean";
            warnings.add(stopReason);
        }
    }

    private Optional<String> adaptiveTargetReached(List<ProcessResult> done) {
        var adaptive = config.stats().adaptive();
        Metric metric = Metric.fromKey(adaptive.metric()).orElseThrow(() -> new ConfigException(
                "stats.adaptive.metric", "\"" + adaptive.metric() + "\" is not a metric key (e.g. "
                        + Metric.ENERGY_PER_OUTPUT_TOKEN_J.key() + ")"));
        Optional<Estimate> e = Aggregator.estimateOf(metric, done, config);
        if (e.isEmpty()) {
            throw new ConfigException("stats.adaptive.metric", metric.key()
                    + " is not available in this experiment, so adaptive cycles cannot target it");
        }
        Optional<Double> half = e.get().halfWidth();
        if (half.isPresent() && e.get().mean() != 0
                && 100 * half.get() / Math.abs(e.get().mean()) <= adaptive.targetHalfWidthPct()) {
            return Optional.of(String.format("adaptive: %s CI half-width %.2f%% of the mean <= %.2f%% after %d cycles",
                    metric.key(), 100 * half.get() / Math.abs(e.get().mean()), adaptive.targetHalfWidthPct(),
                    done.size()));
        }
        return Optional.empty();
    }

    private ProcessResult runCycle(int cycle, InferenceBackend backend, BackendCapabilities caps,
            @Nullable EnergyMonitor monitor, List<GenerationRequest> template, List<FlopsEstimator> estimators)
            throws InterruptedException {
        String window = "cycle_" + cycle;
        List<GenerationRequest> reqs = template.stream()
                .map(r -> new GenerationRequest("c" + cycle + "-" + r.id().substring(1), r.prompt(), r.promptTokenIds(),
                        r.maxOutputTokens(), r.minOutputTokens(), r.decoding(), r.seed(), false))
                .toList();
        boolean metered = monitor != null && !monitor.domains().isEmpty();
        Instant wallStart = Instant.now();
        long t0 = System.nanoTime();
        if (monitor != null) {
            monitor.begin(window);
        }
        RequestRecorder recorder = new RequestRecorder(t0, metered && caps.reportsPhases() ? monitor : null, window);
        try {
            drive(backend, caps, reqs, recorder);
        } finally {
            if (monitor != null) {
                EnergyMeasurement m = monitor.end(window);
                lastCycleEnergy = metered ? Optional.of(m) : Optional.empty();
            }
        }
        long duration = System.nanoTime() - t0;
        List<String> cycleWarnings = new ArrayList<>(recorder.violations().stream()
                .map(v -> "backend event contract: " + v).toList());
        Optional<String> seriesFile = Optional.empty();
        if (monitor != null) {
            Optional<TimeSeries> series = monitor.takeSeries(window);
            if (series.isPresent() && config.energy().timeseries() && !series.get().rows().isEmpty()) {
                seriesFile = Optional.of(repo.writeTimeSeries(options.experimentId(), cycle, options.rank(),
                        series.get()));
            }
        }
        List<RequestRecord> records = recorder.records();
        Map<String, Double> counters = recorder.counters();
        Optional<FlopsEstimate> flops = estimateFlops(estimators, records, counters);
        return new ProcessResult(ResultsJson.SCHEMA_VERSION, options.experimentId(), cycle, options.rank(), host,
                wallStart, duration, records, lastCycleEnergy, recorder.phaseEnergy(), recorder.phaseNanos(), counters,
                flops, peakRssBytes(), seriesFile, cycleWarnings);
    }

    private Optional<EnergyMeasurement> lastCycleEnergy = Optional.empty();
    private @Nullable LoadGenerator loadGenerator;

    // ----------------------------------------------------------------------------- FLOPs and memory

    private List<FlopsEstimator> flopsEstimators() {
        List<dev.lem.PluginReport> broken = new ArrayList<>();
        List<FlopsEstimator> all = new ArrayList<>(Plugins.load(FlopsEstimator.class, "flops", broken));
        broken.forEach(b -> plugins.add(new PluginStatus("flops", b.name(), false, b.reason())));
        all.removeIf(e -> {
            var a = Plugins.availability(e);
            if (!a.available()) {
                plugins.add(new PluginStatus("flops", Plugins.safeName(e), false, a.reason()));
            }
            return !a.available();
        });
        all.sort(Comparator.comparing((FlopsEstimator e) -> e.confidence())
                .thenComparing(Comparator.comparingInt(FlopsEstimator::priority).reversed()));
        return all;
    }

    private Optional<FlopsEstimate> estimateFlops(List<FlopsEstimator> estimators, List<RequestRecord> records,
            Map<String, Double> counters) {
        List<FlopsInput.RequestTokens> tokens = records.stream().filter(RequestRecord::ok)
                .map(r -> new FlopsInput.RequestTokens(r.promptTokens(), r.outputTokens())).toList();
        FlopsInput input = new FlopsInput(model.flatMap(ModelInfo::architecture),
                model.flatMap(ModelInfo::parameterCount), tokens, counters);
        for (FlopsEstimator e : estimators) {
            try {
                Optional<FlopsEstimate> f = e.estimate(input);
                if (f.isPresent()) {
                    return f;
                }
            } catch (RuntimeException ex) {
                LOG.debug("FLOPs estimator {} failed", Plugins.safeName(e), ex);
            }
        }
        return Optional.empty();
    }

    /** Peak resident set size of this process (VmHWM), where /proc is readable. */
    static Optional<Long> peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] parts = line.trim().split("\\s+");
                    return Optional.of(Long.parseLong(parts[1]) * 1024L);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read peak RSS", e);
        }
        return Optional.empty();
    }
}
