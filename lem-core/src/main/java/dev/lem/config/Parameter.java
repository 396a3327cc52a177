package dev.lem.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What is known about one configuration key or plug-in option: its dotted path (as written in YAML
 * sections, {@code --set} overrides and the builder), type, default, rule, unit, description and the
 * backends it has an effect on. Core keys are read from the {@link Key} annotations of
 * {@link ExperimentConfig}'s records by {@link ConfigSchema}; plug-in options come from their
 * {@link Option} declarations. Help, docs and validation messages are generated from it.
 *
 * @param path         dotted path, e.g. {@code batching.batch_size} or {@code options.threads}
 * @param type         value type
 * @param defaultValue the default in its typed form (an enum constant for choices), or null when unset by default
 * @param min          smallest allowed number (inclusive), or null
 * @param max          largest allowed number (inclusive), or null
 * @param choiceType   the enum of a {@link ValueType#CHOICE}, else null
 * @param unit         unit of the value, e.g. {@code s}, {@code ms}, {@code W}, or empty
 * @param description  one or two sentences for the help
 * @param appliesTo    the backends the key has an effect on
 */
public record Parameter(
        String path,
        ValueType type,
        @Nullable Object defaultValue,
        @Nullable Double min,
        @Nullable Double max,
        @Nullable Class<? extends Enum<?>> choiceType,
        String unit,
        String description,
        BackendScope appliesTo) {

    /**
     * Checks that the required components are set and that a choice, and only a choice, has its enum.
     *
     * @param path dotted path
     * @param type value type
     * @param defaultValue the default in its typed form, or null when unset by default
     * @param min smallest allowed number (inclusive), or null
     * @param max largest allowed number (inclusive), or null
     * @param choiceType the enum of a {@link ValueType#CHOICE}, else null
     * @param unit unit of the value, or empty
     * @param description one or two sentences for the help
     * @param appliesTo the backends the key has an effect on
     * @throws IllegalArgumentException when {@code choiceType} is given for a type other than a choice, or missing
     *                                  for a choice
     */
    public Parameter {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(appliesTo, "appliesTo");
        if ((type == ValueType.CHOICE) != (choiceType != null)) {
            throw new IllegalArgumentException(path + ": a choice needs its enum, and only a choice has one");
        }
    }

    /**
     * The same key under another path (e.g. with a prefix, for messages about a nested settings block).
     *
     * @param newPath the other dotted path
     * @return the copy
     */
    public Parameter withPath(String newPath) {
        return new Parameter(newPath, type, defaultValue, min, max, choiceType, unit, description, appliesTo);
    }

    /** {@return the words of a choice, in declaration order; empty for other types} */
    public List<String> choices() {
        if (choiceType == null) {
            return List.of();
        }
        return java.util.Arrays.stream(choiceType.getEnumConstants()).map(Choice::word).toList();
    }

    /**
     * Each word of a choice with its description (empty descriptions for enums that are not {@link Choice}s).
     *
     * @return the descriptions, by word, in declaration order; empty for other types
     */
    public Map<String, String> choiceDescriptions() {
        Map<String, String> out = new LinkedHashMap<>();
        if (choiceType != null) {
            for (Enum<?> e : choiceType.getEnumConstants()) {
                out.put(Choice.word(e), e instanceof Choice c ? c.description() : "");
            }
        }
        return out;
    }

    /** {@return the last segment of the path, e.g. {@code batch_size}} */
    public String name() {
        return path.substring(path.lastIndexOf('.') + 1);
    }

    /**
     * {@return the rule as a phrase for help text, e.g. {@code "integer in [1, 65536]"} or {@code "one of: a, b"}}
     */
    public String rule() {
        if (type == ValueType.CHOICE) {
            return "one of: " + String.join(", ", choices());
        }
        StringBuilder s = new StringBuilder(type.display());
        if (min != null && max != null) {
            s.append(" in [").append(fmt(min)).append(", ").append(fmt(max)).append(']');
        } else if (min != null) {
            s.append(" >= ").append(fmt(min));
        } else if (max != null) {
            s.append(" <= ").append(fmt(max));
        }
        return s.toString();
    }

    /** {@return the default as a config file would write it, or {@code unset}} */
    public String defaultText() {
        return defaultValue == null ? "unset" : display(defaultValue);
    }

    /**
     * A typed value as a config file would write it (choices as their words).
     *
     * @param value the value, or null
     * @return the text
     */
    public static String display(@Nullable Object value) {
        if (value == null) {
            return "unset";
        }
        if (value instanceof Enum<?> e) {
            return Choice.word(e);
        }
        if (value instanceof List<?> l) {
            return l.stream().map(Parameter::display).collect(java.util.stream.Collectors.joining(", ", "[", "]"));
        }
        if (value instanceof Double d) {
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf(d) : d.toString();
        }
        return String.valueOf(value);
    }

    static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
