package dev.lem.cli;

import dev.lem.config.ConfigResolver;
import dev.lem.config.ConfigSchema;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.Parameter;
import dev.lem.config.ValueSource;
import dev.lem.config.ValueType;
import dev.lem.results.ResultsJson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lem config validate|show|keys}. */
@Command(name = "config", description = "Check and inspect configuration files.",
        subcommands = {ConfigCommand.Validate.class, ConfigCommand.Show.class, ConfigCommand.Keys.class})
final class ConfigCommand extends ParentCommand {

    static ExperimentConfig resolve(Path file, List<String> overrides) {
        ConfigResolver r = ConfigResolver.withDefaults();
        if (file != null) {
            r.file(file);
        }
        overrides.forEach(r::override);
        return r.resolve();
    }

    /** {@code lem config validate <file>}. */
    @Command(name = "validate", description = "Check a config file; list every problem, one per line.")
    static final class Validate implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "CONFIG")
        Path file;

        @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "Override a value.")
        List<String> overrides = new ArrayList<>();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            ExperimentConfig c = resolve(file, overrides);
            long set = c.provenance().values().stream().filter(v -> v.kind() == ValueSource.Kind.FILE
                    || v.kind() == ValueSource.Kind.OVERRIDE || v.kind() == ValueSource.Kind.BUILDER).count();
            spec.commandLine().getOut().println(file + " is valid (" + set + " values set, the rest are defaults).");
            return 0;
        }
    }

    /** {@code lem config show [file]}. */
    @Command(name = "show", description = "Print the resolved configuration with where each value came from.")
    static final class Show implements Callable<Integer> {
        @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG")
        Path file;

        @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "Override a value.")
        List<String> overrides = new ArrayList<>();

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            ExperimentConfig c = resolve(file, overrides);
            Map<String, Object> values = c.toValues();
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>();
                values.forEach((k, v) -> out.put(k, Map.of("value", v, "source", c.sourceOf(k).toString())));
                spec.commandLine().getOut().println(ResultsJson.write(out));
                return 0;
            }
            Table t = new Table("key", "value", "source");
            for (Parameter p : ConfigSchema.parameters()) {
                if (p.type() == ValueType.MAP) {
                    values.keySet().stream().filter(k -> k.startsWith(p.path() + "."))
                            .forEach(k -> t.row(k, values.get(k), c.sourceOf(k)));
                    continue;
                }
                t.row(p.path(), values.containsKey(p.path()) ? values.get(p.path()) : "(unset)", c.sourceOf(p.path()));
            }
            spec.commandLine().getOut().print(t);
            return 0;
        }
    }

    /** {@code lem config keys}: generated from the schema. */
    @Command(name = "keys", description = "List every configuration key with its rule, default and meaning.")
    static final class Keys implements Callable<Integer> {
        @Option(names = "--markdown", description = "Print a Markdown table (for docs).")
        boolean markdown;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            var out = spec.commandLine().getOut();
            if (markdown) {
                out.println("# Configuration keys");
                out.println();
                out.println("Generated from `dev.lem.config.ConfigSchema` by `./lem config keys --markdown > "
                        + "docs/configuration.md`; do not edit by hand (`ConfigDocsTest` fails when this file and the "
                        + "schema disagree).");
                out.println();
                out.println("Keys are written as nested YAML sections (`batching: {batch_size: 4}`), as dotted keys "
                        + "(`batching.batch_size: 4`), as `--set batching.batch_size=4` on the command line, or as "
                        + "`Experiment.builder().set(\"batching.batch_size\", 4)` in code. A file can start from "
                        + "another with `_extends: base.yaml` (maps merge, lists are replaced).");
                out.println();
                out.println("| key | rule | default | unit | description |");
                out.println("|---|---|---|---|---|");
                for (Parameter p : ConfigSchema.parameters()) {
                    out.println("| `" + p.path() + "` | " + p.rule() + " | " + def(p) + " | " + p.unit() + " | "
                            + p.description().replace("|", "\\|") + " |");
                }
                return 0;
            }
            for (Parameter p : ConfigSchema.parameters()) {
                out.println(p.path() + "  (" + p.rule() + (p.unit().isEmpty() ? "" : ", " + p.unit()) + "; default "
                        + def(p) + ")");
                out.println("    " + p.description());
            }
            return 0;
        }

        private static String def(Parameter p) {
            return p.defaultValue() == null ? "unset" : String.valueOf(p.defaultValue());
        }
    }
}
