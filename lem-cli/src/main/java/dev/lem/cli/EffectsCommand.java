package dev.lem.cli;

import dev.lem.Metric;
import dev.lem.report.Effects;
import dev.lem.result.ExperimentResult;
import dev.lem.results.ResultsRepository;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lem effects <id>... [--metric M]...}: what each varied setting does to a metric. */
@Command(name = "effects", description = {"What drives a metric across experiments that vary settings (a grid): the "
        + "effect of each varied key and of pairs of them, as ratios with intervals (least squares on the log of the "
        + "per-cycle values), ranked; warns when the grid cannot separate them."})
final class EffectsCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "ID", description = "Experiment ids (`lem results list`), or a campaign "
            + "id (`lem campaign list`) for all its experiments.")
    List<String> ids;

    @Option(names = "--all", description = "Every experiment in the results folder.")
    boolean all;

    @Option(names = "--metric", paramLabel = "METRIC", converter = MetricConverter.class, description = "A metric "
            + "(repeat for several; default: energy_per_output_token_j, output_tokens_per_s, tpot_mean_ms).")
    List<Metric> metrics;

    @Mixin
    ResultsDirOption results;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        boolean some = ids != null && !ids.isEmpty();
        if (some == all) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give experiment ids or --all (not both)");
        }
        ResultsRepository repo = results.repository();
        List<ExperimentResult> rs = new ArrayList<>();
        for (String id : new LinkedHashSet<>(all ? repo.experimentIds()
                : CampaignCommand.expandCampaigns(ids, repo.root()))) {
            rs.add(ResultsCommand.load(repo, id));
        }
        if (rs.size() < 2) {
            throw new CommandLine.ParameterException(spec.commandLine(), "effects need at least two experiments that "
                    + "differ in a setting (got " + rs.size() + ")");
        }
        List<Metric> ms = metrics == null || metrics.isEmpty() ? List.of(Metric.ENERGY_PER_OUTPUT_TOKEN_J,
                Metric.OUTPUT_TOKENS_PER_S, Metric.TPOT_MEAN_MS) : metrics;
        for (Metric m : ms) {
            spec.commandLine().getOut().println(Effects.of(rs, m).toText());
        }
        return 0;
    }
}
