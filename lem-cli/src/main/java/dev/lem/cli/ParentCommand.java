package dev.lem.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;

/** A command that only groups subcommands: run alone, it prints its usage. */
abstract class ParentCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }
}
