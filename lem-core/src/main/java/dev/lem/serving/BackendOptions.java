package dev.lem.serving;

import dev.lem.config.ConfigException;
import dev.lem.config.ConfigProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The backend-specific {@code options.*} of a configuration, checked against what a backend knows.
 * Every problem (unknown key, wrong type, out of range) is collected into one {@link ConfigException}
 * whose lines name {@code options.<key>}, the value and what is expected. Immutable.
 */
public final class BackendOptions {

    /** The type of an option's value. */
    public enum Type {
        BOOLEAN, INTEGER, NUMBER, STRING, INTEGER_LIST, STRING_LIST
    }

    /**
     * One option a backend accepts.
     *
     * @param key         the name under {@code options.}
     * @param type        its type
     * @param min         smallest number allowed (numbers), or null
     * @param description what it does
     */
    public record Spec(String key, Type type, Double min, String description) {
    }

    private final String backend;
    private final Map<String, Object> values;

    private BackendOptions(String backend, Map<String, Object> values) {
        this.backend = backend;
        this.values = values;
    }

    /** A spec of a number or integer option with a minimum. */
    public static Spec spec(String key, Type type, double min, String description) {
        return new Spec(key, type, min, description);
    }

    /** A spec of an option without range. */
    public static Spec spec(String key, Type type, String description) {
        return new Spec(key, type, null, description);
    }

    /**
     * Checks {@code options} against {@code specs}.
     *
     * @throws ConfigException listing every bad option
     */
    public static BackendOptions check(String backend, Map<String, Object> options, List<Spec> specs) {
        Map<String, Spec> byKey = new TreeMap<>();
        specs.forEach(s -> byKey.put(s.key(), s));
        List<ConfigProblem> problems = new ArrayList<>();
        Map<String, Object> out = new TreeMap<>();
        for (Map.Entry<String, Object> e : options.entrySet()) {
            Spec spec = byKey.get(e.getKey());
            String path = "options." + e.getKey();
            if (spec == null) {
                problems.add(new ConfigProblem(path, "is not an option of backend " + backend + " (it knows: "
                        + (byKey.isEmpty() ? "none" : String.join(", ", byKey.keySet())) + ")"));
                continue;
            }
            Object v = coerce(spec, e.getValue());
            if (v == null) {
                problems.add(new ConfigProblem(path, "\"" + e.getValue() + "\" is not " + describe(spec)));
            } else if (spec.min() != null && v instanceof Number n && n.doubleValue() < spec.min()) {
                problems.add(new ConfigProblem(path, e.getValue() + " is below the minimum " + spec.min()));
            } else {
                out.put(e.getKey(), v);
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new BackendOptions(backend, out);
    }

    private static String describe(Spec s) {
        return switch (s.type()) {
            case BOOLEAN -> "true or false";
            case INTEGER -> "an integer";
            case NUMBER -> "a number";
            case STRING -> "text";
            case INTEGER_LIST -> "a list of integers, e.g. [1, 2]";
            case STRING_LIST -> "a list of strings";
        };
    }

    private static Object coerce(Spec s, Object v) {
        switch (s.type()) {
            case BOOLEAN:
                if (v instanceof Boolean) {
                    return v;
                }
                return "true".equals(v) ? Boolean.TRUE : "false".equals(v) ? Boolean.FALSE : null;
            case INTEGER:
                if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
                    return n.longValue();
                }
                return null;
            case NUMBER:
                return v instanceof Number n ? n.doubleValue() : null;
            case STRING:
                return v instanceof String str && !str.isBlank() ? str : null;
            case INTEGER_LIST:
                if (!(v instanceof List<?> l)) {
                    return null;
                }
                List<Long> ints = new ArrayList<>();
                for (Object o : l) {
                    if (!(o instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
                        return null;
                    }
                    ints.add(n.longValue());
                }
                return List.copyOf(ints);
            case STRING_LIST:
                if (!(v instanceof List<?> l)) {
                    return null;
                }
                List<String> strs = new ArrayList<>();
                for (Object o : l) {
                    strs.add(String.valueOf(o));
                }
                return List.copyOf(strs);
            default:
                return null;
        }
    }

    /** The backend these options belong to. */
    public String backend() {
        return backend;
    }

    /** Whether an option was set. */
    public boolean has(String key) {
        return values.containsKey(key);
    }

    /** Every option that was set, typed: Boolean, Long, Double, String, or a List of Long or String. */
    public Map<String, Object> values() {
        return java.util.Collections.unmodifiableMap(values);
    }

    /** A boolean option, or {@code def} when unset. */
    public boolean bool(String key, boolean def) {
        return (Boolean) values.getOrDefault(key, def);
    }

    /** An integer option. */
    public Optional<Long> integer(String key) {
        return Optional.ofNullable((Long) values.get(key));
    }

    /** A number option. */
    public Optional<Double> number(String key) {
        return Optional.ofNullable((Double) values.get(key));
    }

    /** A text option. */
    public Optional<String> string(String key) {
        return Optional.ofNullable((String) values.get(key));
    }
}
