package dev.lem.cli;

import dev.lem.Experiment;
import dev.lem.ExperimentFailedException;
import dev.lem.result.ExperimentResult;
import dev.lem.results.ResultsJson;
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
        Experiment.Builder b = config == null ? Experiment.builder() : Experiment.fromConfig(config);
        overrides.forEach(b::override);
        var err = spec.commandLine().getErr();
        if (!quiet) {
            b.onProgress(m -> {
                err.println("lem: " + m);
                err.flush();
            });
        }
        Experiment e = b.build();
        var out = spec.commandLine().getOut();
        try {
            if (!e.config().traffic().sweep().isEmpty()) {
                List<ExperimentResult> all = e.measureSweep();
                if (json) {
                    out.println(ResultsJson.write(all));
                } else {
                    all.forEach(r -> out.println(ResultView.summary(r, Path.of(e.config().resultsDir()))));
                    out.print(ResultView.sweep(all));
                }
                out.flush();
                return 0;
            }
            ExperimentResult r = e.measure();
            out.print(json ? ResultsJson.write(r) + "\n" : ResultView.summary(r, Path.of(e.config().resultsDir())));
            out.flush();
            return 0;
        } catch (ExperimentFailedException ex) {
            ex.partialResult().ifPresent(r -> out.print(ResultView.summary(r, Path.of(e.config().resultsDir()))));
            out.flush();
            throw ex;
        }
    }
}
