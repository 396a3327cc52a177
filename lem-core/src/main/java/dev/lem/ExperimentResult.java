package dev.lem;

import dev.lem.config.ExperimentConfig;
import dev.lem.energy.CarbonIntensity;
import dev.lem.env.EnvironmentInfo;
import dev.lem.spi.ModelInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything an experiment measured, aggregated: written to {@code aggregated/<id>.json}. Immutable.
 *
 * @param schemaVersion     results schema version
 * @param id                experiment id (generated: UTC timestamp and a random suffix)
 * @param createdAt         when aggregation ran
 * @param config            the configuration, with the provenance of each value
 * @param environment       rank 0's environment
 * @param model             what was loaded
 * @param processes         each process's setup (load, warm-up, baseline, plug-ins)
 * @param cycles            each cycle merged over processes
 * @param summary           statistics across cycles
 * @param carbonIntensity   the intensity used for carbon figures, when configured
 * @param metricDefinitions the definition of every latency and throughput figure
 * @param warnings          things the user should know
 */
public record ExperimentResult(
        int schemaVersion,
        String id,
        Instant createdAt,
        ExperimentConfig config,
        EnvironmentInfo environment,
        Optional<ModelInfo> model,
        List<RunSetup> processes,
        List<CycleResult> cycles,
        Summary summary,
        Optional<CarbonIntensity> carbonIntensity,
        Map<String, String> metricDefinitions,
        List<String> warnings) {

    public ExperimentResult {
        Objects.requireNonNull(id, "id");
        processes = List.copyOf(processes);
        cycles = List.copyOf(cycles);
        metricDefinitions = Map.copyOf(metricDefinitions);
        warnings = List.copyOf(warnings);
    }
}
