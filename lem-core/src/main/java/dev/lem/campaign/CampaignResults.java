package dev.lem.campaign;

import dev.lem.Metric;
import dev.lem.result.ExperimentResult;
import dev.lem.result.SummaryCalculator;
import dev.lem.results.ResultsException;
import dev.lem.results.ResultsRepository;
import dev.lem.stats.Comparison;
import dev.lem.stats.CycleSample;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Assembles a campaign's result from its manifest and its experiments' files, and writes its CSV tables. */
public final class CampaignResults {
    /** The metrics each experiment is compared on against the baseline (where both have them). */
    public static final List<Metric> COMPARED = List.of(Metric.ENERGY_PER_OUTPUT_TOKEN_J, Metric.OUTPUT_TOKENS_PER_S,
            Metric.TTFT_MEAN_MS, Metric.E2E_MEAN_MS);

    private CampaignResults() {
    }

    /**
     * Aggregates every experiment that recorded cycles (so the statistics are over its cycles across the
     * campaign), compares each with the baseline, and writes {@code experiments.csv} and {@code units.csv} next to
     * the manifest (and, for a campaign handed to Slurm, {@code nodes.csv}: {@link NodeEnergy}).
     *
     * @param manifest the campaign's manifest
     * @param store the campaigns of the results folder
     * @return the campaign's result
     */
    public static CampaignResult assemble(CampaignManifest manifest, ManifestStore store) {
        ResultsRepository repo = new ResultsRepository(store.resultsDir());
        List<ExperimentResult> results = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (ManifestExperiment e : manifest.experiments()) {
            boolean anyDone = manifest.units().stream().anyMatch(u -> u.experiment() == e.index()
                    && u.status() != UnitStatus.PENDING);
            if (!anyDone || !java.nio.file.Files.isDirectory(repo.rawDirectory(e.experimentId()))
                    || repo.readSetups(e.experimentId()).isEmpty()) {
                warnings.add(e.label() + ": no cycle recorded yet");
                continue;
            }
            try {
                results.add(repo.aggregate(e.experimentId()));
            } catch (ResultsException ex) {
                warnings.add(e.label() + ": cannot be aggregated: " + ex.getMessage());
            }
        }
        manifest.units().stream().filter(u -> u.status() == UnitStatus.FAILED).forEach(u -> warnings.add(
                manifest.experiments().get(u.experiment()).label() + ": cycle " + (u.cycle() + 1) + " failed after "
                        + u.attempts() + " attempt(s): " + u.failure().orElse("")));
        List<BaselineComparison> comparisons = new ArrayList<>();
        Optional<ManifestExperiment> base = manifest.settings().baseline().flatMap(manifest::experiment);
        Optional<ExperimentResult> baseResult = base.flatMap(b -> results.stream()
                .filter(r -> r.id().equals(b.experimentId())).findFirst());
        if (base.isPresent() && baseResult.isEmpty()) {
            warnings.add("baseline " + base.get().label() + " has no results: no comparisons");
        }
        if (baseResult.isPresent()) {
            for (ManifestExperiment e : manifest.experiments()) {
                Optional<ExperimentResult> r = results.stream().filter(x -> x.id().equals(e.experimentId()))
                        .findFirst();
                if (e.index() == base.get().index() || r.isEmpty()) {
                    continue;
                }
                for (Metric m : COMPARED) {
                    Optional<CycleSample> a = SummaryCalculator.sample(baseResult.get(), m);
                    Optional<CycleSample> b = SummaryCalculator.sample(r.get(), m);
                    if (a.isPresent() && b.isPresent()) {
                        comparisons.add(new BaselineComparison(base.get().label(), e.label(), m, Comparison.of(a.get(),
                                b.get(), baseResult.get().config().stats().intervals(),
                                baseResult.get().config().seed() + m.ordinal())));
                    }
                }
            }
        }
        CampaignResult result = new CampaignResult(manifest, results, comparisons, warnings);
        ResultsRepository.writeAtomically(store.folder(manifest.campaignId()).resolve("experiments.csv"),
                CampaignCsv.experiments(result));
        ResultsRepository.writeAtomically(store.folder(manifest.campaignId()).resolve("units.csv"),
                CampaignCsv.units(result));
        if (manifest.clustered()) {
            ResultsRepository.writeAtomically(store.folder(manifest.campaignId()).resolve("nodes.csv"),
                    NodeEnergy.csv(manifest, repo));
        }
        return result;
    }
}
