package dev.lem.internal;

import dev.lem.config.ExperimentConfig;
import dev.lem.result.ProcessResult;
import dev.lem.result.WarmupResult;
import dev.lem.spi.FlopsEstimator;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.ModelInfo;
import dev.lem.spi.PluginReport;
import dev.lem.spi.PluginStatus;
import dev.lem.spi.Plugins;
import dev.lem.workload.PromptLoader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One experiment's phases over a backend and a monitor it may share ({@link SessionResources}): model load
 * (once per backend instance), warm-up, single measured cycles, unload. {@link ExperimentRunner} runs the phases
 * of a lone experiment in order; a campaign interleaves the cycles of many experiments through their sessions.
 * Every phase updates the experiment's {@link RunRecord} and writes it.
 */
final class ExperimentSession {
    private final ExperimentConfig config;
    private final RunRecord record;
    private final SessionResources.Backend backend;
    private final SessionResources.Monitor monitor;
    private final Consumer<String> progress;
    private final List<String> prompts;
    private final WorkloadDriver driver;
    private final List<FlopsEstimator> estimators;
    private boolean warm;

    /**
     * Attaches an experiment to resources: records the plug-ins used and not used, the monitor's findings and
     * the idle baseline (measured now if the monitor has none yet), and writes the record.
     */
    ExperimentSession(RunRecord record, SessionResources.Backend backend, SessionResources.Monitor monitor,
            Consumer<String> progress) {
        this.config = record.config;
        this.record = record;
        this.backend = backend;
        this.monitor = monitor;
        this.progress = progress;
        this.prompts = PromptLoader.load(config.prompts(), config.seed(), record.options.inlinePrompts());
        record.plugins.removeIf(p -> true); // a resumed record lists the plug-ins of this process only
        record.plugins.add(new PluginStatus("backend", backend.label, true, ""));
        record.plugins.addAll(monitor.plugins);
        monitor.environment.forEach((name, facts) -> record.environment = record.environment.withContribution(name,
                facts));
        monitor.warnings.forEach(record::warn);
        this.estimators = flopsEstimators(record);
        this.driver = new WorkloadDriver(config, backend.backend, backend.capabilities);
        record.write();
        monitor.baseline(config, progress).ifPresent(b -> record.baseline = Optional.of(b));
        record.baseline.flatMap(dev.lem.energy.IdleBaseline::disturbed).ifPresent(why -> record.warn(
                "the idle baseline was not taken at idle: " + why + "; baseline-adjusted figures are marked "
                        + "'baseline disturbed' (stop other work on this machine, or set energy.idle_max_cpu_pct "
                        + "/ energy.idle_max_gpu_pct)"));
        record.write();
    }

    /** The record this session fills in. */
    RunRecord record() {
        return record;
    }

    /** The backend this session uses. */
    SessionResources.Backend backend() {
        return backend;
    }

    /**
     * Loads the model unless the backend instance already holds it (loaded for another experiment with the same
     * backend settings: then its load is recorded here too, with a note saying which experiment paid for it).
     *
     * @return whether this call loaded it
     */
    boolean ensureLoaded() throws InterruptedException {
        boolean loadedNow = false;
        if (!backend.loaded()) {
            progress.accept("loading " + config.model() + " (" + config.backend() + ")");
            MeteredStep.Result<ModelInfo> loaded = MeteredStep.run(monitor.monitor, "model_load", backend.backend::load);
            backend.model = loaded.value();
            backend.load = loaded.measurement();
            backend.loadedBy = record.options.experimentId();
            warm = false;
            loadedNow = true;
        } else if (!record.options.experimentId().equals(backend.loadedBy)) {
            record.warn("the model was already loaded for experiment " + backend.loadedBy + " (same backend settings) "
                    + "and kept resident; its load time and energy are those of that load");
        }
        record.model = Optional.ofNullable(backend.model);
        record.load = Optional.ofNullable(backend.load);
        record.backendEnvironment = backend.backend.environment();
        record.write();
        return loadedNow;
    }

    /** Whether this session has warmed up since the last load or {@link #cooled()}. */
    boolean warm() {
        return warm;
    }

    /** Marks the session as needing a warm-up before its next cycle (another experiment ran in between). */
    void cooled() {
        warm = false;
    }

    /** Warms up as the configuration says, in its own metered window; recorded as the setup's warm-up. */
    WarmupResult warmUp() throws InterruptedException {
        MeteredStep.Result<WarmupResult> w = MeteredStep.run(monitor.monitor, "warmup", this::warmUpUnmetered);
        WarmupResult result = w.value().withMeasurement(Optional.of(w.measurement()));
        record.warmup = Optional.of(result);
        record.write();
        warm = true;
        return result;
    }

    private WarmupResult warmUpUnmetered() throws InterruptedException {
        var w = config.warmup();
        int unit = driver.unitSize();
        List<String> sample = new ArrayList<>();
        for (int i = 0; i < unit; i++) {
            sample.add(prompts.get(i % prompts.size()));
        }
        progress.accept("warming up (" + (w.mode() == dev.lem.config.WarmupMode.FIXED ? w.runs() + " runs"
                : "until latency CV <= " + w.cvThreshold()) + ", at most " + w.maxS() + " s)");
        return new WarmupPhase(w, System::nanoTime).run(r -> requests(sample, true, "w" + r + "-"), reqs -> {
            RequestRecorder rec = new RequestRecorder(System.nanoTime(), null, "warmup");
            driver.drive(reqs, rec).forEach(record::warn);
            return rec.records();
        }, record::warn);
    }

    /** The measured cycles' phase over this session (for the adaptive loop of a lone experiment). */
    CyclePhase cycles(Consumer<String> cycleProgress) {
        return new CyclePhase(record, driver, backend.capabilities, monitor.monitor, estimators, record.model,
                cycleProgress);
    }

    /**
     * Runs measured cycle {@code cycle} (0-based) and records it (its raw file and the setup's count).
     *
     * @return the cycle's raw result, or empty when the run was interrupted while it ran (then it is not recorded)
     */
    Optional<ProcessResult> runCycle(int cycle) throws InterruptedException {
        ProcessResult r = cycles(m -> { }).measure(cycle, template());
        return record.recordCycle(r) ? Optional.of(r) : Optional.empty();
    }

    /** The requests of one measured cycle (ids are renamed per cycle). */
    List<GenerationRequest> template() {
        return requests(prompts, false, "c");
    }

    /**
     * Measures the quality the configuration asks for ({@code quality.perplexity.*}), once per experiment: on rank 0,
     * when it was not measured before (a resumed experiment keeps the earlier measurement), after the cycles, in an
     * energy window of its own ({@code quality_perplexity}). A backend or server that cannot give log-probabilities
     * leaves perplexity unavailable with its reason; the experiment goes on.
     *
     * @return whether this call measured it
     */
    boolean measureQuality() throws InterruptedException {
        var settings = config.quality().perplexity();
        if (!settings.enabled() || record.options.rank() != 0 || record.quality.isPresent()) {
            return false;
        }
        Optional<dev.lem.spi.TokenScorer> scorer = backend.backend.tokenScorer();
        if (scorer.isEmpty()) {
            record.quality = Optional.of(new dev.lem.result.QualityResult(Optional.empty(), Optional.of("the "
                    + config.backend() + " backend offers no log-probabilities of a given text"), Optional.empty()));
            record.warn("perplexity not measured: the " + config.backend() + " backend offers no log-probabilities of "
                    + "a given text");
            record.write();
            return true;
        }
        dev.lem.quality.QualityText text = dev.lem.quality.QualityTexts.load(settings);
        progress.accept("measuring perplexity on " + text.name() + " (window " + settings.window() + ", stride "
                + settings.stride() + ", at most " + settings.maxTokens() + " tokens)");
        String[] unavailable = new String[1];
        MeteredStep.Result<Optional<dev.lem.quality.PerplexityResult>> r = MeteredStep.run(monitor.monitor,
                "quality_perplexity", () -> {
                    try {
                        return Optional.of(dev.lem.quality.Perplexity.measure(scorer.get(), text, settings));
                    } catch (dev.lem.spi.TokenScoringException e) {
                        unavailable[0] = e.getMessage();
                        return Optional.empty();
                    } catch (RuntimeException e) {
                        // the cycles are measured and recorded: a failing quality pass does not undo them
                        unavailable[0] = "the perplexity pass failed: " + (e.getMessage() == null
                                ? e.getClass().getName() : e.getMessage());
                        return Optional.empty();
                    }
                });
        record.quality = Optional.of(new dev.lem.result.QualityResult(r.value(), Optional.ofNullable(unavailable[0]),
                Optional.of(r.measurement())));
        if (unavailable[0] != null) {
            record.warn("perplexity not measured: " + unavailable[0]);
        } else {
            progress.accept(r.value().orElseThrow().toString());
        }
        record.write();
        return true;
    }

    /** Unloads the model, metered; the backend instance is closed by its owner. */
    void unload() throws InterruptedException {
        record.unload = Optional.of(MeteredStep.run(monitor.monitor, "model_unload", () -> {
            backend.backend.unload();
            return Boolean.TRUE;
        }).measurement());
        backend.model = null;
        backend.load = null;
        backend.loadedBy = null;
        warm = false;
        record.write();
    }

    private List<GenerationRequest> requests(List<String> texts, boolean warmRun, String prefix) {
        List<GenerationRequest> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            out.add(new GenerationRequest(prefix + i, texts.get(i), null, config.maxOutputTokens(),
                    config.minOutputTokens(), config.decoding(), config.seed() + i, warmRun));
        }
        return out;
    }

    private static List<FlopsEstimator> flopsEstimators(RunRecord record) {
        List<PluginReport> broken = new ArrayList<>();
        List<FlopsEstimator> all = new ArrayList<>(Plugins.load(FlopsEstimator.class, "flops", broken));
        broken.forEach(b -> record.plugins.add(new PluginStatus("flops", b.name(), false, b.reason())));
        all.removeIf(e -> {
            var a = Plugins.availability(e);
            if (!a.available()) {
                record.plugins.add(new PluginStatus("flops", Plugins.safeName(e), false, a.reason()));
            }
            return !a.available();
        });
        all.sort(Comparator.comparing((FlopsEstimator e) -> e.confidence())
                .thenComparing(Comparator.comparingInt(FlopsEstimator::priority).reversed()));
        return all;
    }
}
