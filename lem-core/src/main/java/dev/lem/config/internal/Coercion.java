package dev.lem.config.internal;

import dev.lem.config.Choice;
import dev.lem.config.ConfigProblem;
import dev.lem.config.Parameter;
import dev.lem.config.ValueType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The one rule set that turns a value as written (YAML/JSON scalars, lists, maps; {@code --set} text read as
 * YAML; builder arguments) into its typed form, for core keys and plug-in options alike. Strict: text is
 * never read as a number or a boolean ({@code "42"} is refused with "write it without quotes"), numbers
 * must be finite and in range, choices are matched case-insensitively and become their enum constant.
 *
 * <p>Typed forms: {@code String}, {@code Integer}, {@code Long}, {@code Double}, {@code Boolean}, the enum
 * constant, {@code List<String>}, {@code List<Double>}, {@code List<Integer>}, {@code Map<String, Object>}.
 */
public final class Coercion {
    private Coercion() {
    }

    /**
     * The typed value, or null after adding a problem (naming the path, the value and the rule) to
     * {@code found}.
     */
    public static @Nullable Object coerce(Parameter p, Object v, List<ConfigProblem> found) {
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
                Class<? extends Enum<?>> type = p.choiceType();
                if (type != null && type.isInstance(v)) {
                    return v;
                }
                if (v instanceof String s && type != null) {
                    String lower = s.trim().toLowerCase(Locale.ROOT);
                    for (Enum<?> e : type.getEnumConstants()) {
                        if (Choice.word(e).equals(lower)) {
                            return e;
                        }
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
                List<String> out = new ArrayList<>();
                for (Object o : asList(v)) {
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
                List<Double> out = new ArrayList<>();
                for (Object o : asList(v)) {
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
            case INTEGER_LIST -> {
                List<Integer> out = new ArrayList<>();
                for (Object o : asList(v)) {
                    Long l = wholeNumber(o);
                    if (l == null || l > Integer.MAX_VALUE || l < Integer.MIN_VALUE) {
                        found.add(new ConfigProblem(path, "item " + show(o) + " is not a whole number: expected a list of "
                                + "integers, e.g. [1, 2]"));
                        return null;
                    }
                    out.add(l.intValue());
                }
                return List.copyOf(out);
            }
            case MAP -> {
                if (!(v instanceof Map<?, ?> m)) {
                    found.add(new ConfigProblem(path, "must be a mapping of name: value, not a " + describe(v)));
                    return null;
                }
                Map<String, Object> out = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    Object item = freeValue(path + "." + e.getKey(), e.getValue(), found);
                    if (item != null) {
                        out.put(String.valueOf(e.getKey()), item);
                    }
                }
                return out;
            }
            default -> throw new IllegalStateException("unhandled type " + p.type());
        }
    }

    /**
     * A value under a free mapping ({@code options.*} before the backend's declarations are applied,
     * {@code extra.*}): a scalar or a list of scalars, finite.
     */
    public static @Nullable Object freeValue(String path, @Nullable Object v, List<ConfigProblem> found) {
        if (v instanceof Map<?, ?>) {
            found.add(new ConfigProblem(path, "takes a single value or a list, not a mapping"));
            return null;
        }
        if (v instanceof Double d && !Double.isFinite(d)) {
            found.add(new ConfigProblem(path, show(v) + " is not a finite number"));
            return null;
        }
        if (v instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> || o instanceof List<?>) {
                    found.add(new ConfigProblem(path, "item " + show(o) + " is a " + describe(o)
                            + "; lists hold single values"));
                    return null;
                }
            }
            return List.copyOf(l);
        }
        return v;
    }

    private static List<?> asList(Object v) {
        return v instanceof List<?> l ? l : List.of(v);
    }

    /** A whole number from an integral type or an integral double, else null. */
    public static @Nullable Long wholeNumber(@Nullable Object v) {
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
            found.add(new ConfigProblem(p.path(), show(shown) + " is below the minimum " + fmt(p.min())));
            return false;
        }
        if (p.max() != null && d > p.max()) {
            found.add(new ConfigProblem(p.path(), show(shown) + " is above the maximum " + fmt(p.max())));
            return false;
        }
        return true;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** A value quoted for a message (text in quotes, long values cut). */
    public static String show(@Nullable Object v) {
        if (v instanceof String s) {
            return "\"" + (s.length() > 60 ? s.substring(0, 57) + "..." : s) + "\"";
        }
        if (v instanceof Enum<?> e) {
            return Choice.word(e);
        }
        String s = String.valueOf(v);
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    /** The kind of a raw value, for messages. */
    public static String describe(@Nullable Object v) {
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
}
