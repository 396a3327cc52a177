package dev.lem.cli;

import dev.lem.Experiment;
import dev.lem.ExperimentFailedException;
import dev.lem.result.ExperimentResult;
import dev.lem.results.ExperimentIds;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lem resume <experiment-id>}. */
@Command(name = "resume", description = "Run the missing cycles of an experiment that did not complete (interrupted, "
        + "failed or killed), in the same id, and aggregate it. For campaigns: lem campaign resume.")
final class ResumeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "The experiment id (lem results list shows them).")
    String id;

    @Mixin
    ResultsDirOption results;

    @Option(names = {"-q", "--quiet"}, description = "No progress.")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        ExperimentResult r;
        try (ProgressDisplay display = ProgressDisplay.open(quiet, err, "lem resume")) {
            r = Experiment.resume(results.dir, ExperimentIds.require(id), display.messages(), display.updates());
        } catch (ExperimentFailedException e) {
            e.partialResult().ifPresent(p -> out.print(ResultView.summary(p, results.dir)));
            out.flush();
            throw e;
        }
        out.print(ResultView.summary(r, results.dir));
        return 0;
    }
}
