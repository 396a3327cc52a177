package dev.lem.config;

import dev.lem.config.internal.ConfigFileReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Turns layers of settings into one validated {@link ExperimentConfig}: schema defaults, then config
 * files (each after the files it {@code _extends}), then {@code key.path=value} overrides and builder
 * calls, later layers winning. Records where every value came from. Collects every problem and reports
 * them together in one {@link ConfigException}.
 *
 * <p>Not thread-safe; use one resolver per configuration.
 */
public final class ConfigResolver {
    /** Longest {@code _extends} chain accepted. */
    public static final int MAX_EXTENDS_DEPTH = 16;
    private static final Pattern KEY_PATH = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
    private static final Pattern DEVICE = Pattern.compile("cpu|auto|cuda|cuda:\\d{1,3}");
    private static final Set<String> FILE_RELATIVE = Set.of("model");

    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Map<String, ValueSource> sources = new HashMap<>();
    private final List<ConfigProblem> problems = new ArrayList<>();

    private ConfigResolver() {
    }

    /** A resolver holding only the schema's defaults. */
    public static ConfigResolver withDefaults() {
        return new ConfigResolver();
    }

    /** A resolver starting from an existing configuration's explicit values (keeping their sources). */
    public static ConfigResolver from(ExperimentConfig config) {
        ConfigResolver r = new ConfigResolver();
        config.toValues().forEach((path, value) -> {
            ValueSource src = config.sourceOf(path);
            if (src.kind() != ValueSource.Kind.DEFAULT && src.kind() != ValueSource.Kind.PRESET) {
                r.values.put(path, value);
                r.sources.put(path, src);
            }
        });
        return r;
    }

    /**
     * Adds a config file (YAML or JSON) and the chain of files it {@code _extends}. Relative paths in
     * the files resolve against each file's folder and must stay inside the top file's folder tree.
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
            Path next = Path.of(s);
            if (!next.isAbsolute()) {
                next = current.getParent().resolve(s).normalize();
                if (!next.startsWith(root)) {
                    problems.add(new ConfigProblem("_extends", "in " + display(root, current) + ": \"" + s
                            + "\" is outside the config's folder " + root
                            + "; move the file into that folder or give an absolute path"));
                    return this;
                }
            }
            current = next;
        }
        for (int i = trees.size() - 1; i >= 0; i--) {
            Path f = chain.get(i);
            flatten(trees.get(i), "", ValueSource.file(display(root, f)), f.getParent(), root);
        }
        return this;
    }

    /** Adds a tree of settings (nested maps, as a YAML file would hold) from code. */
    public ConfigResolver tree(Map<String, ?> tree, ValueSource source) {
        flatten(tree, "", source, null, null);
        return this;
    }

    /**
     * Sets one value by dotted path. {@code null} returns the parameter to its default.
     *
     * @throws ConfigException at once when the path is unknown (with a suggestion)
     */
    public ConfigResolver set(String path, @Nullable Object value, ValueSource source) {
        if (ConfigSchema.find(path).filter(p -> p.type() != ValueType.MAP).isEmpty()
                && ConfigSchema.mapOwner(path).isEmpty()) {
            if (ConfigSchema.find(path).isPresent() && value instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    set(path + "." + e.getKey(), e.getValue(), source);
                }
                return this;
            }
            throw new ConfigException(List.of(unknownKey(path)));
        }
        put(path, value, source);
        return this;
    }

    /**
     * Checks one value against its parameter's type and range (not cross-field rules), so builders can
     * fail where the value is set.
     *
     * @throws ConfigException naming the path, the value and the rule
     */
    public static void checkValue(String path, @Nullable Object value) {
        Optional<Parameter> p = ConfigSchema.find(path);
        if (value == null || p.isEmpty() || p.get().type() == ValueType.MAP) {
            return;
        }
        List<ConfigProblem> found = new ArrayList<>();
        coerce(p.get(), value, found);
        if (!found.isEmpty()) {
            throw new ConfigException(found);
        }
    }

    /**
     * Applies an override written {@code key.path=value}; the value is read as YAML, so
     * {@code cycles=3}, {@code decoding.greedy=false}, {@code energy.meters=[rapl]} all work.
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
            Object o = new Load(LoadSettings.builder().setMaxAliasesForCollections(5).setCodePointLimit(65_536).build())
                    .loadFromString(text);
            if (o instanceof Map<?, ?>) {
                return text;
            }
            return o == null ? text : o;
        } catch (YamlEngineException e) {
            return text;
        }
    }

    /** Validates everything and builds the configuration; throws one {@link ConfigException} listing every problem. */
    public ExperimentConfig resolve() {
        List<ConfigProblem> found = new ArrayList<>(problems);
        Map<String, Object> typed = new LinkedHashMap<>();
        Map<String, ValueSource> provenance = new HashMap<>();
        for (Parameter p : ConfigSchema.parameters()) {
            if (p.type() == ValueType.MAP) {
                continue;
            }
            if (values.containsKey(p.path())) {
                Object coerced = coerce(p, values.get(p.path()), found);
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
        values.forEach((path, value) -> {
            if (ConfigSchema.mapOwner(path).isPresent()) {
                typed.put(path, checkOptionValue(path, value, found));
                provenance.put(path, sources.get(path));
            }
        });
        applyDecodingPreset(typed, provenance, found);
        crossFieldChecks(typed, provenance, found);
        if (!found.isEmpty()) {
            throw new ConfigException(dedupe(found));
        }
        return ExperimentConfig.fromValues(new ExperimentConfig.Values(typed), provenance);
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
                    for (Map.Entry<?, ?> o : m.entrySet()) {
                        put(path + "." + o.getKey(), o.getValue(), source);
                    }
                } else {
                    problems.add(new ConfigProblem(path, "must be a mapping of option: value, not a "
                            + describe(value)));
                }
            } else if (param.isPresent()) {
                put(path, resolvePath(param.get(), value, baseDir, root, source), source);
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
        boolean pathLike = p.type() == ValueType.PATH
                || (FILE_RELATIVE.contains(p.path()) && value instanceof String s
                        && (s.startsWith("./") || s.startsWith("../")));
        if (!pathLike || baseDir == null || root == null || !(value instanceof String s) || s.isBlank()) {
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

    // ---------------------------------------------------------------- coercion

    private static @Nullable Object coerce(Parameter p, Object v, List<ConfigProblem> found) {
        String path = p.path();
        switch (p.type()) {
            case STRING, PATH -> {
                if (v instanceof String s) {
                    if (s.isBlank() && p.defaultValue() != null) {
                        found.add(new ConfigProblem(path, "must not be empty"));
                        return null;
                    }
                    return s;
                }
                if (v instanceof Number || v instanceof Boolean) {
                    return v.toString();
                }
                found.add(new ConfigProblem(path, show(v) + " is a " + describe(v) + "; expected text"));
                return null;
            }
            case CHOICE -> {
                if (v instanceof String s) {
                    String lower = s.toLowerCase(Locale.ROOT);
                    if (p.choices().contains(lower)) {
                        return lower;
                    }
                }
                found.add(new ConfigProblem(path, show(v) + " is not one of: " + String.join(", ", p.choices())));
                return null;
            }
            case INTEGER, LONG -> {
                Long l = wholeNumber(v);
                if (l == null || (p.type() == ValueType.INTEGER && (l > Integer.MAX_VALUE || l < Integer.MIN_VALUE))) {
                    found.add(new ConfigProblem(path, show(v) + " is not a whole number"
                            + (v instanceof String ? "; write it without quotes" : "")));
                    return null;
                }
                if (!inRange(p, l, v, found)) {
                    return null;
                }
                return p.type() == ValueType.INTEGER ? (Object) l.intValue() : (Object) l;
            }
            case DOUBLE -> {
                if (!(v instanceof Number n) || Double.isNaN(n.doubleValue()) || Double.isInfinite(n.doubleValue())) {
                    found.add(new ConfigProblem(path, show(v) + " is not a finite number"
                            + (v instanceof String ? "; write it without quotes" : "")));
                    return null;
                }
                double d = n.doubleValue();
                return inRange(p, d, v, found) ? d : null;
            }
            case BOOLEAN -> {
                if (v instanceof Boolean b) {
                    return b;
                }
                found.add(new ConfigProblem(path, show(v) + " is not true or false"));
                return null;
            }
            case STRING_LIST -> {
                List<?> list = v instanceof List<?> l ? l : List.of(v);
                List<String> out = new ArrayList<>();
                for (Object o : list) {
                    if (o instanceof String || o instanceof Number || o instanceof Boolean) {
                        out.add(o.toString());
                    } else {
                        found.add(new ConfigProblem(path, "item " + show(o) + " is a " + describe(o) + "; expected text"));
                        return null;
                    }
                }
                return List.copyOf(out);
            }
            case NUMBER_LIST -> {
                List<?> list = v instanceof List<?> l ? l : List.of(v);
                List<Double> out = new ArrayList<>();
                for (Object o : list) {
                    if (o instanceof Number n && Double.isFinite(n.doubleValue())) {
                        if (n.doubleValue() <= 0) {
                            found.add(new ConfigProblem(path, "item " + show(o) + " must be > 0"));
                            return null;
                        }
                        out.add(n.doubleValue());
                    } else {
                        found.add(new ConfigProblem(path, "item " + show(o) + " is not a number"));
                        return null;
                    }
                }
                return List.copyOf(out);
            }
            default -> throw new IllegalStateException("unhandled type " + p.type());
        }
    }

    private static @Nullable Long wholeNumber(Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 9.0e15) {
            return d.longValue();
        }
        return null;
    }

    private static boolean inRange(Parameter p, double d, Object shown, List<ConfigProblem> found) {
        if (p.min() != null && d < p.min()) {
            found.add(new ConfigProblem(p.path(), show(shown) + " is below the minimum " + Parameter.fmt(p.min())));
            return false;
        }
        if (p.max() != null && d > p.max()) {
            found.add(new ConfigProblem(p.path(), show(shown) + " is above the maximum " + Parameter.fmt(p.max())));
            return false;
        }
        return true;
    }

    private static @Nullable Object checkOptionValue(String path, @Nullable Object v, List<ConfigProblem> found) {
        if (v instanceof Map<?, ?>) {
            found.add(new ConfigProblem(path, "backend options take single values or lists, not mappings"));
            return null;
        }
        if (v instanceof Double d && !Double.isFinite(d)) {
            found.add(new ConfigProblem(path, show(v) + " is not a finite number"));
            return null;
        }
        return v;
    }

    // ---------------------------------------------------------------- presets and cross-field rules

    private static final Map<String, Map<String, Object>> PRESETS = Map.of(
            "deterministic", Map.of("decoding.greedy", true),
            "standard", Map.of("decoding.greedy", false, "decoding.temperature", 0.7, "decoding.top_p", 0.9,
                    "decoding.top_k", 50),
            "creative", Map.of("decoding.greedy", false, "decoding.temperature", 1.0, "decoding.top_p", 0.95,
                    "decoding.top_k", 0),
            "factual", Map.of("decoding.greedy", false, "decoding.temperature", 0.3, "decoding.top_p", 0.8,
                    "decoding.top_k", 40));
    private static final List<String> SAMPLING_KEYS = List.of("decoding.temperature", "decoding.top_k", "decoding.top_p");

    private static boolean explicit(Map<String, ValueSource> provenance, String path) {
        ValueSource s = provenance.get(path);
        return s != null && s.kind() != ValueSource.Kind.DEFAULT && s.kind() != ValueSource.Kind.PRESET;
    }

    private static void applyDecodingPreset(Map<String, Object> typed, Map<String, ValueSource> provenance,
            List<ConfigProblem> found) {
        String preset = (String) typed.get("decoding.preset");
        if (preset == null) {
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
                    provenance.put(path, ValueSource.preset(preset));
                }
            }
        });
        if (Boolean.TRUE.equals(typed.get("decoding.greedy")) && samplingExplicit) {
            String keys = SAMPLING_KEYS.stream().filter(k -> explicit(provenance, k)).collect(Collectors.joining(", "));
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
        if ("converge".equals(t.get("warmup.mode")) && t.get("warmup.window") instanceof Integer w
                && t.get("warmup.max_runs") instanceof Integer max && w > max) {
            found.add(new ConfigProblem("warmup.window", w + " is above warmup.max_runs (" + max
                    + "), so warm-up could never converge; lower the window or raise max_runs"));
        }
        Object source = t.get("prompts.source");
        if (("file".equals(source) || "sharegpt".equals(source)) && t.get("prompts.path") == null) {
            found.add(new ConfigProblem("prompts.path", "is required when prompts.source is " + source
                    + "; give the prompt file"));
        }
        if ("inline".equals(source) && provenance.get("prompts.source") != null
                && provenance.get("prompts.source").kind() != ValueSource.Kind.BUILDER) {
            found.add(new ConfigProblem("prompts.source", "inline prompts can only be given in code (Prompts.of(...)); "
                    + "in a config file use source file with prompts.path"));
        }
        if (Boolean.TRUE.equals(t.get("stats.adaptive.enabled")) && t.get("processes") instanceof Integer n && n > 1) {
            found.add(new ConfigProblem("stats.adaptive.enabled", "adaptive cycles need processes: 1 (got " + n + ")"));
        }
        Object pattern = t.get("traffic.pattern");
        if (("poisson".equals(pattern) || "gamma".equals(pattern) || "constant".equals(pattern))
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
        if (t.get("name") instanceof String n && n.length() > 200) {
            found.add(new ConfigProblem("name", "is " + n.length() + " characters; keep it under 200"));
        }
    }

    // ---------------------------------------------------------------- messages

    private static String show(@Nullable Object v) {
        if (v instanceof String s) {
            return "\"" + (s.length() > 60 ? s.substring(0, 57) + "..." : s) + "\"";
        }
        String s = String.valueOf(v);
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    private static String describe(Object v) {
        if (v instanceof Map<?, ?>) {
            return "mapping";
        }
        if (v instanceof List<?>) {
            return "list";
        }
        if (v instanceof String) {
            return "text";
        }
        if (v instanceof Boolean) {
            return "boolean";
        }
        return "number";
    }

    private static String display(Path root, Path file) {
        return file.startsWith(root) ? root.relativize(file).toString() : file.toString();
    }
}
