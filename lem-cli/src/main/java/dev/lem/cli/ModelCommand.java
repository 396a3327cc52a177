package dev.lem.cli;

import picocli.CommandLine.Command;

/** {@code lem model inspect}. */
@Command(name = "model", description = "Facts about a model: architecture, parameters, memory, FLOPs per token.",
        subcommands = {ModelInspectCommand.class})
final class ModelCommand extends ParentCommand {
}
