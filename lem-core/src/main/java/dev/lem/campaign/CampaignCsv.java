package dev.lem.campaign;

import dev.lem.result.CycleResult;
import dev.lem.result.ExperimentResult;
import dev.lem.results.CsvExport;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A campaign as CSV for pandas or R: one row per experiment (its grid values, then every metric with its interval,
 * method and basis, as {@link CsvExport}), and one row per unit (status, attempts, times, the wait before it, and
 * its cycle's main figures, where it ran and the units it shared its node with). Units are in the column names; absent
 * figures are empty cells, never 0.
 */
public final class CampaignCsv {
    private CampaignCsv() {
    }

    /**
     * One row per experiment.
     *
     * @param result the campaign's result
     * @return the CSV text, a header row first
     */
    public static String experiments(CampaignResult result) {
        CampaignManifest m = result.manifest();
        Set<String> varied = new LinkedHashSet<>();
        m.experiments().forEach(e -> varied.addAll(e.varied().keySet()));
        List<String> header = new ArrayList<>(List.of("campaign_id", "experiment_index", "label", "units_done",
                "units_failed"));
        varied.forEach(k -> header.add("vary." + k));
        header.addAll(CsvExport.columns());
        StringBuilder sb = new StringBuilder(String.join(",", header)).append('\n');
        for (ManifestExperiment e : m.experiments()) {
            Optional<ExperimentResult> r = result.experiments().stream()
                    .filter(x -> x.id().equals(e.experimentId())).findFirst();
            List<String> row = new ArrayList<>(List.of(m.campaignId(), Integer.toString(e.index()), e.label(),
                    Long.toString(units(m, e.index(), UnitStatus.DONE)),
                    Long.toString(units(m, e.index(), UnitStatus.FAILED))));
            varied.forEach(k -> row.add(e.varied().containsKey(k) ? String.valueOf(e.varied().get(k)) : ""));
            if (r.isPresent()) {
                row.addAll(CsvExport.row(r.get()));
            } else {
                row.add(e.experimentId());
                while (row.size() < header.size()) {
                    row.add("");
                }
            }
            sb.append(String.join(",", row.stream().map(CsvExport::quote).toList())).append('\n');
        }
        return sb.toString();
    }

    private static long units(CampaignManifest m, int experiment, UnitStatus s) {
        return m.units().stream().filter(u -> u.experiment() == experiment && u.status() == s).count();
    }

    /** The columns of {@link #units(CampaignResult)}. */
    public static final List<String> UNIT_COLUMNS = List.of("campaign_id", "seq", "round", "experiment_index", "label",
            "experiment_id", "cycle", "status", "attempts", "started_at", "ended_at", "duration_s", "gap_waited_s",
            "gap_note", "loaded_model", "warmed_up", "throttle", "failure", "requests", "failed_requests",
            "output_tokens", "output_tokens_per_s", "ttft_mean_ms", "energy_j", "node", "slurm_task", "devices",
            "shared_node_with");

    /**
     * One row per unit, in run order.
     *
     * @param result the campaign's result
     * @return the CSV text, a header row first
     */
    public static String units(CampaignResult result) {
        CampaignManifest m = result.manifest();
        StringBuilder sb = new StringBuilder(String.join(",", UNIT_COLUMNS)).append('\n');
        for (ManifestUnit u : m.units()) {
            ManifestExperiment e = m.experiments().get(u.experiment());
            Optional<CycleResult> cycle = u.status() == UnitStatus.PENDING ? Optional.empty()
                    : result.experiments().stream().filter(x -> x.id().equals(e.experimentId())).findFirst()
                            .flatMap(r -> r.cycles().stream().filter(c -> c.cycle() == u.cycle()).findFirst());
            List<String> row = new ArrayList<>(List.of(m.campaignId(), Integer.toString(u.seq()),
                    Integer.toString(u.round()), Integer.toString(u.experiment()), e.label(), e.experimentId(),
                    Integer.toString(u.cycle()), u.status().toString(), Integer.toString(u.attempts()),
                    u.startedAt().map(Object::toString).orElse(""), u.endedAt().map(Object::toString).orElse(""),
                    u.durationS().map(CampaignCsv::num).orElse(""), num(u.gapWaitedS()), u.gapNote().orElse(""),
                    Boolean.toString(u.loadedModel()), Boolean.toString(u.warmedUp()), String.join(" ", u.throttle()),
                    u.failure().orElse("")));
            row.add(cycle.map(c -> Long.toString(c.metrics().requests())).orElse(""));
            row.add(cycle.map(c -> Long.toString(c.metrics().failed())).orElse(""));
            row.add(cycle.map(c -> Long.toString(c.metrics().outputTokens())).orElse(""));
            row.add(cycle.map(c -> num(c.metrics().outputTokensPerS())).orElse(""));
            row.add(cycle.flatMap(c -> c.metrics().ttftMs()).map(d -> num(d.mean())).orElse(""));
            row.add(cycle.flatMap(CycleResult::energy).map(x -> num(x.totalJoules())).orElse(""));
            row.add(u.placement().map(dev.lem.env.Placement::node).orElse(""));
            row.add(u.placement().flatMap(dev.lem.env.Placement::slurmTask).orElse(""));
            row.add(u.placement().map(dev.lem.env.Placement::devices).orElse(""));
            row.add(NodeEnergy.sharedNodeWith(m, u).stream().map(String::valueOf).collect(
                    java.util.stream.Collectors.joining(" ")));
            sb.append(String.join(",", row.stream().map(CsvExport::quote).toList())).append('\n');
        }
        return sb.toString();
    }

    private static String num(double v) {
        return Double.toString(v);
    }
}
