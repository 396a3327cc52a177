package dev.lem.result;

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
 * @param status            whether this is the whole planned experiment ({@link Completeness#COMPLETE}) or
 *                          what stopped it
 * @param statusReason      why it is not complete (empty when it is)
 * @param qualityScores     quality scores the user attached ({@code lem results annotate}), by name; empty when none
 *                          (and in results written before they existed)
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
        List<String> warnings,
        Completeness status,
        String statusReason,
        List<dev.lem.quality.QualityScore> qualityScores) {

    /**
     * Checks that the id is set and copies the lists and maps; a {@code null} status (files written before it
     * existed) means complete.
     *
     * @param schemaVersion results schema version
     * @param id experiment id
     * @param createdAt when aggregation ran
     * @param config the configuration, with the provenance of each value
     * @param environment rank 0's environment
     * @param model what was loaded
     * @param processes each process's setup
     * @param cycles each cycle merged over processes
     * @param summary statistics across cycles
     * @param carbonIntensity the intensity used for carbon figures, when configured
     * @param metricDefinitions the definition of every latency and throughput figure
     * @param warnings things the user should know
     * @param status whether this is the whole planned experiment or what stopped it
     * @param statusReason why it is not complete (empty when it is)
     * @param qualityScores quality scores the user attached; {@code null} means none
     */
    public ExperimentResult {
        // files written before the status existed were written when the run ended
        status = status == null ? Completeness.COMPLETE : status;
        statusReason = statusReason == null ? "" : statusReason;
        Objects.requireNonNull(id, "id");
        processes = List.copyOf(processes);
        cycles = List.copyOf(cycles);
        metricDefinitions = Map.copyOf(metricDefinitions);
        warnings = List.copyOf(warnings);
        qualityScores = qualityScores == null ? List.of() : List.copyOf(qualityScores);
    }

    /**
     * An aggregate without user quality scores.
     *
     * @param schemaVersion results schema version
     * @param id experiment id
     * @param createdAt when aggregation ran
     * @param config the configuration, with the provenance of each value
     * @param environment rank 0's environment
     * @param model what was loaded
     * @param processes each process's setup
     * @param cycles each cycle merged over processes
     * @param summary statistics across cycles
     * @param carbonIntensity the intensity used for carbon figures, when configured
     * @param metricDefinitions the definition of every latency and throughput figure
     * @param warnings things the user should know
     * @param status whether this is the whole planned experiment or what stopped it
     * @param statusReason why it is not complete (empty when it is)
     */
    public ExperimentResult(int schemaVersion, String id, Instant createdAt, ExperimentConfig config,
            EnvironmentInfo environment, Optional<ModelInfo> model, List<RunSetup> processes, List<CycleResult> cycles,
            Summary summary, Optional<CarbonIntensity> carbonIntensity, Map<String, String> metricDefinitions,
            List<String> warnings, Completeness status, String statusReason) {
        this(schemaVersion, id, createdAt, config, environment, model, processes, cycles, summary, carbonIntensity,
                metricDefinitions, warnings, status, statusReason, List.of());
    }

    /**
     * A copy with these user quality scores in place of its own.
     *
     * @param scores the scores
     * @return the copy
     */
    public ExperimentResult withQualityScores(List<dev.lem.quality.QualityScore> scores) {
        return new ExperimentResult(schemaVersion, id, createdAt, config, environment, model, processes, cycles,
                summary, carbonIntensity, metricDefinitions, warnings, status, statusReason, scores);
    }

    /**
     * The user quality score of that name.
     *
     * @param name the score's name, e.g. {@code accuracy}
     * @return the score; empty when none was attached
     */
    public Optional<dev.lem.quality.QualityScore> qualityScore(String name) {
        return qualityScores.stream().filter(q -> q.name().equals(name)).findFirst();
    }

    /** {@return whether this is the whole planned experiment} */
    public boolean isComplete() {
        return status == Completeness.COMPLETE;
    }

    /** {@return the number of processes that took part (the experiment's world size)} */
    public int worldSize() {
        return processes.isEmpty() ? 1 : processes.get(0).worldSize();
    }

    /** {@return the cycles every process completed: the ones the summary is over} */
    public List<CycleResult> completeCycles() {
        int world = worldSize();
        return cycles.stream().filter(c -> c.processes().size() == world).toList();
    }

    /** One line per headline figure, like the first rows of {@code lem results show}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("ExperimentResult " + id);
        config.name().ifPresent(n -> s.append(" \"").append(n).append('"'));
        if (status != Completeness.COMPLETE) {
            s.append(" [").append(status.name().toLowerCase(java.util.Locale.ROOT)).append(": ").append(statusReason)
                    .append(']');
        }
        s.append(": ").append(config.model()).append(" on ").append(config.backend()).append(", ")
                .append(summary.cycles()).append(" cycle").append(summary.cycles() == 1 ? "" : "s");
        for (dev.lem.Metric m : List.of(dev.lem.Metric.OUTPUT_TOKENS_PER_S, dev.lem.Metric.TTFT_MEAN_MS,
                dev.lem.Metric.ENERGY_PER_OUTPUT_TOKEN_J, dev.lem.Metric.CARBON_PER_1K_OUTPUT_TOKENS_G)) {
            s.append("\n  ").append(m.key()).append(": ").append(summary.find(m).map(Object::toString)
                    .orElseGet(() -> "not available (" + summary.whyUnavailable(m).orElse("") + ")"));
        }
        s.append("\n  (").append(summary.metrics().size()).append(" metrics in summary(); ")
                .append(warnings.size()).append(" warning").append(warnings.size() == 1 ? "" : "s").append(')');
        return s.toString();
    }
}
