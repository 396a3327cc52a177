package dev.lem.config;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One configuration parameter: its dotted path (as written in YAML sections, {@code --set} overrides
 * and the builder), type, default, constraints and description. {@link ConfigSchema} holds them all;
 * the command line's help and {@code lem config show} are generated from it.
 *
 * @param path         dotted path, e.g. {@code batching.batch_size}
 * @param type         value type
 * @param defaultValue default (null when the parameter is unset by default)
 * @param min          smallest allowed number (inclusive), or null
 * @param max          largest allowed number (inclusive), or null
 * @param choices      allowed words for {@link ValueType#CHOICE}, else empty
 * @param unit         unit of the value, e.g. {@code s}, {@code ms}, {@code W}, or empty
 * @param description  one or two sentences for the help
 */
public record Parameter(
        String path,
        ValueType type,
        @Nullable Object defaultValue,
        @Nullable Double min,
        @Nullable Double max,
        List<String> choices,
        String unit,
        String description) {

    public Parameter {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(description, "description");
        choices = List.copyOf(choices);
    }

    /** The rule as a phrase for help text, e.g. {@code "integer >= 1"} or {@code "one of: a, b"}. */
    public String rule() {
        StringBuilder s = new StringBuilder(type.display());
        if (type == ValueType.CHOICE) {
            return "one of: " + String.join(", ", choices);
        }
        if (min != null && max != null) {
            s.append(" in [").append(fmt(min)).append(", ").append(fmt(max)).append(']');
        } else if (min != null) {
            s.append(" >= ").append(fmt(min));
        } else if (max != null) {
            s.append(" <= ").append(fmt(max));
        }
        return s.toString();
    }

    static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
