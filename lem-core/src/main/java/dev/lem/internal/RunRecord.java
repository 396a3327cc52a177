package dev.lem.internal;

import dev.lem.config.ExperimentConfig;
import dev.lem.energy.IdleBaseline;
import dev.lem.env.EnvironmentInfo;
import dev.lem.result.PhaseMeasurement;
import dev.lem.result.RunSetup;
import dev.lem.result.RunStatus;
import dev.lem.result.WarmupResult;
import dev.lem.results.ResultsJson;
import dev.lem.results.ResultsRepository;
import dev.lem.spi.ModelInfo;
import dev.lem.spi.PluginStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one process has set up so far — the contents of its {@code setup_<rank>.json} — filled in by the
 * phases of {@link ExperimentRunner} and written again after each (atomically), so a crash leaves the
 * latest state on disk. Confined to the runner's thread.
 */
final class RunRecord {
    final ExperimentConfig config;
    final ExperimentRunner.Options options;
    final ResultsRepository repo;
    final String host;
    /** Where this process runs (host, pid, Slurm job and task, devices), recorded with each cycle. */
    final dev.lem.env.Placement placement;
    /** Set when a campaign worker hands its unit back (cluster mode): nothing more is recorded or written. */
    private boolean detached;
    Instant startedAt = Instant.now();
    /** Cycles (0-based) with a recorded raw result, this process's and, after a resume, earlier ones'. */
    final java.util.SortedSet<Integer> recordedCycles = new java.util.TreeSet<>();
    final List<PluginStatus> plugins = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();
    EnvironmentInfo environment;
    Optional<ModelInfo> model = Optional.empty();
    Optional<PhaseMeasurement> load = Optional.empty();
    Optional<PhaseMeasurement> unload = Optional.empty();
    Optional<WarmupResult> warmup = Optional.empty();
    Optional<IdleBaseline> baseline = Optional.empty();
    Map<String, String> backendEnvironment = Map.of();
    int cyclesRun;
    String stopReason = "not started";
    Optional<String> failure = Optional.empty();
    RunStatus status = RunStatus.RUNNING;
    Optional<Instant> finishedAt = Optional.empty();
    Optional<dev.lem.result.QualityResult> quality = Optional.empty();

    RunRecord(ExperimentConfig config, ExperimentRunner.Options options, ResultsRepository repo, String host,
            EnvironmentInfo environment) {
        this.config = config;
        this.options = options;
        this.repo = repo;
        this.host = host;
        this.environment = environment;
        this.placement = dev.lem.env.Placement.current(options.environment());
        options.configWarnings().forEach(this::warn);
    }

    /** Adds a warning once. */
    void warn(String warning) {
        if (!warnings.contains(warning)) {
            warnings.add(warning);
        }
    }

    /**
     * Ends the run (once: the first end wins, so a shutdown hook's "interrupted" is not overwritten by the main
     * thread's later failure, nor the other way round) and writes the end marker.
     *
     * @return whether this call ended it
     */
    synchronized boolean end(RunStatus how, Optional<String> why) {
        if (status != RunStatus.RUNNING) {
            return false;
        }
        status = how;
        failure = why;
        finishedAt = Optional.of(Instant.now());
        write();
        return true;
    }

    /**
     * Records a completed cycle: writes its raw result and the setup with the new cycle count, in one step that an
     * interruption cannot split (the end marker's "after cycle k" always matches the cycle files on disk).
     *
     * @return false when the run has already ended (interrupted while the cycle ran): the cycle is not recorded
     */
    synchronized boolean recordCycle(dev.lem.result.ProcessResult result) {
        if (status != RunStatus.RUNNING || detached) {
            return false;
        }
        repo.writeProcessResult(result);
        recordedCycles.add(result.cycle());
        cyclesRun = recordedCycles.size();
        write();
        return true;
    }

    /**
     * Continues an experiment another process began (a resume): its start time, warnings and recorded cycles are
     * kept, and a warning says which cycles this process runs.
     *
     * @param previous the setup the earlier process left
     * @param onDisk   the cycles (0-based) whose raw results are on disk
     */
    synchronized void continueFrom(RunSetup previous, java.util.Set<Integer> onDisk) {
        startedAt = previous.startedAt();
        quality = previous.quality();
        previous.warnings().forEach(this::warn);
        recordedCycles.addAll(onDisk);
        cyclesRun = recordedCycles.size();
        warn("resumed on " + Instant.now() + " by pid " + ProcessHandle.current().pid() + " on " + host + " after "
                + previous.status().name().toLowerCase(java.util.Locale.ROOT) + previous.failure().map(f -> " (" + f + ")")
                        .orElse("") + " with " + cyclesRun + " cycle(s) on disk");
    }

    /**
     * Stops recording without writing an end marker: a campaign worker on a cluster whose unit was handed back (it
     * is being stopped) must not record the cycle it was running, nor overwrite the setup that other workers of the
     * same experiment keep writing; the campaign's aggregation writes the end marker.
     */
    synchronized void detach() {
        detached = true;
    }

    /**
     * Joins an experiment that other processes run at the same time (a campaign worker on a cluster): its start time
     * and warnings are kept and the cycles on disk counted, without a resume warning (each cycle's placement says
     * where it ran).
     */
    synchronized void joinFrom(RunSetup previous, java.util.Set<Integer> onDisk) {
        startedAt = previous.startedAt();
        previous.warnings().forEach(this::warn);
        recordedCycles.addAll(onDisk);
        cyclesRun = recordedCycles.size();
    }

    /** Whether the run has ended. */
    synchronized boolean ended() {
        return status != RunStatus.RUNNING;
    }

    /** Writes the setup as it stands and returns it (atomically; serialised with {@link #end}). */
    synchronized RunSetup write() {
        RunSetup s = snapshot();
        if (!detached) {
            repo.writeSetup(s);
        }
        return s;
    }

    /** The setup as it stands, not written. */
    synchronized RunSetup snapshot() {
        return new RunSetup(ResultsJson.SCHEMA_VERSION, options.experimentId(), options.rank(),
                options.worldSize(), host, ProcessHandle.current().pid(), startedAt, config, environment, model, load,
                unload, warmup, baseline, plugins, backendEnvironment, cyclesRun, stopReason, warnings, failure,
                status, finishedAt, quality);
    }
}
