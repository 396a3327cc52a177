package dev.lem.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code lem model inspect}. */
@Command(name = "model", description = "Facts about a model: architecture, parameters, memory, FLOPs per token.",
        subcommands = {ModelInspectCommand.class})
final class ModelCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }
}
