package dev.lem.internal;

import dev.lem.LemException;
import dev.lem.config.ExperimentConfig;
import dev.lem.energy.EnergyMeters;
import dev.lem.energy.EnergyMonitor;
import dev.lem.energy.MeasurementMethod;
import dev.lem.env.EnvironmentCapture;
import dev.lem.result.RunSetup;
import dev.lem.result.RunStatus;
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
     * @param updates        cycles done of the total after each cycle, for a progress bar
     */
    public record Options(String experimentId, int rank, int worldSize, @Nullable InferenceBackend backend,
            List<String> inlinePrompts, Map<String, String> environment, Consumer<String> progress,
            List<String> configWarnings, Consumer<dev.lem.result.Progress> updates) {
        public Options {
            inlinePrompts = List.copyOf(inlinePrompts);
            configWarnings = List.copyOf(configWarnings);
        }

        /** Options without a progress-bar listener. */
        public Options(String experimentId, int rank, int worldSize, @Nullable InferenceBackend backend,
                List<String> inlinePrompts, Map<String, String> environment, Consumer<String> progress,
                List<String> configWarnings) {
            this(experimentId, rank, worldSize, backend, inlinePrompts, environment, progress, configWarnings,
                    p -> { });
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
        return run(null, java.util.Set.of());
    }

    /**
     * Continues an experiment that another process began and that did not complete (interrupted, failed, or
     * killed): runs the cycles of {@code cycles} that have no raw result yet, after loading and warming up again,
     * in the same experiment id. The earlier cycles stay as they are.
     *
     * @param previous the setup the earlier process left (its start and warnings are kept)
     * @param onDisk   the cycles (0-based) whose raw results are on disk
     * @throws LemException when it fails; everything measured is on disk
     */
    public RunSetup resume(RunSetup previous, java.util.Set<Integer> onDisk) {
        return run(previous, onDisk);
    }

    private RunSetup run(@Nullable RunSetup previous, java.util.Set<Integer> onDisk) {
        RunRecord record = new RunRecord(config, options, repo, EnvironmentCapture.hostName(),
                EnvironmentCapture.capture().withContribution("carbon",
                        dev.lem.energy.CarbonIntensities.inferLocation(options.environment(), Path.of("/"))));
        if (previous != null) {
            record.continueFrom(previous, onDisk);
        }
        // the hook first: from the first setup file on, an interruption is recorded
        Thread hook = new Thread(() -> onShutdown(record), "lem-shutdown-" + options.experimentId());
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            throw new LemException("Experiment " + options.experimentId() + " not started: the JVM is shutting down");
        }
        SessionResources.Backend backend = null;
        SessionResources.Monitor monitor = null;
        try {
            record.write();
            if (previous != null && !config.stats().adaptive().enabled() && onDisk.size() >= config.cycles()) {
                record.stopReason = "fixed count of " + config.cycles() + " cycles (every cycle was on disk)";
                record.end(RunStatus.COMPLETE, java.util.Optional.empty());
                return record.write();
            }
            backend = options.backend() == null ? SessionResources.createBackend(config,
                    repo.rawDirectory(options.experimentId()).resolve("artifacts"), options.rank())
                    : SessionResources.given(options.backend());
            monitor = SessionResources.openMonitor(config, options.environment(), options.rank(), backend);
            ExperimentSession session = new ExperimentSession(record, backend, monitor, this::progress);
            session.ensureLoaded();
            session.warmUp();
            session.cycles(this::progress).run(session.template(), onDisk);
            session.measureQuality();
            session.unload();
            record.end(RunStatus.COMPLETE, java.util.Optional.empty());
            return record.write();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            String why;
            synchronized (record) {
                why = "interrupted after cycle " + record.cyclesRun + " of " + plannedCycles();
                if (!record.ended()) {
                    record.stopReason = why;
                    record.end(RunStatus.INTERRUPTED, java.util.Optional.of(why));
                }
            }
            throw new LemException("Experiment " + options.experimentId() + " was " + why + "; the completed cycles "
                    + "are in " + repo.rawDirectory(options.experimentId()));
        } catch (RuntimeException e) {
            synchronized (record) {
                if (!record.ended()) {
                    record.stopReason = "failed after " + record.cyclesRun + " cycle(s)";
                }
            }
            try {
                record.end(RunStatus.FAILED, java.util.Optional.of(e.getMessage() == null ? e.getClass().getName()
                        : e.getMessage()));
            } catch (RuntimeException endMarker) {
                e.addSuppressed(endMarker); // e.g. the results folder is not writable: the first failure says so
            }
            throw e;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is shutting down: the hook runs (or ran) and records the interruption
            }
            if (monitor != null) {
                monitor.close();
            }
            if (backend != null) {
                backend.close();
            }
        }
    }

    /** The planned cycles, as a message says them ("3" or "at most 30"). */
    private String plannedCycles() {
        return config.stats().adaptive().enabled() ? "at most " + config.stats().adaptive().maxCycles()
                : String.valueOf(config.cycles());
    }

    /**
     * The JVM is shutting down while this process runs (a signal, {@code System.exit}): record "interrupted by
     * SIGINT after cycle 2 of 4" as the end marker, so the files never look finished, and aggregate the cycles
     * that completed (rank 0 of a single-process experiment). The lem command names the signal (system
     * property {@value RunStatus#SIGNAL_PROPERTY}); elsewhere the message says what can shut a JVM down.
     */
    private void onShutdown(RunRecord record) {
        String signal = System.getProperty(RunStatus.SIGNAL_PROPERTY);
        String by = signal != null ? "by " + signal : "by a JVM shutdown (SIGINT, SIGTERM or System.exit)";
        String why;
        synchronized (record) { // no cycle is recorded between reading the count and writing the end marker
            why = "interrupted " + by + " after cycle " + record.cyclesRun + " of " + plannedCycles();
            if (record.ended()) {
                return;
            }
            record.stopReason = why;
            try {
                record.end(RunStatus.INTERRUPTED, java.util.Optional.of(why));
            } catch (RuntimeException e) {
                LOG.warn("Experiment {} was {}, and its end marker could not be written: {}", options.experimentId(),
                        why, e.getMessage());
                return;
            }
        }
        String kept = "the raw results are in " + repo.rawDirectory(options.experimentId());
        if (options.worldSize() == 1 && record.cyclesRun > 0) {
            try {
                repo.aggregate(options.experimentId());
                kept = "the " + record.cyclesRun + " completed cycle(s) are aggregated in "
                        + repo.aggregatedFile(options.experimentId()) + " (status: interrupted)";
            } catch (RuntimeException e) {
                kept += " (aggregating them failed: " + e.getMessage() + ")";
            }
        }
        String message = "Experiment " + options.experimentId() + " was " + why + "; " + kept;
        // a warning, not progress: it is the run's outcome and must show even when progress is off (lem run -q)
        LOG.warn(message);
    }

    private void progress(String message) {
        LOG.info(options.worldSize() > 1 ? "[rank " + options.rank() + "] " + message : message);
        options.progress().accept(message);
    }
}
