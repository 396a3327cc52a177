package dev.lem.config;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A plug-in's options after validation against its {@link Option} declarations: typed, within their rules,
 * unknown names already refused. Immutable.
 */
public final class OptionValues {
    private static final OptionValues NONE = new OptionValues(Map.of());
    private final Map<String, Object> values;

    private OptionValues(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    /** {@return no options set} */
    public static OptionValues none() {
        return NONE;
    }

    /**
     * Checks {@code raw} (the {@code options} map of a configuration) against {@code declared}.
     *
     * @param plugin the plug-in's name, for messages
     * @param declared the options the plug-in declares
     * @param raw the {@code options} map as given
     * @return the typed values
     * @throws ConfigException with one line per problem, each naming {@code options.<name>}
     */
    public static OptionValues check(String plugin, List<Option<?>> declared, Map<String, ?> raw) {
        return check(plugin, declared, raw, "options");
    }

    /**
     * As {@link #check(String, List, Map)} for options given under {@code prefix} (e.g.
     * {@code energy.meter_options.nvml} for a meter's options).
     *
     * @param plugin the plug-in's name, for messages
     * @param declared the options the plug-in declares
     * @param raw the options as given
     * @param prefix the key path the options sit under, for messages
     * @return the typed values
     */
    public static OptionValues check(String plugin, List<Option<?>> declared, Map<String, ?> raw, String prefix) {
        List<ConfigProblem> problems = new java.util.ArrayList<>();
        OptionValues v = check(plugin, declared, raw, prefix, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return v;
    }

    /**
     * As {@link #check(String, List, Map)}, adding problems to {@code problems} instead of throwing.
     *
     * @param plugin the plug-in's name, for messages
     * @param declared the options the plug-in declares
     * @param raw the {@code options} map as given
     * @param problems where the problems go
     * @return the typed values that could be checked
     */
    public static OptionValues check(String plugin, List<Option<?>> declared, Map<String, ?> raw,
            List<ConfigProblem> problems) {
        return check(plugin, declared, raw, "options", problems);
    }

    /**
     * As {@link #check(String, List, Map, String)}, adding problems to {@code problems} instead of throwing.
     *
     * @param plugin the plug-in's name, for messages
     * @param declared the options the plug-in declares
     * @param raw the options as given
     * @param prefix the key path the options sit under, for messages
     * @param problems where the problems go
     * @return the typed values that could be checked
     */
    public static OptionValues check(String plugin, List<Option<?>> declared, Map<String, ?> raw, String prefix,
            List<ConfigProblem> problems) {
        boolean meter = !prefix.equals("options");
        Map<String, Option<?>> byName = new TreeMap<>();
        declared.forEach(o -> byName.put(o.name(), o));
        Map<String, Object> out = new TreeMap<>();
        for (Map.Entry<String, ?> e : raw.entrySet()) {
            Option<?> o = byName.get(e.getKey());
            String path = prefix + "." + e.getKey();
            if (o == null) {
                String known = byName.isEmpty() ? "it has none" : "it knows: " + String.join(", ", byName.keySet());
                problems.add(new ConfigProblem(path, "is not an option of " + (meter ? "energy meter " : "backend ")
                        + plugin + ConfigSchema.suggest(e.getKey(), byName.keySet(), false)
                                .map(s -> "; did you mean \"" + s + "\"?").orElse("")
                        + " (" + known + ")" + (meter ? "" : "; `lem config keys --backend " + plugin
                        + "` lists them with their rules, and extra: passes engine arguments LEM does not model")));
                continue;
            }
            if (e.getValue() == null) {
                continue;
            }
            Parameter p = o.parameter();
            Parameter at = new Parameter(path, p.type(), p.defaultValue(), p.min(), p.max(), p.choiceType(), p.unit(),
                    p.description(), p.appliesTo());
            Object typed = dev.lem.config.internal.Coercion.coerce(at, e.getValue(), problems);
            if (typed != null) {
                out.put(e.getKey(), typed);
            }
        }
        return new OptionValues(out);
    }

    /**
     * One value for {@code option} written somewhere else than under {@code options:} (an engine argument found
     * in {@code server.args} or {@code extra:}), checked with the option's rule; problems name {@code path}.
     *
     * @param <T> the option's type
     * @param option the option
     * @param raw the value as written
     * @param path where it was written, for messages
     * @param problems where a problem goes
     * @return the typed value, or empty after adding a problem
     */
    @SuppressWarnings("unchecked")
    public static <T> Optional<T> coerce(Option<T> option, Object raw, String path, List<ConfigProblem> problems) {
        Parameter p = option.parameter();
        Parameter at = new Parameter(path, p.type(), p.defaultValue(), p.min(), p.max(), p.choiceType(), p.unit(),
                p.description(), p.appliesTo());
        return Optional.ofNullable((T) dev.lem.config.internal.Coercion.coerce(at, raw, problems));
    }

    /**
     * The option's value, or its default.
     *
     * @param <T> the option's type
     * @param option the option
     * @return the value or the default; empty when it has neither
     */
    @SuppressWarnings("unchecked")
    public <T> Optional<T> find(Option<T> option) {
        Object v = values.get(option.name());
        return Optional.ofNullable((T) (v != null ? v : option.parameter().defaultValue()));
    }

    /**
     * The option's value, or its default.
     *
     * @param <T> the option's type
     * @param option the option
     * @return the value or the default
     * @throws IllegalStateException when it has neither (declare a default, or use {@link #find})
     */
    public <T> T get(Option<T> option) {
        return find(option).orElseThrow(() -> new IllegalStateException(option.parameter().path()
                + " is not set and has no default"));
    }

    /**
     * Whether the option was given (not defaulted).
     *
     * @param option the option
     * @return whether the option was given
     */
    public boolean isSet(Option<?> option) {
        return values.containsKey(option.name());
    }

    /** {@return every option that was given, typed, by name} */
    public Map<String, Object> asMap() {
        return values;
    }

    /**
     * A value by name, as given.
     *
     * @param name the option's name
     * @return the value as given; {@code null} when it was not given
     */
    public @Nullable Object raw(String name) {
        return values.get(name);
    }

    /** Equal when the same options have equal values. */
    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof OptionValues other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
