package dev.lem.campaign;

import dev.lem.config.ConfigException;
import dev.lem.config.ConfigProblem;
import dev.lem.config.ConfigSchema;
import dev.lem.config.KeyedRecords;
import dev.lem.config.Parameter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a campaign is made of, as written: a {@code base} configuration with a {@code vary} grid, a list of
 * {@code configs}, or both (the listed configs run as they are, next to the grid's experiments), the campaign's
 * own settings, and the results folder. {@link #read(Path)} reads a campaign file; {@link CampaignPlanner} turns a
 * definition into experiments.
 *
 * <pre>{@code
 * name: batch-size-sweep
 * base: base.yaml               # or an inline mapping of settings
 * vary:
 *   backend: [djl, openai]
 *   batching.batch_size: [1, 4, 8]
 * cycles: 3
 * structure: shuffled
 * gaps: {between_experiments_s: 5}
 * }</pre>
 *
 * @param settings   the campaign's settings
 * @param base       the base configuration: a file, or an inline tree of settings
 * @param configs    config files to run as they are
 * @param vary       grid keys (dotted) and their values, in the order written
 * @param resultsDir the results folder for every experiment and the manifest; empty: the base's (or the first
 *                   config's) {@code results_dir}
 * @param folder     the folder relative paths are resolved against (the campaign file's)
 * @param source     the campaign file, when read from one
 */
public record CampaignDefinition(CampaignSettings settings, Optional<Base> base, List<Path> configs,
        Map<String, List<Object>> vary, Optional<Path> resultsDir, Path folder, Optional<Path> source) {

    /** The keys of a campaign file that are not settings. */
    public static final Set<String> STRUCTURE_KEYS = Set.of("base", "configs", "vary", "results_dir");

    /**
     * A base configuration.
     *
     * @param file its file, or empty for an inline tree
     * @param tree the inline settings (empty for a file)
     */
    public record Base(Optional<Path> file, Map<String, Object> tree) {
        /**
         * Copies the tree, keeping its order.
         *
         * @param file its file, or empty for an inline tree
         * @param tree the inline settings (empty for a file)
         */
        public Base {
            tree = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tree));
        }

        /**
         * A base read from a config file.
         *
         * @param file the config file
         * @return the base
         */
        public static Base file(Path file) {
            return new Base(Optional.of(file), Map.of());
        }

        /**
         * A base given as settings (nested maps, as YAML holds them).
         *
         * @param tree the settings
         * @return the base
         */
        public static Base inline(Map<String, ?> tree) {
            return new Base(Optional.empty(), new LinkedHashMap<>(tree));
        }
    }

    /**
     * Checks that a base or configs are given and that a grid has a base; copies the lists and map, keeping their
     * order.
     *
     * @param settings the campaign's settings
     * @param base the base configuration: a file, or an inline tree of settings
     * @param configs config files to run as they are
     * @param vary grid keys (dotted) and their values, in the order written
     * @param resultsDir the results folder for every experiment and the manifest; empty: the base's (or the first
     *                   config's) {@code results_dir}
     * @param folder the folder relative paths are resolved against
     * @param source the campaign file, when read from one
     * @throws ConfigException when there is neither a base nor configs, or a grid without a base
     */
    public CampaignDefinition {
        Objects.requireNonNull(settings, "settings");
        configs = List.copyOf(configs);
        Map<String, List<Object>> v = new LinkedHashMap<>();
        vary.forEach((k, values) -> v.put(k, List.copyOf(values)));
        vary = java.util.Collections.unmodifiableMap(v);
        if (base.isEmpty() && configs.isEmpty()) {
            throw new ConfigException("base", "a campaign needs a base configuration (base: base.yaml, with vary: for "
                    + "a grid) or a list of configs (configs: [a.yaml, b.yaml])");
        }
        if (base.isEmpty() && !vary.isEmpty()) {
            throw new ConfigException("vary", "a grid varies a base configuration: add base: (a config file or "
                    + "inline settings)");
        }
    }

    /**
     * Reads a campaign file (YAML or JSON). Relative paths in it resolve against its folder.
     *
     * @param file the campaign file
     * @return the definition
     * @throws ConfigException listing every problem, each naming the key, the value and the fix
     */
    public static CampaignDefinition read(Path file) {
        Path f = file.toAbsolutePath().normalize();
        Map<String, Object> tree = KeyedRecords.readTree(f);
        return fromTree(tree, f.getParent(), Optional.of(f));
    }

    /**
     * A definition from the settings tree of a campaign file.
     *
     * @param tree the campaign file's settings tree
     * @param folder relative paths in the tree resolve against it
     * @param source the campaign file, when read from one
     * @return the definition
     */
    public static CampaignDefinition fromTree(Map<String, ?> tree, Path folder, Optional<Path> source) {
        List<ConfigProblem> problems = new ArrayList<>();
        Map<String, Object> settingsTree = new LinkedHashMap<>();
        Set<String> known = new LinkedHashSet<>(STRUCTURE_KEYS);
        KeyedRecords.keys(CampaignSettings.class).forEach(p -> known.add(p.path().split("\\.")[0]));
        tree.forEach((k, v) -> {
            if (STRUCTURE_KEYS.contains(k)) {
                return;
            }
            if (!known.contains(k)) {
                Optional<String> s = ConfigSchema.suggest(k, known, false);
                problems.add(new ConfigProblem(k, "unknown campaign key" + s.map(x -> "; did you mean \"" + x + "\"?")
                        .orElse("; a campaign file has " + String.join(", ", known)
                                + " (`lem campaign keys` lists the settings)")
                        + (ConfigSchema.find(k).isPresent() ? "; experiment settings go in base: or vary:" : "")));
                return;
            }
            settingsTree.put(k, v);
        });
        CampaignSettings settings = null;
        try {
            settings = KeyedRecords.read(CampaignSettings.class, settingsTree, "");
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        ScheduleSettings schedule = settings != null ? settings.schedule() : rawSchedule(tree.get("schedule"));
        if (schedule != null) {
            try {
                schedule.instants();
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
        }
        Optional<Base> base = Optional.empty();
        Object b = tree.get("base");
        if (b instanceof String s && !s.isBlank()) {
            base = Optional.of(Base.file(resolve(folder, s)));
        } else if (b instanceof Map<?, ?> m) {
            @SuppressWarnings("unchecked")
            Map<String, Object> inline = (Map<String, Object>) m;
            base = Optional.of(Base.inline(inline));
        } else if (b != null) {
            problems.add(new ConfigProblem("base", "must be a config file (base: base.yaml) or a mapping of settings, "
                    + "not " + describe(b)));
        }
        List<Path> configs = new ArrayList<>();
        Object c = tree.get("configs");
        if (c instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i) instanceof String s && !s.isBlank()) {
                    configs.add(resolve(folder, s));
                } else {
                    problems.add(new ConfigProblem("configs[" + i + "]", "must be the path of a config file, not "
                            + describe(list.get(i))));
                }
            }
        } else if (c != null) {
            problems.add(new ConfigProblem("configs", "must be a list of config files, e.g. configs: [a.yaml, b.yaml]"));
        }
        Map<String, List<Object>> vary = new LinkedHashMap<>();
        Object v = tree.get("vary");
        if (v instanceof Map<?, ?> m) {
            flattenVary(m, "", vary, problems);
        } else if (v != null) {
            problems.add(new ConfigProblem("vary", "must map keys to lists of values, e.g. vary: {batching.batch_size: "
                    + "[1, 4, 8]}"));
        }
        Optional<Path> resultsDir = Optional.empty();
        Object r = tree.get("results_dir");
        if (r instanceof String s && !s.isBlank()) {
            resultsDir = Optional.of(resolve(folder, s));
        } else if (r != null) {
            problems.add(new ConfigProblem("results_dir", "must be a folder path, not " + describe(r)));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new CampaignDefinition(settings, base, configs, vary, resultsDir, folder, source);
    }

    /** The start times as written, to check them even when other settings are wrong. */
    private static @Nullable ScheduleSettings rawSchedule(@Nullable Object schedule) {
        if (schedule instanceof Map<?, ?> m && m.get("start_at") instanceof List<?> l) {
            return new ScheduleSettings(l.stream().map(String::valueOf).toList(), 0);
        }
        return null;
    }

    private static void flattenVary(Map<?, ?> m, String prefix, Map<String, List<Object>> out,
            List<ConfigProblem> problems) {
        m.forEach((k, value) -> {
            String key = prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k;
            boolean known = ConfigSchema.find(key).filter(p -> p.type() != dev.lem.config.ValueType.MAP).isPresent()
                    || ConfigSchema.mapOwner(key).isPresent();
            if (value instanceof List<?> list) {
                if (!known) {
                    problems.add(unknown(key));
                } else if (list.isEmpty()) {
                    problems.add(new ConfigProblem("vary." + key, "is an empty list: give at least one value"));
                } else if (new LinkedHashSet<>(list).size() < list.size()) {
                    problems.add(new ConfigProblem("vary." + key, "lists a value twice: " + list));
                } else {
                    out.put(key, new ArrayList<>(list));
                }
            } else if (value instanceof Map<?, ?> sub && !known) {
                flattenVary(sub, key, out, problems);
            } else if (!known) {
                problems.add(unknown(key));
            } else {
                Parameter p = ConfigSchema.find(key).orElse(null);
                boolean listKey = p != null && p.type().name().endsWith("_LIST");
                problems.add(new ConfigProblem("vary." + key, "must be a list of the values to try, e.g. vary." + key
                        + ": [" + describeExample(value) + ", ...]" + (listKey ? " (this key takes a list itself: "
                        + "give a list of lists)" : "")));
            }
        });
    }

    private static ConfigProblem unknown(String key) {
        return new ConfigProblem("vary." + key, "unknown key" + ConfigSchema.suggest(key)
                .map(s -> "; did you mean \"" + s + "\"?").orElse("; see `lem config keys` for every key"));
    }

    private static String describeExample(@Nullable Object v) {
        return v == null ? "value" : String.valueOf(v);
    }

    private static String describe(@Nullable Object v) {
        return v == null ? "nothing" : v instanceof List ? "a list" : v instanceof Map ? "a mapping"
                : "\"" + v + "\"";
    }

    private static Path resolve(Path folder, String path) {
        Path p = Path.of(path.startsWith("~/") ? System.getProperty("user.home") + path.substring(1) : path);
        return (p.isAbsolute() ? p : folder.resolve(p)).normalize();
    }
}
