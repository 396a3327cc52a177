package dev.lem.cli;

import dev.lem.result.ExperimentResult;
import dev.lem.result.ProcessResult;
import dev.lem.result.RunSetup;
import dev.lem.results.CsvExport;
import dev.lem.results.ExperimentIds;
import dev.lem.results.ExperimentOverview;
import dev.lem.results.ResultsException;
import dev.lem.results.ResultsJson;
import dev.lem.results.ResultsRepository;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lem results list|show|export}. */
@Command(name = "results", description = "List, show and export results.",
        subcommands = {ResultsCommand.ListCmd.class, ResultsCommand.Show.class, ResultsCommand.Export.class})
final class ResultsCommand extends ParentCommand {

    /** The aggregated result, (re)aggregating the raw files first when it is missing or out of date. */
    static ExperimentResult load(ResultsRepository repo, String id) {
        return repo.current(ExperimentIds.require(id));
    }

    /** {@code lem results list}. */
    @Command(name = "list", description = "One line per experiment.")
    static final class ListCmd implements Callable<Integer> {
        @Mixin
        ResultsDirOption results;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            ResultsRepository repo = results.repository();
            Table t = new Table("id", "name", "model", "backend", "cycles", "status");
            for (String id : repo.experimentIds()) {
                try {
                    ExperimentOverview o = repo.overview(id);
                    t.row(id, o.name(), o.model(), o.backend(), o.cycles() + " of " + o.plannedCycles(),
                            ResultView.status(o.status(), o.reason(), 70));
                } catch (ResultsException e) {
                    t.row(id, "", "", "", "", "unreadable: " + abbreviate(e.getMessage()));
                    spec.commandLine().getErr().println("lem: warning: " + e.getMessage());
                }
            }
            var out = spec.commandLine().getOut();
            if (t.isEmpty()) {
                out.println("No results under " + repo.root() + ".");
            } else {
                out.print(t);
            }
            return 0;
        }

        private static String abbreviate(String s) {
            return s.length() > 60 ? s.substring(0, 57) + "..." : s;
        }
    }

    /** {@code lem results show <id>}. */
    @Command(name = "show", description = "Show one experiment's summary (or its raw per-cycle files).")
    static final class Show implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Option(names = "--raw", description = "Show the raw per-process, per-cycle results.")
        boolean raw;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Mixin
        ResultsDirOption results;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            ResultsRepository repo = results.repository();
            var out = spec.commandLine().getOut();
            if (raw) {
                List<ProcessResult> prs = repo.readProcessResults(ExperimentIds.require(id));
                if (json) {
                    out.println(ResultsJson.write(prs));
                    return 0;
                }
                Table t = new Table("cycle", "rank", "host", "requests", "failed", "output tokens", "duration s",
                        "energy J", "file");
                for (ProcessResult p : prs) {
                    t.row(p.cycle(), p.rank(), p.host(), p.requests().size(),
                            p.requests().stream().filter(r -> !r.ok()).count(),
                            p.requests().stream().mapToLong(r -> r.outputTokens()).sum(),
                            ResultView.num(p.durationNanos() / 1e9),
                            p.energy().map(e -> ResultView.num(e.totalJoules())).orElse("n/a"),
                            "raw/" + id + "/cycle_" + p.cycle() + "/process_" + p.rank() + ".json");
                }
                out.print(t);
                return 0;
            }
            ExperimentResult r = load(repo, id);
            out.print(json ? ResultsJson.write(r) + "\n" : ResultView.summary(r, repo.root()));
            return 0;
        }
    }

    /** {@code lem results export --csv}. */
    @Command(name = "export", description = "Export every aggregated experiment: one row each, or with --tidy one row "
            + "per experiment and metric.")
    static final class Export implements Callable<Integer> {
        @Option(names = "--csv", required = true, description = "CSV (the only format so far).")
        boolean csv;

        @Option(names = "--tidy", description = "Long (tidy) CSV: one row per experiment and metric, with mean, "
                + "interval, method, unit and basis, for pandas and R (default: one wide row per experiment).")
        boolean tidy;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to a file instead of stdout.")
        Path output;

        @Mixin
        ResultsDirOption results;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            ResultsRepository repo = results.repository();
            List<ExperimentResult> all = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            for (String id : repo.experimentIds()) {
                try {
                    all.add(load(repo, id));
                } catch (ResultsException e) {
                    skipped.add(id + ": " + e.getMessage());
                }
            }
            String text = tidy ? CsvExport.toTidyCsv(all) : CsvExport.toCsv(all);
            if (output != null) {
                ResultsRepository.writeAtomically(output, text);
                spec.commandLine().getOut().println("Wrote " + all.size() + " experiment(s) to " + output);
            } else {
                spec.commandLine().getOut().print(text);
            }
            skipped.forEach(s -> spec.commandLine().getErr().println("lem: warning: skipped " + s));
            return 0;
        }
    }
}
