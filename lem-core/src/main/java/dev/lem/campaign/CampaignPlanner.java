package dev.lem.campaign;

import dev.lem.LemException;
import dev.lem.config.BackendScope;
import dev.lem.config.ConfigException;
import dev.lem.config.ConfigResolver;
import dev.lem.config.ConfigSchema;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.Option;
import dev.lem.config.Parameter;
import dev.lem.config.ValueSource;
import dev.lem.spi.BackendProvider;
import dev.lem.spi.Plugins;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns a {@link CampaignDefinition} into the experiments to run. The grid is the product of the {@code vary}
 * lists, first key slowest, and it is <b>backend-aware</b>: a varied key is expanded only for the backends it has an
 * effect on (a batching key for in-process backends, traffic keys for served ones, {@code options.<name>} for the
 * backends that declare that option), so no two experiments differ only in a key their backend ignores — such a
 * combination is listed as a duplicate of the one kept. A combination whose configuration fails validation is
 * listed with the reason. Nothing is dropped silently.
 */
public final class CampaignPlanner {
    private static final java.util.regex.Pattern INAPPLICABLE = java.util.regex.Pattern.compile(
            "^(\\S+) has no effect on backend ");

    private CampaignPlanner() {
    }

    /** Checks one experiment's configuration as a lone experiment would be checked before it runs. */
    @FunctionalInterface
    public interface Validator {
        /**
         * Validates one experiment's configuration.
         *
         * @param resolver the experiment's settings, not yet validated
         * @return the validated configuration and its warnings
         * @throws ConfigException naming every problem
         */
        Validated validate(ConfigResolver resolver);
    }

    /**
     * A validated configuration.
     *
     * @param config   the configuration
     * @param warnings keys set that have no effect on its backend, and the like
     */
    public record Validated(ExperimentConfig config, List<String> warnings) {
    }

    /**
     * One experiment to run.
     *
     * @param label    a short unique name: the grid values ({@code backend=djl batching.batch_size=4}) or the config
     *                 file's name
     * @param varied   the grid values (empty for a listed config)
     * @param source   {@code grid} or the config file
     * @param config   its validated configuration (campaign settings applied: cycles, results folder)
     * @param warnings what its validation warned about
     */
    public record PlannedExperiment(String label, Map<String, Object> varied, String source, ExperimentConfig config,
            List<String> warnings) {
        /**
         * Copies the grid values, keeping their order, and the warnings.
         *
         * @param label a short unique name
         * @param varied the grid values
         * @param source {@code grid} or the config file
         * @param config its validated configuration
         * @param warnings what its validation warned about
         */
        public PlannedExperiment {
            varied = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(varied));
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * The experiments of a campaign, before it runs: what {@code lem campaign grid} previews.
     *
     * @param settings    the campaign's settings
     * @param resultsDir  the results folder of every experiment (absolute)
     * @param experiments the experiments to run, in order
     * @param skipped     combinations not run, with the reason
     * @param notes       what the planner did that the user should know
     */
    public record Plan(CampaignSettings settings, Path resultsDir, List<PlannedExperiment> experiments,
            List<SkippedCombination> skipped, List<String> notes) {
        /**
         * Copies the lists.
         *
         * @param settings the campaign's settings
         * @param resultsDir the results folder of every experiment (absolute)
         * @param experiments the experiments to run, in order
         * @param skipped combinations not run, with the reason
         * @param notes what the planner did that the user should know
         */
        public Plan {
            experiments = List.copyOf(experiments);
            skipped = List.copyOf(skipped);
            notes = List.copyOf(notes);
        }

        /** {@return the number of units the campaign runs: experiments x cycles} */
        public int units() {
            return experiments.size() * settings.cycles();
        }
    }

    /**
     * Plans a campaign.
     *
     * @param def the campaign's definition
     * @param validator validates each experiment's configuration
     * @return the plan
     * @throws ConfigException when the definition itself is wrong, or no experiment is left to run (naming why each
     *                         was skipped)
     */
    public static Plan plan(CampaignDefinition def, Validator validator) {
        List<PlannedExperiment> planned = new ArrayList<>();
        List<SkippedCombination> skipped = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Path resultsDir = resultsDir(def);
        for (Path file : def.configs()) {
            String label = file.getFileName().toString().replaceFirst("\\.(ya?ml|json)$", "");
            ConfigResolver r = ConfigResolver.withDefaults().file(file);
            campaignSettings(r, def, resultsDir);
            try {
                Validated v = validator.validate(r);
                checkRunnable(v.config());
                planned.add(new PlannedExperiment(unique(label, planned), Map.of(), file.toString(),
                        v.config(), v.warnings()));
            } catch (ConfigException e) {
                skipped.add(new SkippedCombination(label, Map.of(), reasons(e), true));
            }
        }
        if (def.base().isPresent()) {
            grid(def, validator, resultsDir, planned, skipped, notes);
        }
        if (def.settings().baseline().isPresent()) {
            String b = def.settings().baseline().get();
            if (planned.stream().noneMatch(p -> p.label().equals(b) || p.config().name().filter(b::equals).isPresent())) {
                throw new ConfigException("baseline", "\"" + b + "\" is not an experiment of this campaign; the "
                        + "experiments are: " + planned.stream().map(PlannedExperiment::label)
                                .collect(Collectors.joining(", ")));
            }
        }
        if (planned.isEmpty()) {
            throw new ConfigException("vary", "no experiment is left to run: " + skipped.stream()
                    .map(SkippedCombination::toString).collect(Collectors.joining("; ")));
        }
        return new Plan(def.settings(), resultsDir, planned, skipped, notes);
    }

    private static Path resultsDir(CampaignDefinition def) {
        if (def.resultsDir().isPresent()) {
            return def.resultsDir().get().toAbsolutePath().normalize();
        }
        ConfigResolver r = ConfigResolver.withDefaults();
        def.base().ifPresentOrElse(b -> base(r, b, def.folder()), () -> r.file(def.configs().get(0)));
        try {
            return Path.of(r.resolve().resultsDir()).toAbsolutePath().normalize();
        } catch (ConfigException e) {
            return Path.of(ExperimentConfig.defaults().resultsDir()).toAbsolutePath().normalize();
        }
    }

    private static void base(ConfigResolver r, CampaignDefinition.Base base, Path folder) {
        base.file().ifPresentOrElse(r::file,
                () -> r.tree(base.tree(), ValueSource.file("campaign base"), folder));
    }

    private static void campaignSettings(ConfigResolver r, CampaignDefinition def, Path resultsDir) {
        r.set("cycles", def.settings().cycles(), ValueSource.OVERRIDE);
        r.set("results_dir", resultsDir.toString(), ValueSource.OVERRIDE);
    }

    /** A campaign runs single-process, fixed-count experiments, one cycle at a time. */
    private static void checkRunnable(ExperimentConfig c) {
        List<dev.lem.config.ConfigProblem> p = new ArrayList<>();
        if (c.stats().adaptive().enabled()) {
            p.add(new dev.lem.config.ConfigProblem("stats.adaptive.enabled", "adaptive cycles cannot run in a "
                    + "campaign's cycle rounds; set the campaign's cycles instead"));
        }
        if (c.processes() > 1) {
            p.add(new dev.lem.config.ConfigProblem("processes", c.processes() + " processes: a campaign runs "
                    + "single-process experiments; run multi-process ones with lem run"));
        }
        if (dev.lem.workload.TrafficSweep.isSweep(c)) {
            p.add(new dev.lem.config.ConfigProblem("traffic.sweep", "a sweep is several experiments: vary "
                    + "traffic.concurrency (or the swept key) in the campaign instead"));
        }
        if (!p.isEmpty()) {
            throw new ConfigException(p);
        }
    }

    private static void grid(CampaignDefinition def, Validator validator, Path resultsDir,
            List<PlannedExperiment> planned, List<SkippedCombination> skipped, List<String> notes) {
        ConfigResolver baseOnly = ConfigResolver.withDefaults();
        base(baseOnly, def.base().get(), def.folder());
        Optional<ExperimentConfig> baseConfig;
        try {
            baseConfig = Optional.of(baseOnly.resolve());
        } catch (ConfigException e) {
            baseConfig = Optional.empty(); // each combination reports the problems (a varied key may fix them)
        }
        List<Map<String, Object>> combinations = product(def.vary());
        Map<Map<String, Object>, String> kept = new HashMap<>();
        Set<String> notApplicableNotes = new LinkedHashSet<>();
        for (Map<String, Object> combination : combinations) {
            String fullLabel = label(combination);
            String backend = String.valueOf(combination.getOrDefault("backend",
                    baseConfig.map(ExperimentConfig::backend).orElse(ExperimentConfig.defaults().backend())));
            boolean managed = Boolean.parseBoolean(String.valueOf(combination.getOrDefault("server.managed",
                    baseConfig.map(c -> c.server().managed()).orElse(false))));
            Map<String, Object> effective = new LinkedHashMap<>();
            List<String> ignored = new ArrayList<>();
            Optional<BackendProvider> provider = provider(backend);
            combination.forEach((key, value) -> {
                if (provider.isPresent() && !applies(key, provider.get(), managed)) {
                    ignored.add(key);
                    notApplicableNotes.add(key + " has no effect on backend " + backend + " ("
                            + scopeWord(provider.get(), managed) + "): it is not varied for " + backend);
                } else {
                    effective.put(key, value);
                }
            });
            String label = label(effective);
            if (kept.containsKey(effective)) {
                skipped.add(new SkippedCombination(fullLabel, combination, "the same experiment as " + kept.get(effective)
                        + ": " + String.join(", ", ignored) + (ignored.size() == 1 ? " has" : " have") + " no effect on "
                        + backend, false));
                continue;
            }
            ConfigResolver r = ConfigResolver.withDefaults();
            base(r, def.base().get(), def.folder());
            try {
                effective.forEach((k, v) -> r.set(k, v, ValueSource.OVERRIDE));
                if (provider.isPresent()) {
                    // the base's options of another backend do not follow it to this one
                    for (String k : r.givenKeys()) {
                        if (k.startsWith("options.") && !applies(k, provider.get(), managed)) {
                            r.set(k, null, ValueSource.OVERRIDE);
                            notApplicableNotes.add(k + " (from the base) is not an option of backend " + backend
                                    + ": left out for " + backend);
                        }
                    }
                }
                campaignSettings(r, def, resultsDir);
                String name = baseConfig.flatMap(ExperimentConfig::name).map(n -> n + " [" + label + "]").orElse(label);
                r.set("name", name, ValueSource.OVERRIDE);
                Validated v = validator.validate(r);
                checkRunnable(v.config());
                String unique = unique(label.isEmpty() ? "base" : label, planned);
                kept.put(effective, unique);
                List<String> warnings = new ArrayList<>();
                for (String w : v.warnings()) {
                    java.util.regex.Matcher key = INAPPLICABLE.matcher(w);
                    if (def.vary().containsKey("backend") && key.find() && !effective.containsKey(key.group(1))) {
                        // a base key meant for the grid's other backends: expected, not a mistake
                        notApplicableNotes.add(key.group(1) + " (from the base) has no effect on backend " + backend
                                + "; it is there for the grid's other backends");
                    } else {
                        warnings.add(w);
                    }
                }
                planned.add(new PlannedExperiment(unique, effective, "grid", v.config(), warnings));
            } catch (ConfigException e) {
                kept.put(effective, fullLabel + " (invalid)");
                skipped.add(new SkippedCombination(fullLabel, combination, reasons(e), true));
            } catch (LemException e) {
                kept.put(effective, fullLabel + " (invalid)");
                skipped.add(new SkippedCombination(fullLabel, combination, e.getMessage(), true));
            }
        }
        notes.addAll(notApplicableNotes);
        int product = combinations.size();
        notes.add(0, "grid: " + product + " combination(s) of " + def.vary().size() + " key(s) -> "
                + planned.stream().filter(p -> p.source().equals("grid")).count() + " experiment(s); "
                + skipped.stream().filter(s -> !s.invalid()).count() + " duplicate(s) where a key has no effect, "
                + skipped.stream().filter(SkippedCombination::invalid).count() + " invalid");
    }

    private static Optional<BackendProvider> provider(String backend) {
        try {
            return Optional.of(Plugins.backend(backend));
        } catch (RuntimeException e) {
            return Optional.empty(); // validation names the unknown backend
        }
    }

    /** Whether a varied key has an effect on this backend. */
    static boolean applies(String key, BackendProvider provider, boolean managed) {
        if (key.equals("backend")) {
            return true;
        }
        if (key.startsWith("options.")) {
            String name = key.substring("options.".length());
            return provider.options().stream().map(Option::name).anyMatch(name::equals);
        }
        Optional<Parameter> p = ConfigSchema.find(key).or(() -> ConfigSchema.mapOwner(key));
        if (p.isEmpty()) {
            return true;
        }
        BackendScope scope = p.get().appliesTo();
        return scope.applies(provider.inProcess(), !provider.inProcess() && managed);
    }

    private static String scopeWord(BackendProvider p, boolean managed) {
        return p.inProcess() ? "in-process" : managed ? "managed server" : "served";
    }

    /** The product of the lists, first key slowest. */
    static List<Map<String, Object>> product(Map<String, List<Object>> vary) {
        List<Map<String, Object>> out = new ArrayList<>();
        out.add(new LinkedHashMap<>());
        for (Map.Entry<String, List<Object>> e : vary.entrySet()) {
            List<Map<String, Object>> next = new ArrayList<>();
            for (Map<String, Object> partial : out) {
                for (Object v : e.getValue()) {
                    Map<String, Object> m = new LinkedHashMap<>(partial);
                    m.put(e.getKey(), v);
                    next.add(m);
                }
            }
            out = next;
        }
        return out;
    }

    static String label(Map<String, Object> values) {
        return values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }

    private static String unique(String label, List<PlannedExperiment> planned) {
        String l = label;
        for (int n = 2; ; n++) {
            String candidate = l;
            if (planned.stream().noneMatch(p -> p.label().equals(candidate))) {
                return candidate;
            }
            l = label + " #" + n;
        }
    }

    private static String reasons(ConfigException e) {
        return e.problems().stream().map(Object::toString).collect(Collectors.joining("; "));
    }
}
