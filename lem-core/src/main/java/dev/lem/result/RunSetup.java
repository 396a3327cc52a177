package dev.lem.result;

import dev.lem.spi.PluginStatus;
import dev.lem.config.ExperimentConfig;
import dev.lem.energy.IdleBaseline;
import dev.lem.env.EnvironmentInfo;
import dev.lem.spi.ModelInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one process of an experiment set up before and around its cycles; written to
 * {@code raw/<id>/setup_<rank>.json} as soon as it is known.
 *
 * @param schemaVersion results schema version
 * @param experimentId  the experiment
 * @param rank          this process's rank
 * @param worldSize     processes in the experiment
 * @param host          host name
 * @param pid           process id
 * @param startedAt     wall-clock start
 * @param config        the configuration with provenance
 * @param environment   the environment
 * @param model         what was loaded
 * @param load          model load time and energy
 * @param unload        model release time and energy
 * @param warmup        warm-up
 * @param baseline      idle baseline
 * @param plugins       meters, telemetry and estimators used or not, with reasons
 * @param backendEnvironment facts from the backend (server version, engine)
 * @param cyclesRun     measured cycles this process completed
 * @param stopReason    why it ran that many cycles (fixed count, adaptive target, failure)
 * @param warnings      things the user should know
 * @param failure       why the process stopped early, if it did
 * @param status        where the process stands: running, or how it ended
 * @param finishedAt    when the process ended (its end marker); absent while it runs, and in the file of a
 *                      process that was killed without a chance to write it
 * @param quality       quality measured beside the cycles ({@code quality.*}, rank 0 only), when it was
 */
public record RunSetup(
        int schemaVersion,
        String experimentId,
        int rank,
        int worldSize,
        String host,
        long pid,
        Instant startedAt,
        ExperimentConfig config,
        EnvironmentInfo environment,
        Optional<ModelInfo> model,
        Optional<PhaseMeasurement> load,
        Optional<PhaseMeasurement> unload,
        Optional<WarmupResult> warmup,
        Optional<IdleBaseline> baseline,
        List<PluginStatus> plugins,
        Map<String, String> backendEnvironment,
        int cyclesRun,
        String stopReason,
        List<String> warnings,
        Optional<String> failure,
        RunStatus status,
        Optional<Instant> finishedAt,
        Optional<QualityResult> quality) {

    /**
     * Checks that the experiment is set and copies the lists and map; a {@code null} status (files written before it
     * existed) is derived from the failure and the cycles run, and a {@code null} end time becomes empty.
     *
     * @param schemaVersion results schema version
     * @param experimentId the experiment
     * @param rank this process's rank
     * @param worldSize processes in the experiment
     * @param host host name
     * @param pid process id
     * @param startedAt wall-clock start
     * @param config the configuration with provenance
     * @param environment the environment
     * @param model what was loaded
     * @param load model load time and energy
     * @param unload model release time and energy
     * @param warmup warm-up
     * @param baseline idle baseline
     * @param plugins meters, telemetry and estimators used or not, with reasons
     * @param backendEnvironment facts from the backend
     * @param cyclesRun measured cycles this process completed
     * @param stopReason why it ran that many cycles
     * @param warnings things the user should know
     * @param failure why the process stopped early, if it did
     * @param status where the process stands: running, or how it ended
     * @param finishedAt when the process ended; absent while it runs
     * @param quality quality measured beside the cycles, when it was; {@code null} means none
     */
    public RunSetup {
        // files written before the status existed: derive it from what they say
        if (status == null) {
            status = failure != null && failure.isPresent()
                    ? (failure.get().startsWith("interrupted") ? RunStatus.INTERRUPTED : RunStatus.FAILED)
                    : config != null && cyclesRun >= config.cycles() ? RunStatus.COMPLETE : RunStatus.RUNNING;
        }
        finishedAt = finishedAt == null ? Optional.empty() : finishedAt;
        quality = quality == null ? Optional.empty() : quality;
        Objects.requireNonNull(experimentId, "experimentId");
        plugins = List.copyOf(plugins);
        backendEnvironment = Map.copyOf(backendEnvironment);
        warnings = List.copyOf(warnings);
    }

    /**
     * A setup without a quality measurement.
     *
     * @param schemaVersion results schema version
     * @param experimentId the experiment
     * @param rank this process's rank
     * @param worldSize processes in the experiment
     * @param host host name
     * @param pid process id
     * @param startedAt wall-clock start
     * @param config the configuration with provenance
     * @param environment the environment
     * @param model what was loaded
     * @param load model load time and energy
     * @param unload model release time and energy
     * @param warmup warm-up
     * @param baseline idle baseline
     * @param plugins meters, telemetry and estimators used or not, with reasons
     * @param backendEnvironment facts from the backend
     * @param cyclesRun measured cycles this process completed
     * @param stopReason why it ran that many cycles
     * @param warnings things the user should know
     * @param failure why the process stopped early, if it did
     * @param status where the process stands: running, or how it ended
     * @param finishedAt when the process ended; absent while it runs
     */
    public RunSetup(int schemaVersion, String experimentId, int rank, int worldSize, String host, long pid,
            Instant startedAt, ExperimentConfig config, EnvironmentInfo environment, Optional<ModelInfo> model,
            Optional<PhaseMeasurement> load, Optional<PhaseMeasurement> unload, Optional<WarmupResult> warmup,
            Optional<IdleBaseline> baseline, List<PluginStatus> plugins, Map<String, String> backendEnvironment,
            int cyclesRun, String stopReason, List<String> warnings, Optional<String> failure, RunStatus status,
            Optional<Instant> finishedAt) {
        this(schemaVersion, experimentId, rank, worldSize, host, pid, startedAt, config, environment, model, load,
                unload, warmup, baseline, plugins, backendEnvironment, cyclesRun, stopReason, warnings, failure, status,
                finishedAt, Optional.empty());
    }

    /** One line: the process, the model, load and warm-up, the cycles it ran and why it stopped. */
    @Override
    public String toString() {
        return "setup of " + experimentId + " rank " + rank + "/" + worldSize + " on " + host + " (pid " + pid + "): "
                + model.map(m -> m.id()).orElse("no model loaded")
                + load.map(l -> String.format(java.util.Locale.ROOT, ", loaded in %.3g s", l.durationNanos() / 1e9))
                        .orElse("")
                + warmup.map(w -> ", warm-up " + w.runs() + " run" + (w.runs() == 1 ? "" : "s")).orElse("")
                + ", " + cyclesRun + " cycle" + (cyclesRun == 1 ? "" : "s") + " (" + stopReason + ")"
                + failure.map(f -> "; FAILED: " + f).orElse("");
    }
}
