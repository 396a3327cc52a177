package dev.lem.cli;

import dev.lem.Lem;
import dev.lem.spi.PluginReport;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code lem plugins}. */
@Command(name = "plugins", description = "List backends, energy meters, telemetry sources and FLOPs estimators, "
        + "and why any cannot run here.")
final class PluginsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Table t = new Table("kind", "name", "status", "artifact", "description / reason");
        List<PluginReport> reports = Lem.plugins();
        for (PluginReport p : reports) {
            t.row(p.kind(), p.name(), p.available() ? "available" : "unavailable", p.artifact(),
                    p.available() ? p.description() : p.reason());
        }
        if (t.isEmpty()) {
            spec.commandLine().getOut().println("No plug-ins found on the classpath (add lem-backend-djl, lem-nvml, ...).");
        } else {
            spec.commandLine().getOut().print(t);
        }
        for (PluginReport p : reports) {
            if (!p.details().isEmpty()) {
                spec.commandLine().getOut().println();
                spec.commandLine().getOut().println(p.kind() + " " + p.name() + ":");
                p.details().forEach(d -> spec.commandLine().getOut().println("  " + d));
            }
        }
        return 0;
    }
}
