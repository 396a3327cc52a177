package dev.lem.results;

import dev.lem.result.Completeness;
import java.util.Objects;

/**
 * One experiment in a results folder, as {@code lem results list} shows it.
 *
 * @param id             the experiment id
 * @param name           its name (empty when none)
 * @param model          the model
 * @param backend        the backend
 * @param cycles         cycles with readable raw results (the count {@code lem results show} reports too)
 * @param plannedCycles  cycles the configuration asked for ("5", or "at most 30" in adaptive mode)
 * @param status         complete, interrupted, failed or incomplete
 * @param reason         why it is not complete (empty when it is)
 * @param aggregated     whether {@code aggregated/<id>.json} exists
 */
public record ExperimentOverview(String id, String name, String model, String backend, int cycles,
        String plannedCycles, Completeness status, String reason, boolean aggregated) {
    /**
     * Checks that the id, status and reason are set.
     *
     * @param id the experiment id
     * @param name its name (empty when none)
     * @param model the model
     * @param backend the backend
     * @param cycles cycles with readable raw results
     * @param plannedCycles cycles the configuration asked for
     * @param status complete, interrupted, failed or incomplete
     * @param reason why it is not complete (empty when it is)
     * @param aggregated whether {@code aggregated/<id>.json} exists
     */
    public ExperimentOverview {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reason, "reason");
    }
}
