package dev.lem.cli;

import dev.lem.results.ResultsException;
import dev.lem.results.ResultsRepository;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lem aggregate <id>|--all}. */
@Command(name = "aggregate", description = "(Re)aggregate raw results into results/aggregated/<id>.json.")
final class AggregateCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "ID")
    String id;

    @Option(names = "--all", description = "Every experiment with raw results.")
    boolean all;

    @Option(names = "--skip-corrupt", description = "Leave out per-cycle files that cannot be read (each is named in "
            + "the warnings, and its cycle reported missing) instead of failing.")
    boolean skipCorrupt;

    @Mixin
    ResultsDirOption results;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if ((id == null) == !all) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give an experiment id or --all (not both)");
        }
        ResultsRepository repo = results.repository();
        List<String> ids = all ? repo.experimentIds() : List.of(id);
        int failed = 0;
        for (String x : ids) {
            try {
                var r = repo.aggregate(x, skipCorrupt);
                spec.commandLine().getOut().println(x + ": " + r.cycles().size() + " cycle(s), "
                        + ResultView.status(r.status(), r.statusReason(), 200) + " -> " + repo.aggregatedFile(x));
                r.warnings().stream().filter(w -> w.startsWith("left out, unreadable") || w.contains("have no results"))
                        .forEach(w -> spec.commandLine().getErr().println("lem: warning: " + w));
            } catch (ResultsException e) {
                if (!all) {
                    throw e;
                }
                failed++;
                spec.commandLine().getErr().println("lem: " + x + ": " + e.getMessage());
            }
        }
        return failed == 0 ? 0 : LemCommand.EXIT_FAILED;
    }
}
