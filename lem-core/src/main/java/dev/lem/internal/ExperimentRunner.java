package dev.lem.internal;

import dev.lem.LemException;
import dev.lem.config.ExperimentConfig;
import dev.lem.energy.EnergyMeters;
import dev.lem.energy.EnergyMonitor;
import dev.lem.energy.MeasurementMethod;
import dev.lem.env.EnvironmentCapture;
import dev.lem.result.RunSetup;
import dev.lem.result.WarmupResult;
import dev.lem.results.ResultsRepository;
import dev.lem.spi.BackendCapabilities;
import dev.lem.spi.BackendContext;
import dev.lem.spi.BackendProvider;
import dev.lem.spi.FlopsEstimator;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.MeterContext;
import dev.lem.spi.ModelInfo;
import dev.lem.spi.PluginReport;
import dev.lem.spi.PluginStatus;
import dev.lem.spi.Plugins;
import dev.lem.spi.TelemetrySource;
import dev.lem.spi.WorkloadDevices;
import dev.lem.workload.PromptLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one process of an experiment, phase by phase, each with its state passed explicitly: setup (the
 * backend and the energy monitor), idle baseline, model load, warm-up ({@link WarmupPhase}), the measured
 * cycles ({@link CyclePhase}), unload. The process's setup ({@link RunRecord}) is written at once and after
 * each phase, and each cycle's raw result the moment the cycle ends, so a crash loses at most the running
 * cycle. Aggregation happens afterwards, from the files ({@code ResultsRepository.aggregate}).
 */
public final class ExperimentRunner {
    private static final Logger LOG = LoggerFactory.getLogger("dev.lem");

    /**
     * How this process takes part.
     *
     * @param experimentId   the experiment
     * @param rank           this process's rank
     * @param worldSize      processes in the experiment
     * @param backend        a backend instance given in code, or null to create one from the config
     * @param inlinePrompts  prompts given in code (inline source)
     * @param environment    environment variables to honour (CUDA_VISIBLE_DEVICES)
     * @param progress       receives one-line progress messages (they are also logged at INFO)
     * @param configWarnings warnings found when the configuration was validated, recorded with the results
     */
    public record Options(String experimentId, int rank, int worldSize, @Nullable InferenceBackend backend,
            List<String> inlinePrompts, Map<String, String> environment, Consumer<String> progress,
            List<String> configWarnings) {
        public Options {
            inlinePrompts = List.copyOf(inlinePrompts);
            configWarnings = List.copyOf(configWarnings);
        }
    }

    private final ExperimentConfig config;
    private final Options options;
    private final ResultsRepository repo;

    public ExperimentRunner(ExperimentConfig config, Options options) {
        this.config = config;
        this.options = options;
        this.repo = new ResultsRepository(Path.of(config.resultsDir()));
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
        RunRecord record = new RunRecord(config, options, repo, EnvironmentCapture.hostName(),
                EnvironmentCapture.capture().withContribution("carbon",
                        dev.lem.energy.CarbonIntensities.inferLocation(options.environment(), Path.of("/"))));
        record.write();
        InferenceBackend backend = null;
        EnergyMonitor monitor = null;
        boolean ownBackend = options.backend() == null;
        try {
            // setup
            List<String> prompts = PromptLoader.load(config.prompts(), config.seed(), options.inlinePrompts());
            backend = ownBackend ? createBackend() : options.backend();
            record.plugins.add(new PluginStatus("backend", ownBackend ? config.backend()
                    : backend.getClass().getName(), true, ""));
            BackendCapabilities caps = backend.capabilities();
            monitor = startMonitor(record, caps, backend);
            // idle baseline
            if (monitor != null && config.energy().idleBaselineS() > 0 && !monitor.domains().isEmpty()) {
                progress("measuring idle power for " + config.energy().idleBaselineS() + " s");
                record.baseline = java.util.Optional.of(monitor.measureIdle(Duration.ofMillis(
                        Math.round(config.energy().idleBaselineS() * 1000))));
                record.baseline.flatMap(dev.lem.energy.IdleBaseline::disturbed).ifPresent(why -> record.warn(
                        "the idle baseline was not taken at idle: " + why + "; baseline-adjusted figures are marked "
                                + "'baseline disturbed' (stop other work on this machine, or set energy.idle_max_cpu_pct "
                                + "/ energy.idle_max_gpu_pct)"));
            }
            // model load
            progress("loading " + config.model() + " (" + config.backend() + ")");
            InferenceBackend b = backend;
            MeteredStep.Result<ModelInfo> loaded = MeteredStep.run(monitor, "model_load", b::load);
            record.model = java.util.Optional.of(loaded.value());
            record.load = java.util.Optional.of(loaded.measurement());
            record.backendEnvironment = backend.environment();
            record.write();
            // warm-up
            WorkloadDriver driver = new WorkloadDriver(config, backend, caps);
            MeteredStep.Result<WarmupResult> warm = MeteredStep.run(monitor, "warmup",
                    () -> warmUp(record, driver, prompts));
            record.warmup = java.util.Optional.of(warm.value().withMeasurement(
                    java.util.Optional.of(warm.measurement())));
            record.write();
            // cycles
            new CyclePhase(record, driver, caps, monitor, flopsEstimators(record), record.model, this::progress)
                    .run(requests(prompts, false, "c"));
            // unload
            record.unload = java.util.Optional.of(MeteredStep.run(monitor, "model_unload", () -> {
                b.unload();
                return Boolean.TRUE;
            }).measurement());
            return record.write();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            record.failure = java.util.Optional.of("interrupted");
            record.write();
            throw new LemException("Experiment " + options.experimentId() + " was interrupted after "
                    + record.cyclesRun + " cycles; their results are in " + repo.rawDirectory(options.experimentId()));
        } catch (RuntimeException e) {
            record.failure = java.util.Optional.of(e.getMessage() == null ? e.getClass().getName() : e.getMessage());
            record.stopReason = "failed after " + record.cyclesRun + " cycle(s)";
            record.write();
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

    private void progress(String message) {
        LOG.info(options.worldSize() > 1 ? "[rank " + options.rank() + "] " + message : message);
        options.progress().accept(message);
    }

    private InferenceBackend createBackend() {
        Path artifacts = repo.rawDirectory(options.experimentId()).resolve("artifacts");
        try {
            Files.createDirectories(artifacts);
        } catch (IOException e) {
            throw new LemException("Cannot create " + artifacts + ": " + e.getMessage(), e);
        }
        BackendProvider provider = Plugins.backend(config.backend());
        return provider.create(BackendContext.of(config, provider, artifacts, options.rank()));
    }

    // ----------------------------------------------------------------------------- energy

    private @Nullable EnergyMonitor startMonitor(RunRecord record, BackendCapabilities caps, InferenceBackend backend) {
        MeterContext ctx = new MeterContext(config.energy(), options.environment(), options.rank(),
                workloadDevices(config, caps, options.environment()));
        boolean visible = caps.computeOnThisHost() && config.server().sameHost();
        EnergyMeters.Opened opened = EnergyMeters.open(ctx, visible);
        record.environment = record.environment.withContribution("energy", Map.of("workload_devices",
                ctx.workload().toString()));
        record.plugins.addAll(opened.plugins());
        opened.environment().forEach((name, facts) -> record.environment = record.environment.withContribution(name,
                facts));
        List<TelemetrySource> sources = new ArrayList<>(opened.telemetry());
        backend.telemetry().ifPresent(s -> {
            sources.add(s);
            record.plugins.add(new PluginStatus("telemetry", s.name(), true, ""));
        });
        if (!visible) {
            record.warn("the server runs on another host: no energy is reported for it");
        }
        if (opened.meters().isEmpty() && visible) {
            record.warn("no energy meter could be used, so no energy is reported (see the plug-ins not used)");
        }
        Set<String> estimatedOnly = new TreeSet<>();
        Set<String> measured = new HashSet<>();
        opened.meters().forEach(m -> m.domains().forEach(d -> {
            if (d.method() == MeasurementMethod.ESTIMATED) {
                estimatedOnly.add(d.kind());
            } else {
                measured.add(d.kind());
            }
        }));
        estimatedOnly.removeAll(measured);
        if (!estimatedOnly.isEmpty()) {
            record.warn(String.join(", ", estimatedOnly) + " energy is estimated, not measured: no hardware counter "
                    + "covers it here (the plug-ins not used say why)");
        }
        return EnergyMonitor.builder(opened.meters(), sources).interval(opened.samplerInterval())
                .idleLimits(config.energy().idleMaxCpuPct(), config.energy().idleMaxGpuPct()).start();
    }

    /**
     * The GPUs the workload uses: {@code energy.devices} when given; for an in-process backend the model's device
     * ({@code cuda:N} is the N-th GPU this process sees, none for {@code cpu}); for a managed server the GPUs its
     * {@code CUDA_VISIBLE_DEVICES} names (it inherits this process's); for a server LEM does not manage, every GPU.
     */
    static WorkloadDevices workloadDevices(ExperimentConfig config, BackendCapabilities caps,
            Map<String, String> environment) {
        List<String> given = config.energy().devices();
        if (!given.isEmpty()) {
            return WorkloadDevices.selected(String.join(",", given), "energy.devices");
        }
        String visible = environment.get("CUDA_VISIBLE_DEVICES");
        if (!caps.inProcess()) {
            if (!config.server().managed()) {
                return WorkloadDevices.all("the server is not managed by LEM, so every GPU is counted; name the "
                        + "server's GPUs in energy.devices");
            }
            return visible == null ? WorkloadDevices.all("the managed server sees every GPU (CUDA_VISIBLE_DEVICES "
                    + "is unset)") : WorkloadDevices.selected(visible, "CUDA_VISIBLE_DEVICES=" + visible
                            + " of the managed server");
        }
        String device = config.device().trim().toLowerCase(java.util.Locale.ROOT);
        if (device.equals("cpu")) {
            return WorkloadDevices.none("device: cpu (the model runs on the CPU)");
        }
        int ordinal = 0;
        if (device.startsWith("cuda:") || device.startsWith("gpu:")) {
            try {
                ordinal = Integer.parseInt(device.substring(device.indexOf(':') + 1));
            } catch (NumberFormatException e) {
                ordinal = 0;
            }
        }
        String what = "device: " + config.device() + (device.equals("auto") ? " (taken as the first GPU)" : "");
        if (visible == null) {
            return WorkloadDevices.selected(String.valueOf(ordinal), what);
        }
        String[] entries = visible.split(",", -1);
        if (ordinal < entries.length && !entries[ordinal].isBlank()) {
            return WorkloadDevices.selected(entries[ordinal].trim(), what + ", CUDA_VISIBLE_DEVICES=" + visible);
        }
        return WorkloadDevices.none(what + ", but CUDA_VISIBLE_DEVICES=" + visible + " has no GPU " + ordinal);
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

    private WarmupResult warmUp(RunRecord record, WorkloadDriver driver, List<String> prompts)
            throws InterruptedException {
        var w = config.warmup();
        int unit = driver.unitSize();
        List<String> sample = new ArrayList<>();
        for (int i = 0; i < unit; i++) {
            sample.add(prompts.get(i % prompts.size()));
        }
        progress("warming up (" + (w.mode() == dev.lem.config.WarmupMode.FIXED ? w.runs() + " runs"
                : "until latency CV <= " + w.cvThreshold()) + ", at most " + w.maxS() + " s)");
        return new WarmupPhase(w, System::nanoTime).run(r -> requests(sample, true, "w" + r + "-"), reqs -> {
            RequestRecorder rec = new RequestRecorder(System.nanoTime(), null, "warmup");
            driver.drive(reqs, rec).forEach(record::warn);
            return rec.records();
        }, record::warn);
    }

    // ----------------------------------------------------------------------------- FLOPs

    private List<FlopsEstimator> flopsEstimators(RunRecord record) {
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
