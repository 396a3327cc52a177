package dev.lem.config;

import dev.lem.config.internal.Coercion;
import dev.lem.config.internal.RecordBinder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Settings records other than {@link ExperimentConfig} declared the same way — each key a {@link Key} on a record
 * component — read with the same coercion, rules and messages (e.g. a campaign's settings). One declaration gives
 * the reading, the validation, the defaults and the generated key list.
 */
public final class KeyedRecords {
    private KeyedRecords() {
    }

    /**
     * Every key of a settings record type, in declaration order (sections flattened to dotted paths).
     *
     * @param type the settings record type
     * @return the keys, in declaration order
     */
    public static List<Parameter> keys(Class<? extends Record> type) {
        List<Parameter> out = new ArrayList<>();
        collect(RecordBinder.describe(type), out);
        return List.copyOf(out);
    }

    private static void collect(RecordBinder.Section section, List<Parameter> out) {
        for (RecordBinder.Node n : section.children()) {
            if (n instanceof RecordBinder.Leaf l) {
                out.add(l.parameter());
            } else {
                collect((RecordBinder.Section) n, out);
            }
        }
    }

    /**
     * Reads a tree of settings (nested maps, as YAML gives them) into the record type: every key coerced and
     * checked, unknown keys named with the closest known one, absent keys at their defaults.
     *
     * @param <R> the settings record type
     * @param type   the settings record
     * @param tree   the values; {@code null} values mean "the default"
     * @param prefix put before every key in messages (e.g. {@code "campaign."}), or empty
     * @return the settings
     * @throws ConfigException listing every problem, each naming the key, the value and the rule
     */
    public static <R extends Record> R read(Class<R> type, Map<String, ?> tree, String prefix) {
        RecordBinder.Section section = RecordBinder.describe(type);
        List<Parameter> keys = keys(type);
        Map<String, Parameter> byPath = new LinkedHashMap<>();
        keys.forEach(p -> byPath.put(p.path(), p));
        Map<String, Object> flat = new LinkedHashMap<>();
        List<ConfigProblem> found = new ArrayList<>();
        flatten(tree, "", byPath, flat, found, prefix);
        Map<String, Object> typed = new LinkedHashMap<>();
        flat.forEach((path, value) -> {
            Parameter p = byPath.get(path);
            if (p == null) {
                Object free = Coercion.freeValue(prefix + path, value, found);
                if (free != null) {
                    typed.put(path, free);
                }
                return;
            }
            Object coerced = Coercion.coerce(renamed(p, prefix), value, found);
            if (coerced != null) {
                typed.put(path, coerced);
            }
        });
        if (!found.isEmpty()) {
            throw new ConfigException(found);
        }
        return RecordBinder.bind(section, typed, Map.of());
    }

    private static Parameter renamed(Parameter p, String prefix) {
        return prefix.isEmpty() ? p : p.withPath(prefix + p.path());
    }

    private static void flatten(Map<String, ?> tree, String at, Map<String, Parameter> byPath,
            Map<String, Object> out, List<ConfigProblem> found, String prefix) {
        for (Map.Entry<String, ?> e : tree.entrySet()) {
            String path = at.isEmpty() ? e.getKey() : at + "." + e.getKey();
            Object value = e.getValue();
            Parameter p = byPath.get(path);
            if (p != null) {
                if (p.type() == ValueType.MAP && value instanceof Map<?, ?> m) {
                    m.forEach((k, v) -> out.put(path + "." + k, v));
                } else if (value != null) {
                    out.put(path, value);
                }
                continue;
            }
            Optional<Parameter> mapOwner = byPath.values().stream()
                    .filter(q -> q.type() == ValueType.MAP && path.startsWith(q.path() + ".")).findFirst();
            if (mapOwner.isPresent()) {
                out.put(path, value);
                continue;
            }
            boolean section = byPath.keySet().stream().anyMatch(k -> k.startsWith(path + "."));
            if (section && value instanceof Map<?, ?> m) {
                @SuppressWarnings("unchecked")
                Map<String, ?> sub = (Map<String, ?>) m;
                flatten(sub, path, byPath, out, found, prefix);
            } else if (section) {
                found.add(new ConfigProblem(prefix + path, "is a section: give its keys, e.g. " + prefix + path + ": {"
                        + byPath.keySet().stream().filter(k -> k.startsWith(path + ".")).findFirst()
                                .map(k -> k.substring(path.length() + 1)).orElse("...") + ": ...}"));
            } else {
                Optional<String> suggestion = ConfigSchema.suggest(path, byPath.keySet(), true);
                found.add(new ConfigProblem(prefix + path, "unknown key" + suggestion.map(s -> "; did you mean \""
                        + prefix + s + "\"?").orElse("; the keys are: " + String.join(", ", byPath.keySet()))));
            }
        }
    }

    /**
     * Reads a YAML or JSON file into a tree of maps, lists and scalars, with the safety limits and messages of
     * config files (size, UTF-8, aliases, duplicate keys).
     *
     * @param file the YAML or JSON file
     * @return the tree
     * @throws ConfigException naming the file and the problem
     */
    public static Map<String, Object> readTree(java.nio.file.Path file) {
        return dev.lem.config.internal.ConfigFileReader.read(file);
    }

    /**
     * The settings as a tree of plain values (choices as words), as a file would hold them.
     *
     * @param settings the settings record
     * @return the tree, as a file would hold it
     */
    public static Map<String, Object> tree(Record settings) {
        return RecordBinder.tree(RecordBinder.describe(settings.getClass()), settings);
    }

    /**
     * The default settings of a record type (every key at its default).
     *
     * @param <R> the settings record type
     * @param type the settings record type
     * @return the settings, every key at its default
     */
    public static <R extends Record> R defaults(Class<R> type) {
        return read(type, Map.of(), "");
    }

    /** A value's display, as messages write it. */
    static String show(@Nullable Object v) {
        return Coercion.show(v);
    }
}
