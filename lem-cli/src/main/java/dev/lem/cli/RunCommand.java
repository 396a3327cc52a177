package dev.lem.cli;

import dev.lem.Experiment;
import dev.lem.ExperimentFailedException;
import dev.lem.result.ExperimentResult;
import dev.lem.config.ExperimentConfig;
import dev.lem.results.ResultsJson;
import dev.lem.workload.TrafficSweep;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lem run [config] [--set key=value ...]}. */
@Command(name = "run", description = "Run an experiment from a YAML/JSON config (or the defaults) and print its summary.",
        footer = {"", "Every configuration key, its rule and default: lem config keys"})
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG", description = "YAML or JSON config file.")
    Path config;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE",
            description = "Override a config value, e.g. --set cycles=3 --set batching.batch_size=8.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--json", description = "Print the aggregated result as JSON instead of the table.")
    boolean json;

    @Option(names = {"-q", "--quiet"}, description = "No progress messages.")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var err = spec.commandLine().getErr();
        Experiment.Builder b = config == null ? Experiment.builder() : Experiment.fromConfig(config, overrides);
        if (config == null) {
            overrides.forEach(b::override);
        }
        ProgressDisplay display = ProgressDisplay.open(quiet, err, "lem run");
        b.onProgress(display.messages()).onProgressUpdate(display.updates());
        Experiment e = b.build();
        if (config == null) {
            err.println("lem: no config file given: running the built-in defaults" + (overrides.isEmpty() ? ""
                    : " with your --set overrides") + " (" + describe(e.config()) + "); give a file for your own "
                    + "settings (see configs/quickstart.yaml)");
        }
        e.warnings().forEach(w -> err.println("lem: warning: " + w));
        err.flush();
        var out = spec.commandLine().getOut();
        boolean sweep = TrafficSweep.isSweep(e.config());
        List<ExperimentResult> all;
        try (display) { // the bar is gone before the summary prints
            all = sweep ? e.measureSweep() : List.of(e.measure());
        } catch (ExperimentFailedException ex) {
            ex.partialResult().ifPresent(r -> out.print(ResultView.summary(r, Path.of(e.config().resultsDir()))));
            out.flush();
            throw ex;
        }
        if (json) {
            out.println(sweep ? ResultsJson.write(all) : ResultsJson.write(all.get(0)));
        } else {
            all.forEach(r -> out.print(ResultView.summary(r, Path.of(e.config().resultsDir()))));
            if (sweep) {
                out.print(ResultView.sweep(all));
            }
        }
        out.flush();
        return 0;
    }

    private static String describe(ExperimentConfig d) {
        return d.model() + " on " + d.backend() + ", " + d.device() + ", " + d.prompts().limit() + " prompts x "
                + d.cycles() + " cycles";
    }
}
