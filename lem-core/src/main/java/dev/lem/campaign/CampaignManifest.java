package dev.lem.campaign;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything about a campaign that a resume needs, in {@code results/campaigns/<id>/manifest.json}: its settings,
 * every experiment (with its whole configuration), the grid combinations not run and why, and every unit in run
 * order with its status. Rewritten atomically after every change, so a crash leaves the last state.
 *
 * @param schemaVersion results schema version
 * @param campaignId    the campaign's id
 * @param settings      its settings
 * @param resultsDir    the results folder of its experiments (absolute)
 * @param source        the campaign file it was made from, if any
 * @param createdAt     when it was planned
 * @param state         where it stands
 * @param stateReason   why it is interrupted or failed
 * @param pid           the process running it (last one)
 * @param host          the host of that process
 * @param experiments   its experiments
 * @param skipped       grid combinations not run, with the reason
 * @param units         every unit in run order
 * @param notes         what the planner noticed (keys that do not apply to a backend, cycles overridden, ...)
 * @param slurm         its hand-overs to Slurm, oldest first (empty for a campaign run by {@code lem campaign run}):
 *                      its units are then claimed by the workers one by one and each unit's state is kept in
 *                      {@code units/} next to this file, merged in when the manifest is read ({@link ManifestStore})
 */
public record CampaignManifest(int schemaVersion, String campaignId, CampaignSettings settings, String resultsDir,
        Optional<String> source, Instant createdAt, CampaignState state, Optional<String> stateReason, long pid,
        String host, List<ManifestExperiment> experiments, List<SkippedCombination> skipped, List<ManifestUnit> units,
        List<String> notes, List<SlurmSubmission> slurm) {
    /**
     * Checks that the id and state are set and copies the lists.
     *
     * @param schemaVersion results schema version
     * @param campaignId the campaign's id
     * @param settings its settings
     * @param resultsDir the results folder of its experiments (absolute)
     * @param source the campaign file it was made from, if any
     * @param createdAt when it was planned
     * @param state where it stands
     * @param stateReason why it is interrupted or failed
     * @param pid the process running it (last one)
     * @param host the host of that process
     * @param experiments its experiments
     * @param skipped grid combinations not run, with the reason
     * @param units every unit in run order
     * @param notes what the planner noticed
     * @param slurm the submissions to Slurm of a campaign handed to a cluster (empty otherwise)
     */
    public CampaignManifest {
        slurm = slurm == null ? List.of() : List.copyOf(slurm);
        Objects.requireNonNull(campaignId, "campaignId");
        Objects.requireNonNull(state, "state");
        experiments = List.copyOf(experiments);
        skipped = List.copyOf(skipped);
        units = List.copyOf(units);
        notes = List.copyOf(notes);
    }

    /** {@return the campaign's name, or its id} */
    public String displayName() {
        return settings.name().orElse(campaignId);
    }

    /**
     * Units with a status.
     *
     * @param status the status
     * @return the number of units with that status
     */
    public long count(UnitStatus status) {
        return units.stream().filter(u -> u.status() == status).count();
    }

    /**
     * This manifest with one unit replaced (by its {@code seq}).
     *
     * @param unit the new unit
     * @return a copy with that unit
     */
    public CampaignManifest withUnit(ManifestUnit unit) {
        List<ManifestUnit> us = new ArrayList<>(units);
        us.set(unit.seq(), unit);
        return new CampaignManifest(schemaVersion, campaignId, settings, resultsDir, source, createdAt, state,
                stateReason, pid, host, experiments, skipped, us, notes, slurm);
    }

    /**
     * This manifest with every unit replaced.
     *
     * @param all every unit, in {@code seq} order
     * @return a copy with those units
     */
    public CampaignManifest withUnits(List<ManifestUnit> all) {
        return new CampaignManifest(schemaVersion, campaignId, settings, resultsDir, source, createdAt, state,
                stateReason, pid, host, experiments, skipped, all, notes, slurm);
    }

    /**
     * This manifest with one more hand-over to Slurm.
     *
     * @param submission the new submission, added after the others
     * @return a copy with that submission
     */
    public CampaignManifest withSubmission(SlurmSubmission submission) {
        List<SlurmSubmission> s = new ArrayList<>(slurm);
        s.add(submission);
        return new CampaignManifest(schemaVersion, campaignId, settings, resultsDir, source, createdAt, state,
                stateReason, pid, host, experiments, skipped, units, notes, s);
    }

    /**
     * {@return the job ids of every hand-over to Slurm, oldest first: each worker array's and each aggregation job's}
     */
    public List<String> slurmJobIds() {
        List<String> ids = new ArrayList<>();
        for (SlurmSubmission s : slurm) {
            ids.add(s.arrayJobId());
            s.aggregateJobId().ifPresent(ids::add);
        }
        return ids;
    }

    /** {@return whether it was handed to Slurm: its units are claimed by workers and kept in {@code units/}} */
    public boolean clustered() {
        return !slurm.isEmpty();
    }

    /**
     * This manifest in another state, run by this process.
     *
     * @param s the new state
     * @param reason why it is interrupted or failed, when it is
     * @return a copy in that state, with this process's id and host
     */
    public CampaignManifest withState(CampaignState s, Optional<String> reason) {
        return new CampaignManifest(schemaVersion, campaignId, settings, resultsDir, source, createdAt, s, reason,
                ProcessHandle.current().pid(), dev.lem.env.EnvironmentCapture.hostName(), experiments, skipped, units,
                notes, slurm);
    }

    /**
     * The experiment with this label or name, if any.
     *
     * @param labelOrName the experiment's label or name
     * @return the experiment; empty when none has that label or name
     */
    public Optional<ManifestExperiment> experiment(String labelOrName) {
        return experiments.stream().filter(e -> e.label().equals(labelOrName)
                || e.config().name().filter(labelOrName::equals).isPresent()).findFirst();
    }

    @Override
    public String toString() {
        return "campaign " + displayName() + " (" + campaignId + "): " + state + ", " + experiments.size()
                + " experiment(s) x " + settings.cycles() + " cycle(s), " + count(UnitStatus.DONE) + " of " + units.size()
                + " units done" + (count(UnitStatus.FAILED) > 0 ? ", " + count(UnitStatus.FAILED) + " failed" : "");
    }
}
