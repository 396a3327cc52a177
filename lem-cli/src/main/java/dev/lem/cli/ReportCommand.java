package dev.lem.cli;

import dev.lem.report.Report;
import dev.lem.results.ResultsRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lem report <id>... [-o report.html]}: the self-contained HTML report. */
@Command(name = "report", description = {"Write one self-contained HTML report of experiments: summary with "
        + "intervals, warnings, power and telemetry over time, latency CDFs, per-cycle values; for several, each "
        + "metric per experiment, Pareto fronts, the lowest energy under a latency deadline, effects of the varied "
        + "settings. Works offline: no network request of any kind."})
final class ReportCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "ID", description = "Experiment ids (`lem results list`), or a campaign "
            + "id (`lem campaign list`) for all its experiments.")
    List<String> ids;

    @Option(names = "--all", description = "Every experiment in the results folder.")
    boolean all;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", defaultValue = "report.html",
            description = "The HTML file to write (default: ${DEFAULT-VALUE}).")
    Path output;

    @Option(names = "--title", paramLabel = "TEXT", description = "The report's title.")
    String title;

    @Option(names = "--no-effects", description = "Leave out the effects of the varied settings.")
    boolean noEffects;

    @Mixin
    ResultsDirOption results;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        boolean some = ids != null && !ids.isEmpty();
        if (some == all) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give experiment ids or --all (not both); `lem results list` shows the ids");
        }
        ResultsRepository repo = results.repository();
        // a campaign id stands for its experiments, in manifest order; its name becomes the title
        List<String> which = all ? repo.experimentIds() : CampaignCommand.expandCampaigns(ids, repo.root());
        if (title == null && !all && ids.size() == 1 && dev.lem.campaign.CampaignIds.valid(ids.get(0))) {
            title = "Campaign " + new dev.lem.campaign.ManifestStore(repo.root()).read(ids.get(0)).displayName();
        }
        if (which.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no experiments under " + repo.root());
        }
        Report report = Report.from(repo, which).withEffects(!noEffects);
        if (title != null) {
            report = report.withTitle(title);
        }
        long t0 = System.nanoTime();
        Path file = report.writeHtml(output);
        spec.commandLine().getOut().println(String.format(Locale.ROOT, "Report of %d experiment%s: %s (%.1f MB, %.1f s)",
                report.experiments().size(), report.experiments().size() == 1 ? "" : "s", file.toAbsolutePath(),
                Files.size(file) / 1e6, (System.nanoTime() - t0) / 1e9));
        report.experiments().stream().filter(r -> !r.isComplete()).forEach(r -> spec.commandLine().getErr().println(
                "lem: warning: " + r.id() + " is " + r.status().name().toLowerCase(Locale.ROOT) + " ("
                        + r.statusReason() + "); the report says so"));
        return 0;
    }
}
