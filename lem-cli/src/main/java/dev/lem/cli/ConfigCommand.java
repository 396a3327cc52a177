package dev.lem.cli;

import dev.lem.Experiment;
import dev.lem.Lem;
import dev.lem.config.BackendScope;
import dev.lem.config.ConfigSchema;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.Parameter;
import dev.lem.config.ValueSource;
import dev.lem.config.ValueType;
import dev.lem.results.ResultsJson;
import dev.lem.spi.BackendDescription;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lem config validate|show|keys|parameters}. */
@Command(name = "config", description = "Check and inspect configuration files.",
        subcommands = {ConfigCommand.Validate.class, ConfigCommand.Show.class, ConfigCommand.Keys.class,
                ParametersCommand.class})
final class ConfigCommand extends ParentCommand {

    /**
     * The experiment a file and overrides describe, validated as a whole exactly as {@code lem run} does it
     * (core keys, the backend's options, carbon settings, the prompt file); its warnings go to {@code err}.
     */
    static Experiment experiment(Path file, List<String> overrides, PrintWriter err) {
        Experiment.Builder b = file == null ? Experiment.builder() : Experiment.fromConfig(file, overrides);
        if (file == null) {
            overrides.forEach(b::override);
        }
        Experiment e = b.build();
        e.warnings().forEach(w -> err.println("lem: warning: " + w));
        err.flush();
        return e;
    }

    /** {@code lem config validate <file>}. */
    @Command(name = "validate", description = "Check a config file (with any overrides) exactly as `lem run` would; "
            + "list every problem, one per line, and every key that has no effect on the chosen backend.")
    static final class Validate implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "CONFIG")
        Path file;

        @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "Override a value.")
        List<String> overrides = new ArrayList<>();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            ExperimentConfig c = experiment(file, overrides, spec.commandLine().getErr()).config();
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
            ExperimentConfig c = experiment(file, overrides, spec.commandLine().getErr()).config();
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
                            .forEach(k -> t.row(k, Parameter.display(values.get(k)), c.sourceOf(k)));
                    continue;
                }
                t.row(p.path(), values.containsKey(p.path()) ? Parameter.display(values.get(p.path())) : "(unset)",
                        c.sourceOf(p.path()));
            }
            spec.commandLine().getOut().print(t);
            return 0;
        }
    }

    /** {@code lem config keys}: generated from the declarations. */
    @Command(name = "keys", description = "List every configuration key with its rule, default, unit, the backends it "
            + "applies to and its meaning; with --backend, the keys that apply to that backend and its own options.")
    static final class Keys implements Callable<Integer> {
        @Option(names = "--markdown", description = "Print Markdown (docs/configuration.md is this output).")
        boolean markdown;

        @Option(names = "--backend", paramLabel = "NAME", description = "Only the keys that apply to this backend, "
                + "and its options.")
        String backend;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Optional<BackendDescription> only = Optional.empty();
            if (backend != null) {
                only = Lem.backend(backend);
                if (only.isEmpty()) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--backend: no backend named \""
                            + backend + "\" (backends: " + String.join(", ", Lem.backends().stream()
                            .map(BackendDescription::name).toList()) + ")");
                }
            }
            if (markdown) {
                markdown(out, only);
            } else {
                text(out, only);
            }
            return 0;
        }

        private static boolean applies(Parameter p, Optional<BackendDescription> only) {
            return only.isEmpty() || p.appliesTo() == BackendScope.MANAGED_SERVER && !only.get().inProcess()
                    || p.appliesTo().applies(only.get().inProcess(), false);
        }

        private static void text(PrintWriter out, Optional<BackendDescription> only) {
            only.ifPresent(b -> out.println("Keys that apply to backend " + b.name() + " ("
                    + (b.inProcess() ? "in-process" : "served") + "), then its options:\n"));
            for (Parameter p : ConfigSchema.parameters()) {
                if (!applies(p, only) || (only.isPresent() && p.path().equals("options"))) {
                    continue;
                }
                out.println(p.path() + "  (" + p.rule() + (p.unit().isEmpty() ? "" : ", " + p.unit()) + "; default "
                        + p.defaultText() + ")");
                out.println("    " + p.description());
                if (p.appliesTo() != BackendScope.ALL) {
                    out.println("    applies to: " + p.appliesTo().display());
                }
            }
            only.ifPresent(b -> {
                out.println("\nOptions of backend " + b.name() + " (under options:):");
                if (b.options().isEmpty()) {
                    out.println("  (none)");
                }
                for (Parameter p : b.options()) {
                    out.println(p.path() + "  (" + p.rule() + (p.unit().isEmpty() ? "" : ", " + p.unit())
                            + "; default " + p.defaultText() + ")");
                    out.println("    " + p.description());
                }
            });
        }

        private static void markdown(PrintWriter out, Optional<BackendDescription> only) {
            out.println("# Configuration keys");
            out.println();
            out.println("Generated from the `@Key` declarations on `dev.lem.config.ExperimentConfig` and its section "
                    + "records (the one place each key is written) and from the options each backend declares, by "
                    + "`./lem config keys --markdown > docs/configuration.md`; do not edit by hand (`ConfigDocsTest` "
                    + "fails when this file and the declarations disagree).");
            out.println();
            out.println("Keys are written as nested YAML sections (`batching: {batch_size: 4}`), as dotted keys "
                    + "(`batching.batch_size: 4`), as `--set batching.batch_size=4` on the command line, or as "
                    + "`Experiment.builder().set(\"batching.batch_size\", 4)` in code. A file can start from another in "
                    + "its own folder tree with `_extends: base.yaml` (maps merge, lists are replaced). A file and its "
                    + "overrides are validated together, as a whole, before anything runs.");
            out.println();
            out.println("**Applies to** says which backends a key has an effect on; setting one for another backend "
                    + "is accepted with a warning that names the key and the backend (`lem config validate` shows it). "
                    + "A backend's own settings go under `options:` and are checked against the options it declares "
                    + "(below); engine arguments LEM does not model go under `extra:` and are passed to a managed "
                    + "server verbatim.");
            out.println();
            out.println("| key | rule | default | unit | applies to | description |");
            out.println("|---|---|---|---|---|---|");
            for (Parameter p : ConfigSchema.parameters()) {
                if (applies(p, only)) {
                    out.println(row(p, p.appliesTo().display()));
                }
            }
            List<String> choices = new ArrayList<>();
            for (Parameter p : ConfigSchema.parameters()) {
                if (p.type() == ValueType.CHOICE && p.choiceDescriptions().values().stream().anyMatch(d -> !d.isEmpty())) {
                    StringBuilder s = new StringBuilder("- `" + p.path() + "`: ");
                    List<String> parts = new ArrayList<>();
                    p.choiceDescriptions().forEach((w, d) -> parts.add("`" + w + "` " + d));
                    choices.add(s.append(String.join("; ", parts)).toString());
                }
            }
            if (!choices.isEmpty()) {
                out.println();
                out.println("## Choices");
                out.println();
                choices.forEach(out::println);
            }
            List<BackendDescription> backends = only.map(List::of).orElseGet(Lem::backends);
            for (BackendDescription b : backends) {
                if (b.artifact().endsWith("test-jar")) {
                    continue;
                }
                out.println();
                out.println("## Options of backend `" + b.name() + "`");
                out.println();
                out.println((b.inProcess() ? "In-process" : "Served") + " backend (" + b.description()
                        + "), from `" + b.artifact() + "`. "
                        + (b.options().isEmpty() ? "It declares no options." : "Set under `options:`."));
                if (!b.options().isEmpty()) {
                    out.println();
                    out.println("| key | rule | default | unit | description |");
                    out.println("|---|---|---|---|---|");
                    for (Parameter p : b.options()) {
                        out.println("| `" + p.path() + "` | " + p.rule().replace("|", "\\|") + " | " + p.defaultText() + " | " + p.unit()
                                + " | " + p.description().replace("|", "\\|") + " |");
                    }
                }
            }
        }

        private static String row(Parameter p, String applies) {
            return "| `" + p.path() + "` | " + p.rule().replace("|", "\\|") + " | " + p.defaultText() + " | " + p.unit() + " | " + applies
                    + " | " + p.description().replace("|", "\\|") + " |";
        }
    }
}
