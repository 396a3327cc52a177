package dev.lem.cli;

import dev.lem.results.ResultsRepository;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --results-dir} option shared by commands that read results. */
final class ResultsDirOption {
    @Option(names = "--results-dir", paramLabel = "DIR", defaultValue = "results",
            description = "Results directory (default: ${DEFAULT-VALUE}).")
    Path dir;

    ResultsRepository repository() {
        return new ResultsRepository(dir);
    }
}
