package dev.lem.config;

import dev.lem.Metric;
import dev.lem.config.internal.Coercion;
import dev.lem.config.internal.ConfigFileReader;
import dev.lem.config.internal.RecordBinder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Turns layers of settings into one validated {@link ExperimentConfig}: schema defaults, then config
 * files (each after the files it {@code _extends}), then {@code key.path=value} overrides and builder
 * calls, later layers winning. Nothing is validated until {@link #resolve}, which checks the whole
 * (files and overrides together, so an override can fix a file), records where every value came from,
 * and reports every problem at once in one {@link ConfigException}.
 *
 * <p>Not thread-safe; use one resolver per configuration.
 */
public final class ConfigResolver {
    /** Longest {@code _extends} chain accepted. */
    public static final int MAX_EXTENDS_DEPTH = 16;
    private static final Pattern KEY_PATH = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
    private static final Pattern DEVICE = Pattern.compile("cpu|auto|cuda|cuda:\\d{1,3}");
    /** Keys renamed since results schema 1 (its JSON names came from a naming rule that merged letters). */
    private static final Map<String, String> RENAMED = Map.of("carbon.intensity_gper_kwh", "carbon.intensity_g_per_kwh");

    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Map<String, ValueSource> sources = new HashMap<>();
    private final List<ConfigProblem> problems = new ArrayList<>();

    private ConfigResolver() {
    }

    /** {@return a resolver holding only the schema's defaults} */
    public static ConfigResolver withDefaults() {
        return new ConfigResolver();
    }

    /**
     * A resolver starting from an existing configuration's explicit values (keeping their sources).
     *
     * @param config the configuration
     * @return the resolver
     */
    public static ConfigResolver from(ExperimentConfig config) {
        ConfigResolver r = new ConfigResolver();
        config.toValues().forEach((path, value) -> {
            if (config.isExplicit(path)) {
                r.values.put(path, value);
                r.sources.put(path, config.sourceOf(path));
            }
        });
        return r;
    }

    /**
     * Adds a config file (YAML or JSON) and the chain of files it {@code _extends}. Every file of the chain
     * must lie in the top file's folder tree (whether {@code _extends} is written relative or absolute);
     * relative paths in the files resolve against each file's folder and must stay in that tree too.
     * Problems are kept for {@link #resolve}.
     *
     * @param file the config file
     * @return this resolver
     */
    public ConfigResolver file(Path file) {
        Path top = file.toAbsolutePath().normalize();
        Path root = top.getParent();
        List<Path> chain = new ArrayList<>();
        List<Map<String, Object>> trees = new ArrayList<>();
        Set<Path> seen = new LinkedHashSet<>();
        Path current = top;
        while (current != null) {
            if (!seen.add(current)) {
                problems.add(new ConfigProblem("_extends", "cycle: " + seen.stream().map(p -> display(root, p))
                        .collect(Collectors.joining(" -> ")) + " -> " + display(root, current)
                        + "; remove one of the _extends lines"));
                return this;
            }
            if (seen.size() > MAX_EXTENDS_DEPTH) {
                problems.add(new ConfigProblem("_extends", "chain longer than " + MAX_EXTENDS_DEPTH
                        + " files starting at " + display(root, top) + "; flatten it"));
                return this;
            }
            Map<String, Object> tree;
            try {
                tree = new LinkedHashMap<>(ConfigFileReader.read(current));
            } catch (ConfigException e) {
                if (current.equals(top)) {
                    problems.addAll(e.problems());
                } else {
                    for (ConfigProblem p : e.problems()) {
                        problems.add(new ConfigProblem("_extends", "in " + display(root, chain.get(chain.size() - 1))
                                + ": " + p));
                    }
                }
                return this;
            }
            Object parent = tree.remove("_extends");
            chain.add(current);
            trees.add(tree);
            if (parent == null) {
                break;
            }
            if (!(parent instanceof String s) || s.isBlank()) {
                problems.add(new ConfigProblem("_extends", "in " + display(root, current)
                        + ": must be the name of another config file, e.g. _extends: base.yaml"));
                return this;
            }
            Path next = current.getParent().resolve(s).normalize();
            if (!next.startsWith(root)) {
                // the file named is neither read nor echoed: it lies outside the tree the config may use
                problems.add(new ConfigProblem("_extends", "in " + display(root, current) + ": \"" + s
                        + "\" is outside the config's folder " + root
                        + "; a config may only extend files in its own folder tree: copy or move the file there"));
                return this;
            }
            current = next;
        }
        for (int i = trees.size() - 1; i >= 0; i--) {
            Path f = chain.get(i);
            flatten(trees.get(i), "", ValueSource.file(display(root, f)), f.getParent(), root);
        }
        return this;
    }

    /**
     * Adds a tree of settings (nested maps, as a YAML file would hold) from code.
     *
     * @param tree the settings, nested maps
     * @param source where they came from
     * @return this resolver
     */
    public ConfigResolver tree(Map<String, ?> tree, ValueSource source) {
        flatten(tree, "", source, null, null);
        return this;
    }

    /**
     * Adds a tree of settings written inside another file (e.g. a campaign's inline {@code base:}): relative paths
     * in it resolve against {@code folder} and must stay in that folder's tree, as in a config file there.
     *
     * @param tree the settings, nested maps
     * @param source where they came from
     * @param folder the folder relative paths resolve against
     * @return this resolver
     */
    public ConfigResolver tree(Map<String, ?> tree, ValueSource source, Path folder) {
        Path root = folder.toAbsolutePath().normalize();
        flatten(tree, "", source, root, root);
        return this;
    }

    /** {@return the dotted paths given a value so far (files, trees, overrides), in no particular order} */
    public Set<String> givenKeys() {
        return java.util.Collections.unmodifiableSet(new java.util.TreeSet<>(values.keySet()));
    }

    /**
     * Sets one value by dotted path. {@code null} returns the key to its default.
     *
     * @param path the dotted path
     * @param value the value; {@code null} for the default
     * @param source where the value came from
     * @return this resolver
     * @throws ConfigException at once when the path is unknown (with a suggestion)
     */
    public ConfigResolver set(String path, @Nullable Object value, ValueSource source) {
        if (ConfigSchema.find(path).filter(p -> p.type() != ValueType.MAP).isEmpty()
                && ConfigSchema.mapOwner(path).isEmpty()) {
            if (ConfigSchema.find(path).isPresent() && value instanceof Map<?, ?> m) {
                putMap(path, m, source);
                return this;
            }
            if (ConfigSchema.find(path).isPresent() && value == null) {
                values.keySet().removeIf(k -> k.startsWith(path + "."));
                return this;
            }
            throw new ConfigException(List.of(unknownKey(path)));
        }
        put(path, normaliseModel(path, value, null), source);
        return this;
    }

    /**
     * Sets every key of a section from its record ({@code CarbonConfig.country("FRA")},
     * {@code SloConfig.none().withTtftMs(200)}): present values are set, empty {@code Optional}s unset.
     *
     * @param value the section's record
     * @param source where the values came from
     * @return this resolver
     * @throws IllegalArgumentException when the record is not a configuration section
     */
    public ConfigResolver section(Record value, ValueSource source) {
        RecordBinder.Section section = ConfigSchema.sectionOf(value.getClass()).orElseThrow(() ->
                new IllegalArgumentException(value.getClass().getName() + " is not a configuration section"));
        Map<String, Object> flat = RecordBinder.flatten(section, value);
        for (Parameter p : ConfigSchema.parameters()) {
            if (p.path().startsWith(section.path() + ".") && p.type() != ValueType.MAP) {
                put(p.path(), flat.get(p.path()), source);
            }
        }
        return this;
    }

    /**
     * Checks one value against its key's type and range (not cross-field rules), so builders can fail
     * where the value is set.
     *
     * @param path the dotted path
     * @param value the value; {@code null} always passes
     * @throws ConfigException naming the path, the value and the rule
     */
    public static void checkValue(String path, @Nullable Object value) {
        Optional<Parameter> p = ConfigSchema.find(path);
        if (value == null || p.isEmpty() || p.get().type() == ValueType.MAP) {
            return;
        }
        List<ConfigProblem> found = new ArrayList<>();
        Coercion.coerce(p.get(), value, found);
        if (!found.isEmpty()) {
            throw new ConfigException(found);
        }
    }

    /**
     * Applies an override written {@code key.path=value}; the value is read as YAML, so
     * {@code cycles=3}, {@code decoding.greedy=false}, {@code energy.meters=[rapl]} all work. Problems
     * (an unknown key, with a suggestion) are kept for {@link #resolve}.
     *
     * @param assignment the override, {@code key.path=value}
     * @return this resolver
     */
    public ConfigResolver override(String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            problems.add(new ConfigProblem(assignment, "an override is written key.path=value, e.g. cycles=3"));
            return this;
        }
        String path = assignment.substring(0, eq).trim();
        String text = assignment.substring(eq + 1).trim();
        if (!KEY_PATH.matcher(path).matches()) {
            problems.add(new ConfigProblem(path, "is not a key path: use dotted names, e.g. batching.batch_size=4"));
            return this;
        }
        Object value = parseScalar(text);
        try {
            set(path, value, ValueSource.OVERRIDE);
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        return this;
    }

    /** Reads override text as YAML (numbers, booleans, lists); plain text when it is not YAML. */
    static @Nullable Object parseScalar(String text) {
        if (text.isEmpty()) {
            return null;
        }
        try {
            Object o = RecordBinder.parseYaml(text);
            if (o instanceof Map<?, ?>) {
                return text;
            }
            return o == null ? text : o;
        } catch (YamlEngineException e) {
            return text;
        }
    }

    /**
     * Validates the core keys and builds the configuration; throws one {@link ConfigException} listing every problem.
     *
     * @return the configuration
     */
    public ExperimentConfig resolve() {
        return resolve(ConfigCheck.NONE);
    }

    /**
     * Validates the core keys and, with {@code check}, the plug-in options and rules; throws one
     * {@link ConfigException} listing every problem of both.
     *
     * @param check the checks of the plug-ins
     * @return the configuration
     */
    public ExperimentConfig resolve(ConfigCheck check) {
        List<ConfigProblem> found = new ArrayList<>(problems);
        Map<String, Object> typed = new LinkedHashMap<>();
        Map<String, ValueSource> provenance = new HashMap<>();
        for (Parameter p : ConfigSchema.parameters()) {
            if (p.type() == ValueType.MAP) {
                continue;
            }
            if (values.containsKey(p.path())) {
                Object coerced = Coercion.coerce(p, values.get(p.path()), found);
                if (coerced != null) {
                    typed.put(p.path(), coerced);
                }
                provenance.put(p.path(), sources.get(p.path()));
            } else {
                if (p.defaultValue() != null) {
                    typed.put(p.path(), p.defaultValue());
                }
                provenance.put(p.path(), ValueSource.DEFAULT);
            }
        }
        Map<String, Object> options = new LinkedHashMap<>();
        values.forEach((path, value) -> {
            Optional<Parameter> owner = ConfigSchema.mapOwner(path);
            if (owner.isPresent()) {
                Object v = Coercion.freeValue(path, value, found);
                if (v != null) {
                    typed.put(path, v);
                    if (owner.get().path().equals("options")) {
                        options.put(path.substring("options.".length()), v);
                    }
                }
                provenance.put(path, sources.get(path));
            }
        });
        applyDecodingPreset(typed, provenance, found);
        crossFieldChecks(typed, provenance, found);
        Optional<ExperimentConfig> config = Optional.empty();
        if (found.isEmpty()) {
            config = Optional.of(bind(typed, provenance));
        }
        String backend = typed.get("backend") instanceof String b ? b : String.valueOf(values.get("backend"));
        check.check(backend, options, config, found);
        if (!found.isEmpty()) {
            throw new ConfigException(dedupe(found));
        }
        return config.orElseThrow();
    }

    private static ExperimentConfig bind(Map<String, Object> typed, Map<String, ValueSource> provenance) {
        return RecordBinder.bind(ConfigSchema.declared(), typed, Map.of("provenance", provenance));
    }

    /**
     * A configuration as stored in a results file (its JSON form: the tree plus {@code provenance}),
     * read leniently: each value is checked for type, but no cross-field rule or preset is applied, so
     * results written under other rules stay readable. Keys renamed since results schema 1 are mapped.
     *
     * @throws ConfigException when a value cannot be read as its key's type
     */
    @SuppressWarnings("unchecked")
    static ExperimentConfig fromStored(Map<String, Object> json) {
        Map<String, Object> tree = new LinkedHashMap<>(json);
        Object prov = tree.remove("provenance");
        ConfigResolver r = new ConfigResolver();
        r.flattenStored(tree, "");
        List<ConfigProblem> found = new ArrayList<>();
        Map<String, Object> typed = new LinkedHashMap<>();
        for (Parameter p : ConfigSchema.parameters()) {
            if (p.type() != ValueType.MAP && r.values.containsKey(p.path())) {
                Object v = Coercion.coerce(p, r.values.get(p.path()), found);
                if (v != null) {
                    typed.put(p.path(), v);
                }
            }
        }
        r.values.forEach((path, value) -> {
            if (ConfigSchema.mapOwner(path).isPresent() && value != null) {
                typed.put(path, value);
            }
        });
        if (!found.isEmpty()) {
            throw new ConfigException(found);
        }
        Map<String, ValueSource> provenance = new HashMap<>();
        if (prov instanceof Map<?, ?> m) {
            m.forEach((k, v) -> {
                String path = RENAMED.getOrDefault(String.valueOf(k), String.valueOf(k));
                if (v instanceof Map<?, ?> src && src.get("kind") instanceof String kind) {
                    provenance.put(path, ValueSource.parse(kind, String.valueOf(src.get("detail") == null ? ""
                            : src.get("detail"))));
                }
            });
        }
        return bind(typed, provenance);
    }

    private void flattenStored(Map<String, ?> tree, String prefix) {
        tree.forEach((key, value) -> {
            String path = RENAMED.getOrDefault(prefix + key, prefix + key);
            Optional<Parameter> p = ConfigSchema.find(path);
            if (p.isPresent() && p.get().type() == ValueType.MAP) {
                if (value instanceof Map<?, ?> m) {
                    putMap(path, m, ValueSource.DEFAULT);
                }
            } else if (p.isPresent()) {
                if (value != null) {
                    values.put(path, value);
                }
            } else if (ConfigSchema.isSection(path) && value instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<String, ?> sub = (Map<String, ?>) m;
                flattenStored(sub, path + ".");
            }
            // keys this LEM no longer knows are dropped: results stay readable after a key is removed
        });
    }

    private static List<ConfigProblem> dedupe(List<ConfigProblem> problems) {
        return new ArrayList<>(new LinkedHashSet<>(problems));
    }

    // ---------------------------------------------------------------- flattening

    private void flatten(Map<String, ?> tree, String prefix, ValueSource source, @Nullable Path baseDir,
            @Nullable Path root) {
        for (Map.Entry<String, ?> e : tree.entrySet()) {
            String key = e.getKey();
            String path = prefix.isEmpty() ? key : prefix + "." + key;
            Object value = e.getValue();
            Optional<Parameter> param = ConfigSchema.find(path);
            if (param.isPresent() && param.get().type() == ValueType.MAP) {
                if (value == null) {
                    values.keySet().removeIf(k -> k.startsWith(path + "."));
                } else if (value instanceof Map<?, ?> m) {
                    putMap(path, m, source);
                } else {
                    problems.add(new ConfigProblem(path, "must be a mapping of option: value, not a "
                            + Coercion.describe(value)));
                }
            } else if (param.isPresent()) {
                Object v = resolvePath(param.get(), value, baseDir, root, source);
                put(path, normaliseModel(path, v, baseDir), source);
            } else if (ConfigSchema.isSection(path)) {
                if (value instanceof Map<?, ?> m) {
                    @SuppressWarnings("unchecked")
                    Map<String, ?> sub = (Map<String, ?>) m;
                    flatten(sub, path, source, baseDir, root);
                } else if (value != null) {
                    problems.add(new ConfigProblem(path, "is a section, not a value: write its settings under it "
                            + "(e.g. " + path + ":\\n  " + firstChild(path) + ": ...)"));
                }
            } else if (ConfigSchema.mapOwner(path).isPresent()) {
                put(path, value, source);
            } else {
                problems.add(unknownKey(path));
            }
        }
    }

    private static String firstChild(String section) {
        return ConfigSchema.parameters().stream().map(Parameter::path).filter(p -> p.startsWith(section + "."))
                .findFirst().map(p -> p.substring(section.length() + 1)).orElse("...");
    }

    private static ConfigProblem unknownKey(String path) {
        Optional<String> suggestion = ConfigSchema.suggest(path);
        return new ConfigProblem(path, "unknown key" + suggestion.map(s -> "; did you mean \"" + s + "\"?")
                .orElse("; see `lem config keys` for every key"));
    }

    private @Nullable Object resolvePath(Parameter p, @Nullable Object value, @Nullable Path baseDir,
            @Nullable Path root, ValueSource source) {
        boolean pathLike = p.type() == ValueType.PATH;
        if (!pathLike || baseDir == null || root == null || !(value instanceof String s) || s.isBlank()
                || isWordNotPath(s)) {
            return value;
        }
        if (s.startsWith("~/")) {
            return Path.of(System.getProperty("user.home")).resolve(s.substring(2)).normalize().toString();
        }
        Path given = Path.of(s);
        if (given.isAbsolute()) {
            return given.normalize().toString();
        }
        Path resolved = baseDir.resolve(given).normalize();
        if (!resolved.startsWith(root)) {
            problems.add(new ConfigProblem(p.path(), "\"" + s + "\" (in " + source.detail()
                    + ") points outside the config's folder " + root
                    + "; give an absolute path or move the file into that folder"));
            return value;
        }
        return resolved.toString();
    }

    /**
     * Values of path keys that name something LEM makes rather than a file: {@code builtin} (a text shipped with
     * LEM), {@code none}, and {@code synthetic:...} specifications. They are kept as written.
     */
    private static boolean isWordNotPath(String s) {
        String t = s.trim();
        return t.equals(QualityConfig.Perplexity.BUILTIN) || t.equals("none") || t.startsWith(AdapterConfig.SYNTHETIC);
    }

    /**
     * A {@code model} that names a folder ({@code /x}, {@code ./x}, {@code ../x}, {@code ~/x}) is made absolute
     * and normalised (relative ones against the config file's folder, or the working directory).
     */
    private static @Nullable Object normaliseModel(String path, @Nullable Object value, @Nullable Path baseDir) {
        if (!path.equals("model") || !(value instanceof String s)) {
            return value;
        }
        String t = s.trim();
        if (t.startsWith("~/")) {
            return Path.of(System.getProperty("user.home")).resolve(t.substring(2)).normalize().toString();
        }
        if (t.startsWith("/")) {
            return Path.of(t).normalize().toString();
        }
        if (t.startsWith("./") || t.startsWith("../")) {
            Path base = baseDir != null ? baseDir : Path.of("").toAbsolutePath();
            return base.resolve(t).normalize().toString();
        }
        return value;
    }

    /** The entries of a free mapping as {@code <path>.<name>} values; nested mappings give dotted names. */
    private void putMap(String path, Map<?, ?> m, ValueSource source) {
        for (Map.Entry<?, ?> o : m.entrySet()) {
            if (o.getValue() instanceof Map<?, ?> sub && !sub.isEmpty()) {
                putMap(path + "." + o.getKey(), sub, source);
            } else {
                put(path + "." + o.getKey(), o.getValue(), source);
            }
        }
    }

    private void put(String path, @Nullable Object value, ValueSource source) {
        if (value == null) {
            values.remove(path);
            sources.remove(path);
            return;
        }
        values.remove(path);
        values.put(path, value);
        sources.put(path, source);
    }

    // ---------------------------------------------------------------- presets and cross-field rules

    private static final Map<DecodingPreset, Map<String, Object>> PRESETS = Map.of(
            DecodingPreset.DETERMINISTIC, Map.of("decoding.greedy", true),
            DecodingPreset.STANDARD, Map.of("decoding.greedy", false, "decoding.temperature", 0.7,
                    "decoding.top_p", 0.9, "decoding.top_k", 50),
            DecodingPreset.CREATIVE, Map.of("decoding.greedy", false, "decoding.temperature", 1.0,
                    "decoding.top_p", 0.95, "decoding.top_k", 0),
            DecodingPreset.FACTUAL, Map.of("decoding.greedy", false, "decoding.temperature", 0.3,
                    "decoding.top_p", 0.8, "decoding.top_k", 40));
    private static final List<String> SAMPLING_KEYS = List.of("decoding.temperature", "decoding.top_k", "decoding.top_p");
    private static final Map<String, Object> NEUTRAL_SAMPLING = Map.of("decoding.temperature", 1.0, "decoding.top_k", 0,
            "decoding.top_p", 1.0);

    private static boolean explicit(Map<String, ValueSource> provenance, String path) {
        ValueSource s = provenance.get(path);
        return s != null && s.kind() != ValueSource.Kind.DEFAULT && s.kind() != ValueSource.Kind.PRESET;
    }

    private static void applyDecodingPreset(Map<String, Object> typed, Map<String, ValueSource> provenance,
            List<ConfigProblem> found) {
        if (!(typed.get("decoding.preset") instanceof DecodingPreset preset)) {
            return;
        }
        boolean samplingExplicit = SAMPLING_KEYS.stream().anyMatch(k -> explicit(provenance, k));
        PRESETS.get(preset).forEach((path, value) -> {
            if (!explicit(provenance, path)) {
                // Sampling parameters given without a preset or greedy flag mean the user wants sampling.
                if (path.equals("decoding.greedy") && samplingExplicit && !explicit(provenance, "decoding.preset")) {
                    typed.put(path, false);
                    provenance.put(path, ValueSource.preset("implied by explicit sampling settings"));
                } else {
                    typed.put(path, value);
                    provenance.put(path, ValueSource.preset(Choice.word(preset)));
                }
            }
        });
        // a neutral value (temperature 1, top-k 0, top-p 1) beside greedy is harmless: a whole configuration
        // written out by LEM holds them, and must read back
        List<String> meaningful = SAMPLING_KEYS.stream().filter(k -> explicit(provenance, k))
                .filter(k -> !NEUTRAL_SAMPLING.get(k).equals(typed.get(k))).toList();
        if (Boolean.TRUE.equals(typed.get("decoding.greedy")) && !meaningful.isEmpty()) {
            String keys = String.join(", ", meaningful);
            found.add(new ConfigProblem("decoding.greedy", "true makes " + keys
                    + " meaningless; set decoding.greedy: false, or choose a sampling preset "
                    + "(standard, creative, factual)"));
        }
    }

    private static void crossFieldChecks(Map<String, Object> t, Map<String, ValueSource> provenance,
            List<ConfigProblem> found) {
        if (t.get("min_output_tokens") instanceof Integer min && t.get("max_output_tokens") instanceof Integer max
                && min > max) {
            found.add(new ConfigProblem("min_output_tokens", min + " is above max_output_tokens (" + max
                    + "); lower it or raise max_output_tokens"));
        }
        if (t.get("warmup.min_runs") instanceof Integer min && t.get("warmup.max_runs") instanceof Integer max
                && min > max) {
            found.add(new ConfigProblem("warmup.min_runs", min + " is above warmup.max_runs (" + max + ")"));
        }
        if (t.get("warmup.mode") == WarmupMode.CONVERGE && t.get("warmup.window") instanceof Integer w
                && t.get("warmup.max_runs") instanceof Integer max && w > max) {
            found.add(new ConfigProblem("warmup.window", w + " is above warmup.max_runs (" + max
                    + "), so warm-up could never converge; lower the window or raise max_runs"));
        }
        Object source = t.get("prompts.source");
        if ((source == PromptSource.FILE || source == PromptSource.SHAREGPT) && t.get("prompts.path") == null) {
            found.add(new ConfigProblem("prompts.path", "is required when prompts.source is " + source
                    + "; give the prompt file"));
        }
        if (source == PromptSource.INLINE && provenance.get("prompts.source") != null
                && provenance.get("prompts.source").kind() != ValueSource.Kind.BUILDER) {
            found.add(new ConfigProblem("prompts.source", "inline prompts can only be given in code (Prompts.of(...)); "
                    + "in a config file use source file with prompts.path"));
        }
        if (Boolean.TRUE.equals(t.get("stats.adaptive.enabled")) && t.get("processes") instanceof Integer n && n > 1) {
            found.add(new ConfigProblem("stats.adaptive.enabled", "adaptive cycles need processes: 1 (got " + n + ")"));
        }
        if (t.get("traffic.pattern") instanceof TrafficPattern pattern && pattern.isOpenLoop()
                && t.get("traffic.rate") == null && ((List<?>) t.getOrDefault("traffic.sweep", List.of())).isEmpty()) {
            found.add(new ConfigProblem("traffic.rate", "is required for traffic.pattern " + pattern
                    + " (requests per second), or give traffic.sweep"));
        }
        if (t.get("device") instanceof String d && !DEVICE.matcher(d).matches()) {
            found.add(new ConfigProblem("device", "\"" + d + "\" is not cpu, cuda, cuda:<index> or auto"));
        }
        if (t.get("model") instanceof String m && m.isBlank()) {
            found.add(new ConfigProblem("model", "must not be empty"));
        }
        if (t.get("carbon.cloud_region") != null && t.get("carbon.cloud_provider") == null) {
            found.add(new ConfigProblem("carbon.cloud_provider", "is required with carbon.cloud_region (gcp, aws or azure)"));
        }
        if (Boolean.TRUE.equals(t.get("stats.adaptive.enabled")) && t.get("cycles") instanceof Integer c
                && t.get("stats.adaptive.max_cycles") instanceof Integer max && max < c) {
            found.add(new ConfigProblem("stats.adaptive.max_cycles", max + " is below cycles (" + c
                    + "), which adaptive mode runs first"));
        }
        if (t.get("quality.perplexity.stride") instanceof Integer stride
                && t.get("quality.perplexity.window") instanceof Integer window && stride >= window) {
            found.add(new ConfigProblem("quality.perplexity.stride", stride + " is not below quality.perplexity.window ("
                    + window + "): a window must keep at least one token of context; use a stride below the window "
                    + "(half the window is usual)"));
        }
        if (t.get("stats.adaptive.metric") instanceof Metric am && !am.acrossCycles()) {
            found.add(new ConfigProblem("stats.adaptive.metric", Choice.word(am) + " is measured once per experiment, "
                    + "not per cycle, so more cycles cannot narrow its interval; choose a per-cycle metric"));
        }
        if (t.get("name") instanceof String n && n.length() > 200) {
            found.add(new ConfigProblem("name", "is " + n.length() + " characters; keep it under 200"));
        }
        if (t.get("results_dir") instanceof String dir) {
            try {
                t.put("results_dir", Path.of(dir).toAbsolutePath().normalize().toString());
            } catch (java.nio.file.InvalidPathException e) {
                found.add(new ConfigProblem("results_dir", "\"" + dir + "\" is not a valid path: " + e.getReason()));
            }
        }
        if (t.get("stats.adaptive.metric") instanceof Metric m && Boolean.TRUE.equals(t.get("stats.adaptive.enabled"))) {
            boolean slo = t.get("slo.ttft_ms") != null || t.get("slo.tpot_ms") != null || t.get("slo.e2e_ms") != null;
            if (m == Metric.GOODPUT_REQUESTS_PER_S && !slo) {
                found.add(new ConfigProblem("stats.adaptive.metric", Choice.word(m) + " needs an SLO "
                        + "(slo.ttft_ms, slo.tpot_ms or slo.e2e_ms); without one it is never computed"));
            }
            if ((m == Metric.MFU && t.get("flops.peak_tflops") == null)
                    || (m == Metric.MBU && t.get("flops.peak_bandwidth_gb_s") == null)) {
                found.add(new ConfigProblem("stats.adaptive.metric", Choice.word(m) + " depends on a device peak "
                        + "that may not be known here; set " + (m == Metric.MFU ? "flops.peak_tflops"
                                : "flops.peak_bandwidth_gb_s") + " or target another metric"));
            }
        }
    }

    // ---------------------------------------------------------------- messages

    private static String display(Path root, Path file) {
        return file.startsWith(root) ? root.relativize(file).toString() : file.toString();
    }
}
