package dev.lem.campaign;

import dev.lem.result.ExperimentResult;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a campaign measured: its manifest (every unit's status, waits and files), each experiment's aggregated
 * result (statistics over its cycles across the campaign), and the comparisons against the baseline.
 *
 * @param manifest    the manifest as it stands
 * @param experiments each experiment's aggregated result, in the campaign's order (experiments with no cycle
 *                    recorded are absent, and named in the warnings)
 * @param comparisons each experiment against the baseline on the headline metrics (empty without a baseline)
 * @param warnings    what the user should know (failed units, experiments without results)
 */
public record CampaignResult(CampaignManifest manifest, List<ExperimentResult> experiments,
        List<BaselineComparison> comparisons, List<String> warnings) {
    /**
     * Checks that the manifest is set and copies the lists.
     *
     * @param manifest the manifest as it stands
     * @param experiments each experiment's aggregated result, in the campaign's order
     * @param comparisons each experiment against the baseline on the headline metrics
     * @param warnings what the user should know
     */
    public CampaignResult {
        Objects.requireNonNull(manifest, "manifest");
        experiments = List.copyOf(experiments);
        comparisons = List.copyOf(comparisons);
        warnings = List.copyOf(warnings);
    }

    /** {@return the campaign's id} */
    public String id() {
        return manifest.campaignId();
    }

    /** {@return where the campaign stands} */
    public CampaignState state() {
        return manifest.state();
    }

    /** {@return whether every unit is done} */
    public boolean isComplete() {
        return manifest.state() == CampaignState.COMPLETE;
    }

    /**
     * The result of the experiment with this label (or name).
     *
     * @param label the experiment's label or name
     * @return the result; empty when no experiment has that label or it has no result
     */
    public Optional<ExperimentResult> experiment(String label) {
        return manifest.experiment(label).flatMap(e -> experiments.stream()
                .filter(r -> r.id().equals(e.experimentId())).findFirst());
    }

    @Override
    public String toString() {
        return manifest.toString();
    }
}
