package dev.lem.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One option a plug-in declares (name, type, default, unit, rule, description), written once as a
 * constant and used both to validate {@code options.<name>} before anything runs and to read the typed
 * value afterwards:
 *
 * <pre>{@code
 * static final Option<Integer> THREADS = Option.integer("threads").range(1, 4096).unit("threads")
 *         .describe("PyTorch intra-op threads (process-wide)");
 * ...
 * int threads = context.options().get(THREADS);      // or find(THREADS) when it has no default
 * }</pre>
 *
 * Values are checked with the same rules and messages as core keys. Immutable; each method returns a
 * new declaration.
 *
 * @param <T> the typed value: {@code Boolean}, {@code Integer}, {@code Long}, {@code Double},
 *            {@code String}, an enum, {@code List<Integer>} or {@code List<String>}
 */
public final class Option<T> {
    private final String name;
    private final Class<?> javaType;
    private final Parameter parameter;
    private final @Nullable String engineArgument;
    private final String engineDefault;
    private final @Nullable String since;

    private Option(String name, Class<?> javaType, Parameter parameter) {
        this(name, javaType, parameter, null, "", null);
    }

    private Option(String name, Class<?> javaType, Parameter parameter, @Nullable String engineArgument,
            String engineDefault, @Nullable String since) {
        this.name = name;
        this.javaType = javaType;
        this.parameter = parameter;
        this.engineArgument = engineArgument;
        this.engineDefault = engineDefault;
        this.since = since;
    }

    private static <T> Option<T> of(String name, Class<?> javaType, ValueType type,
            @Nullable Class<? extends Enum<?>> choice) {
        if (!name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("option name \"" + name + "\" must be lower_snake_case");
        }
        return new Option<>(name, javaType, new Parameter("options." + name, type, null, null, null, choice, "", "",
                BackendScope.ALL));
    }

    /**
     * A true/false option.
     *
     * @param name the option's name, lower_snake_case
     * @return the declaration
     */
    public static Option<Boolean> bool(String name) {
        return of(name, Boolean.class, ValueType.BOOLEAN, null);
    }

    /**
     * A whole-number option (32-bit).
     *
     * @param name the option's name, lower_snake_case
     * @return the declaration
     */
    public static Option<Integer> integer(String name) {
        return of(name, Integer.class, ValueType.INTEGER, null);
    }

    /**
     * A whole-number option (64-bit).
     *
     * @param name the option's name, lower_snake_case
     * @return the declaration
     */
    public static Option<Long> longInteger(String name) {
        return of(name, Long.class, ValueType.LONG, null);
    }

    /**
     * A real-number option.
     *
     * @param name the option's name, lower_snake_case
     * @return the declaration
     */
    public static Option<Double> number(String name) {
        return of(name, Double.class, ValueType.DOUBLE, null);
    }

    /**
     * A text option.
     *
     * @param name the option's name, lower_snake_case
     * @return the declaration
     */
    public static Option<String> text(String name) {
        return of(name, String.class, ValueType.STRING, null);
    }

    /**
     * An option whose value is one of an enum's constants, written as their lower-case names.
     *
     * @param <E> the enum
     * @param name the option's name, lower_snake_case
     * @param type the enum's class
     * @return the declaration
     */
    public static <E extends Enum<E>> Option<E> choice(String name, Class<E> type) {
        return of(name, type, ValueType.CHOICE, type);
    }

    /**
     * A list of whole numbers.
     *
     * @param name the option's name, lower_snake_case
     * @return the declaration
     */
    public static Option<List<Integer>> integerList(String name) {
        return of(name, List.class, ValueType.INTEGER_LIST, null);
    }

    /**
     * A list of words.
     *
     * @param name the option's name, lower_snake_case
     * @return the declaration
     */
    public static Option<List<String>> textList(String name) {
        return of(name, List.class, ValueType.STRING_LIST, null);
    }

    private Option<T> with(@Nullable Object def, @Nullable Double min, @Nullable Double max, String unit,
            String description) {
        Parameter p = parameter;
        return new Option<>(name, javaType, new Parameter(p.path(), p.type(), def, min, max, p.choiceType(), unit,
                description, p.appliesTo()), engineArgument, engineDefault, since);
    }

    /**
     * The value when the option is not given.
     *
     * @param value the default, of the option's type
     * @return a copy with that default
     */
    public Option<T> defaultValue(T value) {
        Objects.requireNonNull(value, "value");
        if (!javaType.isInstance(value)) {
            throw new IllegalArgumentException(name + ": default " + value + " is not a " + javaType.getSimpleName());
        }
        return with(value, parameter.min(), parameter.max(), parameter.unit(), parameter.description());
    }

    /**
     * Allowed numbers, inclusive.
     *
     * @param min the smallest allowed number
     * @param max the largest allowed number
     * @return a copy with that range
     */
    public Option<T> range(double min, double max) {
        return with(parameter.defaultValue(), min, max, parameter.unit(), parameter.description());
    }

    /**
     * The smallest allowed number, inclusive.
     *
     * @param min the smallest allowed number
     * @return a copy with that minimum
     */
    public Option<T> min(double min) {
        return with(parameter.defaultValue(), min, parameter.max(), parameter.unit(), parameter.description());
    }

    /**
     * The unit of the value, e.g. {@code ms}.
     *
     * @param unit the unit
     * @return a copy with that unit
     */
    public Option<T> unit(String unit) {
        return with(parameter.defaultValue(), parameter.min(), parameter.max(), unit, parameter.description());
    }

    /**
     * What the option does, for {@code lem config keys --backend} and the docs.
     *
     * @param description what the option does
     * @return a copy with that description
     */
    public Option<T> describe(String description) {
        return with(parameter.defaultValue(), parameter.min(), parameter.max(), parameter.unit(), description);
    }

    /**
     * Marks the option as an engine argument: the name the engine itself gives it in its own argument list
     * (vLLM's {@code EngineArgs} field, a TensorRT-LLM LLM API field such as
     * {@code kv_cache_config.enable_block_reuse}). A backend translates such an option to the engine's
     * command line or configuration, records it in the results, and counts it in its parameter coverage. An
     * engine option normally has no LEM default: unset, the engine's own default applies
     * ({@link #engineDefault(String)}).
     *
     * @param argument the engine's name for it, lower_snake_case with dots for nested fields
     * @return a copy marked as that engine argument
     */
    public Option<T> engineArgument(String argument) {
        if (!argument.matches("[a-z_][a-z0-9_.]*")) {
            throw new IllegalArgumentException(name + ": engine argument \"" + argument + "\" must be a snake_case path");
        }
        return new Option<>(name, javaType, parameter, argument, engineDefault, since);
    }

    /**
     * The engine's own default, as the engine documents it (e.g. {@code 0.9}, or a rule), for the docs.
     *
     * @param text the engine's default
     * @return a copy with that engine default
     */
    public Option<T> engineDefault(String text) {
        return new Option<>(name, javaType, parameter, engineArgument, Objects.requireNonNull(text, "text"), since);
    }

    /**
     * The first engine version that accepts the argument; a server reporting an older version makes setting the
     * option an error before anything is measured.
     *
     * @param version the version, e.g. {@code 0.8.5}
     * @return a copy with that version
     */
    public Option<T> since(String version) {
        if (!version.matches("\\d+(\\.\\d+)*.*")) {
            throw new IllegalArgumentException(name + ": version \"" + version + "\" does not start with a number");
        }
        return new Option<>(name, javaType, parameter, engineArgument, engineDefault, version);
    }

    /** {@return the option's name under {@code options.}} */
    public String name() {
        return name;
    }

    /** {@return the engine's name for the argument this option sets, when it is an engine argument} */
    public Optional<String> engineArgument() {
        return Optional.ofNullable(engineArgument);
    }

    /** {@return the engine's own default as text; empty when not documented} */
    public String engineDefaultText() {
        return engineDefault;
    }

    /**
     * {@return the first engine version that accepts the argument, when it is known to be newer than the engines'
     * oldest}
     */
    public Optional<String> since() {
        return Optional.ofNullable(since);
    }

    /**
     * What is known about it, with the path {@code options.<name>}; for an engine argument the description ends
     * with the engine's default and the first version that accepts it.
     *
     * @return the parameter
     */
    public Parameter parameter() {
        if (engineArgument == null || engineDefault.isEmpty() && since == null) {
            return parameter;
        }
        Parameter p = parameter;
        String d = p.description() + (engineDefault.isEmpty() ? "" : " (engine default: " + engineDefault + ")")
                + (since == null ? "" : " (needs engine version >= " + since + ")");
        return new Parameter(p.path(), p.type(), p.defaultValue(), p.min(), p.max(), p.choiceType(), p.unit(), d,
                p.appliesTo());
    }

    @Override
    public String toString() {
        return parameter.path() + " (" + parameter.rule() + ", default " + parameter.defaultText() + ")";
    }
}
