package dev.lem.cli;

import dev.lem.quality.QualityScore;
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
@Command(name = "results", description = "List, show, export and annotate results.",
        subcommands = {ResultsCommand.ListCmd.class, ResultsCommand.Show.class, ResultsCommand.Export.class,
            ResultsCommand.Annotate.class})
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

    /** {@code lem results annotate <id> quality.<name>=<value>...}. */
    @Command(name = "annotate", description = {"Attach quality scores from your own evaluation (accuracy, BLEU, ROUGE, "
            + "...) to an experiment: they are kept beside its measured figures and shown by `lem results show`, "
            + "`lem compare` and `lem report`. A score of a name already attached is replaced.",
        "Example: lem results annotate 20261205T101500Z-ab12 quality.accuracy=0.71 quality.rouge_l=0.43"})
    static final class Annotate implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "The experiment id (`lem results list`).")
        String id;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "quality.NAME=VALUE", description = "A score: "
                + "quality.<name>=<number>, the name in lower-case letters, digits and _ (e.g. quality.accuracy=0.71).")
        List<String> scores;

        @Option(names = "--note", paramLabel = "TEXT", description = "What the scores are, e.g. the evaluation and its "
                + "data set (recorded with each).")
        String note;

        @Mixin
        ResultsDirOption results;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            List<QualityScore> parsed = new ArrayList<>();
            java.time.Instant now = java.time.Instant.now();
            for (String a : scores) {
                parsed.add(parse(spec.commandLine(), a, note, now));
            }
            ResultsRepository repo = results.repository();
            ExperimentResult r = repo.annotate(ExperimentIds.require(id), parsed);
            var out = spec.commandLine().getOut();
            for (QualityScore q : parsed) {
                out.println("Attached " + q + " to " + r.id() + " (" + q.basis() + ").");
            }
            out.println(r.id() + " now has " + r.qualityScores().size() + " quality score"
                    + (r.qualityScores().size() == 1 ? "" : "s") + ": " + r.qualityScores().stream()
                    .map(QualityScore::toString).collect(java.util.stream.Collectors.joining(", ")));
            return 0;
        }

        /** {@return the score {@code quality.<name>=<value>} names}, or a parameter error naming what is wrong */
        static QualityScore parse(CommandLine cl, String arg, String note, java.time.Instant at) {
            int eq = arg.indexOf('=');
            if (eq < 0) {
                throw new CommandLine.ParameterException(cl, "\"" + arg + "\" is not quality.<name>=<value>: write "
                        + "e.g. quality.accuracy=0.71");
            }
            String key = arg.substring(0, eq).trim();
            String value = arg.substring(eq + 1).trim();
            if (!key.startsWith("quality.")) {
                throw new CommandLine.ParameterException(cl, "\"" + key + "\" (in " + arg + ") is not a quality "
                        + "score: scores are named quality.<name>, e.g. quality." + (key.isEmpty() ? "accuracy"
                        : key.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_")) + "=" + value);
            }
            String name = key.substring("quality.".length());
            if (name.equals("perplexity")) {
                throw new CommandLine.ParameterException(cl, "quality.perplexity is measured by LEM "
                        + "(quality.perplexity.dataset in the config), not attached: name your own score otherwise, "
                        + "e.g. quality.eval_perplexity=" + value);
            }
            if (!QualityScore.NAME.matcher(name).matches()) {
                throw new CommandLine.ParameterException(cl, "\"" + name + "\" (in " + arg + ") is not a score "
                        + "name: use lower-case letters, digits and _ starting with a letter, e.g. quality.rouge_l");
            }
            double v;
            try {
                v = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                throw new CommandLine.ParameterException(cl, "quality." + name + ": \"" + value + "\" is not a number: "
                        + "write the score as a decimal number, e.g. quality." + name + "=0.71");
            }
            if (!Double.isFinite(v)) {
                throw new CommandLine.ParameterException(cl, "quality." + name + ": " + value + " is not a finite "
                        + "number: give the score your evaluation reported, e.g. quality." + name + "=0.71");
            }
            return new QualityScore(name, v, note, at);
        }
    }
}
