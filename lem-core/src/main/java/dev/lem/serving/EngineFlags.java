package dev.lem.serving;

import dev.lem.config.Choice;
import dev.lem.config.ConfigProblem;
import dev.lem.config.Option;
import dev.lem.config.OptionValues;
import dev.lem.config.Parameter;
import dev.lem.spi.BackendSettings;
import dev.lem.spi.EngineSetting;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * How a backend's engine options ({@link Option#engineArgument}) are written on a managed server's command line,
 * one {@link Flag} per option, in the engine's own syntax: {@code --max-num-seqs 64}, a switch
 * ({@code --enforce-eager}), a negatable switch ({@code --no-enable-prefix-caching}), a list
 * ({@code --cudagraph-capture-sizes 1 2 4}), a field of a JSON-valued flag
 * ({@code --speculative-config '{"method": "ngram", ...}'}), or an entry of a configuration file the backend
 * writes (TensorRT-LLM's {@code --extra_llm_api_options} YAML).
 *
 * <p>The same table finds the engine arguments a configuration also passes verbatim ({@code server.args},
 * {@code extra:}): each is checked with the option's rule, setting one argument twice is an error that names
 * both places, and what was passed is recorded typed ({@link EngineSetting.Source#PASSED_THROUGH}). Immutable.
 */
public final class EngineFlags {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** How one option is written. */
    public enum Style {
        /** {@code --flag value}. */
        VALUE,
        /** {@code --flag} when true; nothing when false (the engine's default is false). */
        SWITCH,
        /** {@code --flag} when true, {@code --no-flag} when false. */
        NEGATABLE,
        /** {@code --flag v1 v2 ...}. */
        LIST,
        /** A field of a flag whose value is one JSON object. */
        JSON_FIELD,
        /** An entry of a configuration file the backend writes; not on the command line itself. */
        FILE_ENTRY
    }

    /**
     * One option's place on the command line.
     *
     * @param option  the option (an engine argument)
     * @param flag    the flag ({@code --max-num-seqs}); for {@link Style#JSON_FIELD} the JSON-valued flag, for
     *                {@link Style#FILE_ENTRY} the flag that names the file
     * @param style   how it is written
     * @param key     the field path inside the JSON object or file ({@code num_speculative_tokens},
     *                {@code kv_cache_config.enable_block_reuse}); empty otherwise
     * @param aliases other spellings of the flag the engine accepts ({@code -tp})
     * @param encode  turns the typed value into what the engine reads (e.g. upper-case enum names)
     */
    public record Flag(Option<?> option, String flag, Style style, String key, List<String> aliases,
            UnaryOperator<Object> encode) {
        /**
         * Checks that no component is null and copies {@code aliases}.
         *
         * @param option the option (an engine argument)
         * @param flag the flag
         * @param style how it is written
         * @param key the field path inside the JSON object or file; empty otherwise
         * @param aliases other spellings of the flag the engine accepts
         * @param encode turns the typed value into what the engine reads
         */
        public Flag {
            Objects.requireNonNull(option, "option");
            Objects.requireNonNull(flag, "flag");
            Objects.requireNonNull(style, "style");
            Objects.requireNonNull(key, "key");
            aliases = List.copyOf(aliases);
            Objects.requireNonNull(encode, "encode");
            if (option.engineArgument().isEmpty()) {
                throw new IllegalArgumentException(option.name() + " is not an engine argument");
            }
        }

        /**
         * {@code --flag value}.
         *
         * @param option the option
         * @param flag the flag, e.g. {@code --max-num-seqs}
         * @param aliases other spellings of the flag the engine accepts
         * @return the flag, written as a value flag
         */
        public static Flag value(Option<?> option, String flag, String... aliases) {
            return new Flag(option, flag, Style.VALUE, "", List.of(aliases), EngineFlags::word);
        }

        /**
         * A switch written only when true.
         *
         * @param option the option
         * @param flag the flag
         * @return the flag, written as a switch
         */
        public static Flag when(Option<Boolean> option, String flag) {
            return new Flag(option, flag, Style.SWITCH, "", List.of(), EngineFlags::word);
        }

        /**
         * A switch written {@code --flag} or {@code --no-flag}.
         *
         * @param option the option
         * @param flag the flag; the negation adds {@code no-} after the dashes
         * @return the flag, written as a negatable switch
         */
        public static Flag negatable(Option<Boolean> option, String flag) {
            return new Flag(option, flag, Style.NEGATABLE, "", List.of(), EngineFlags::word);
        }

        /**
         * {@code --flag v1 v2 ...}.
         *
         * @param option the option
         * @param flag the flag
         * @return the flag, written followed by the list's values
         */
        public static Flag list(Option<?> option, String flag) {
            return new Flag(option, flag, Style.LIST, "", List.of(), EngineFlags::word);
        }

        /**
         * A field of the JSON object passed as {@code flag}.
         *
         * @param option the option
         * @param flag the JSON-valued flag
         * @param key the field path inside the JSON object
         * @return the flag, written as a field of the JSON object
         */
        public static Flag json(Option<?> option, String flag, String key) {
            return new Flag(option, flag, Style.JSON_FIELD, key, List.of(), EngineFlags::word);
        }

        /**
         * An entry of the configuration file named by {@code flag}.
         *
         * @param option the option
         * @param flag the flag that names the configuration file
         * @param key the entry's path inside the file
         * @return the flag, written as an entry of the file
         */
        public static Flag file(Option<?> option, String flag, String key) {
            return new Flag(option, flag, Style.FILE_ENTRY, key, List.of(), EngineFlags::word);
        }

        /**
         * The same, with an encoder for the engine's spelling of values.
         *
         * @param encoder turns the typed value into what the engine reads
         * @return a copy of this flag with that encoder
         */
        public Flag encoded(UnaryOperator<Object> encoder) {
            return new Flag(option, flag, style, key, aliases, encoder);
        }

        /** {@return the engine argument of the option} */
        public String argument() {
            return option.engineArgument().orElseThrow();
        }

        private boolean isSwitch() {
            return style == Style.SWITCH || style == Style.NEGATABLE;
        }

        private String negation() {
            return "--no-" + flag.substring(2);
        }

        /** Whether a command-line token spells this flag (or its negation), with or without {@code =value}. */
        boolean spells(String token) {
            String name = token.contains("=") ? token.substring(0, token.indexOf('=')) : token;
            return name.equals(flag) || aliases.contains(name) || isSwitch() && name.equals(negation());
        }
    }

    /**
     * An engine argument found in {@code server.args} or {@code extra:}.
     *
     * @param flag  the flag it sets
     * @param value its value as written (text from {@code server.args}, YAML values from {@code extra:})
     * @param where {@code server.args} or {@code extra.<key>}
     */
    public record PassThrough(Flag flag, Object value, String where) {
    }

    private final List<Flag> flags;
    private final boolean dashes;

    private EngineFlags(List<Flag> flags, boolean dashes) {
        this.flags = List.copyOf(flags);
        this.dashes = dashes;
        List<String> seen = new ArrayList<>();
        for (Flag f : flags) {
            if (seen.contains(f.option().name())) {
                throw new IllegalArgumentException(f.option().name() + " has two flags");
            }
            seen.add(f.option().name());
        }
    }

    /**
     * A table of flags.
     *
     * @param flags the flags, at most one per option, in declaration order
     * @param dashes the engine spells flags with dashes ({@code --max-num-seqs}, vLLM) rather than underscores
     *               ({@code --max_batch_size}, trtllm-serve); decides how {@code extra:} keys become flags
     * @return the table
     */
    public static EngineFlags of(List<Flag> flags, boolean dashes) {
        return new EngineFlags(flags, dashes);
    }

    /** {@return every flag, in declaration order} */
    public List<Flag> flags() {
        return flags;
    }

    /** {@return every option in the table, in declaration order} */
    public List<Option<?>> options() {
        return flags.stream().<Option<?>>map(Flag::option).toList();
    }

    /**
     * The flag of an option.
     *
     * @param option the option
     * @return the option's flag; empty when the table has none for it
     */
    public Optional<Flag> flag(Option<?> option) {
        return flags.stream().filter(f -> f.option().name().equals(option.name())).findFirst();
    }

    /**
     * The flag an {@code extra:} key becomes, in this engine's spelling.
     *
     * @param key the {@code extra:} key
     * @return the flag, with two leading dashes
     */
    public String extraFlag(String key) {
        return "--" + (dashes ? key.replace('_', '-') : key.replace('-', '_'));
    }

    // ------------------------------------------------------------------ pass-through arguments

    /**
     * Finds every modelled engine argument in {@code server.args} and {@code extra:}, checks each value with its
     * option's rule and reports arguments set twice.
     *
     * @param s the backend settings holding {@code server.args} and {@code extra:}
     * @param problems where problems go, each naming the key and the fix
     * @return what was found, typed where the value could be checked
     */
    public List<PassThrough> passThrough(BackendSettings s, List<ConfigProblem> problems) {
        List<PassThrough> out = new ArrayList<>();
        List<String> args = s.server().args();
        Map<String, List<PassThrough>> byOption = new LinkedHashMap<>();
        for (Flag declared : flags) {
            Flag f = spelledOnCommandLine(declared);
            if (f == null) {
                continue; // nested file entries are merged with the user's own file by the backend
            }
            for (int i = 0; i < args.size(); i++) {
                String t = args.get(i);
                if (!f.spells(t)) {
                    continue;
                }
                Object raw;
                if (t.contains("=")) {
                    raw = t.substring(t.indexOf('=') + 1);
                } else if (f.isSwitch()) {
                    raw = !t.equals(f.negation());
                } else if (f.style() == Style.LIST) {
                    List<Object> items = new ArrayList<>();
                    while (i + 1 < args.size() && !args.get(i + 1).startsWith("-")) {
                        items.add(scalar(args.get(++i)));
                    }
                    raw = items;
                } else if (i + 1 < args.size()) {
                    raw = args.get(++i);
                } else {
                    problems.add(new ConfigProblem("server.args", t + " has no value: write `" + t + " <value>`, or "
                            + "set options." + f.option().name() + " instead"));
                    continue;
                }
                byOption.computeIfAbsent(key(f), k -> new ArrayList<>()).add(new PassThrough(f,
                        raw instanceof String str && f.style() != Style.JSON_FIELD ? scalar(str) : raw, "server.args"));
            }
            for (Map.Entry<String, Object> e : s.extra().entrySet()) {
                if (f.spells(extraFlag(e.getKey())) && e.getValue() != null) {
                    Object v = extraFlag(e.getKey()).startsWith("--no-") && f.isSwitch() && e.getValue() instanceof Boolean b
                            ? !b : e.getValue();
                    byOption.computeIfAbsent(key(f), k -> new ArrayList<>()).add(new PassThrough(f, v,
                            "extra." + e.getKey()));
                }
            }
        }
        for (Map.Entry<String, List<PassThrough>> e : byOption.entrySet()) {
            List<PassThrough> found = e.getValue();
            PassThrough first = found.get(0);
            Flag f = first.flag();
            boolean json = f.style() == Style.JSON_FIELD;
            List<Flag> owners = json ? flags.stream().filter(g -> g.flag().equals(f.flag())).toList() : List.of(f);
            List<Flag> setToo = owners.stream().filter(g -> s.options().isSet(g.option())).toList();
            if (!setToo.isEmpty()) {
                Flag g = setToo.get(0);
                problems.add(new ConfigProblem("options." + g.option().name(), Parameter.display(
                        s.options().raw(g.option().name())) + " is also set by " + first.where() + " (" + f.flag()
                        + "): set it once; options." + g.option().name() + " is typed, checked, recorded in the results "
                        + "and can be a campaign axis, so remove " + f.flag() + " from " + first.where()));
                continue;
            }
            if (found.size() > 1) {
                problems.add(new ConfigProblem(found.get(1).where(), f.flag() + " is set twice (" + first.where()
                        + " and " + found.get(1).where() + "): set it once, preferably as options."
                        + f.option().name()));
                continue;
            }
            if (json) {
                out.add(first);
                continue;
            }
            String path = first.where().equals("server.args") ? "server.args (" + f.flag() + ")" : first.where();
            Optional<?> typed = OptionValues.coerce(f.option(), first.value(), path, problems);
            typed.ifPresent(v -> out.add(new PassThrough(f, v, first.where())));
        }
        return out;
    }

    /**
     * How a flag is spelled on the command line: itself, or for a top-level file entry the engine's own flag of
     * that name (newer engines have more flags, e.g. trtllm-serve's {@code --enable_chunked_prefill}); null for a
     * nested file entry.
     */
    private @Nullable Flag spelledOnCommandLine(Flag f) {
        if (f.style() != Style.FILE_ENTRY) {
            return f;
        }
        if (f.key().contains(".")) {
            return null;
        }
        return new Flag(f.option(), extraFlag(f.key()), f.option().parameter().type() == dev.lem.config.ValueType.BOOLEAN
                ? Style.SWITCH : Style.VALUE, "", List.of(), f.encode());
    }

    private static String key(Flag f) {
        return f.style() == Style.JSON_FIELD ? f.flag() : f.option().name();
    }

    /** A command-line word as YAML would read it: a whole number, a number, true/false, or text. */
    static Object scalar(String s) {
        String t = s.strip();
        if (t.matches("[+-]?\\d{1,18}")) {
            return Long.parseLong(t);
        }
        if (t.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
            return Double.parseDouble(t);
        }
        if (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(t.toLowerCase(Locale.ROOT));
        }
        return t;
    }

    // ------------------------------------------------------------------ translation

    /**
     * The command-line flags of the options that are set, in declaration order: value flags, switches, lists,
     * then each JSON-valued flag once with every field set for it. {@link Style#FILE_ENTRY} options are not on
     * the command line ({@link #fileEntries}).
     *
     * @param options the option values
     * @return the flags and their values, one token each
     */
    public List<String> commandLine(OptionValues options) {
        List<String> out = new ArrayList<>();
        Map<String, Map<String, Object>> json = new LinkedHashMap<>();
        for (Flag f : flags) {
            if (!options.isSet(f.option())) {
                continue;
            }
            Object v = options.raw(f.option().name());
            Object e = f.encode().apply(v);
            switch (f.style()) {
                case VALUE -> {
                    out.add(f.flag());
                    out.add(text(e));
                }
                case SWITCH -> {
                    if (Boolean.TRUE.equals(v)) {
                        out.add(f.flag());
                    }
                }
                case NEGATABLE -> out.add(Boolean.TRUE.equals(v) ? f.flag() : f.negation());
                case LIST -> {
                    out.add(f.flag());
                    ((List<?>) e).forEach(x -> out.add(text(x)));
                }
                case JSON_FIELD -> put(json.computeIfAbsent(f.flag(), k -> new LinkedHashMap<>()), f.key(), e);
                case FILE_ENTRY -> {
                    // written to the file
                }
            }
        }
        json.forEach((flag, object) -> {
            out.add(flag);
            out.add(JSON.writeValueAsString(object));
        });
        return out;
    }

    /**
     * The configuration-file entries of the options that are set, as nested maps.
     *
     * @param options the option values
     * @return the entries, keyed by path segment
     */
    public Map<String, Object> fileEntries(OptionValues options) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Flag f : flags) {
            if (f.style() == Style.FILE_ENTRY && options.isSet(f.option())) {
                put(out, f.key(), f.encode().apply(options.raw(f.option().name())));
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static void put(Map<String, Object> into, String path, @Nullable Object value) {
        int dot = path.indexOf('.');
        if (dot < 0) {
            into.put(path, value);
            return;
        }
        Object child = into.computeIfAbsent(path.substring(0, dot), k -> new LinkedHashMap<String, Object>());
        if (!(child instanceof Map)) {
            child = new LinkedHashMap<String, Object>();
            into.put(path.substring(0, dot), child);
        }
        put((Map<String, Object>) child, path.substring(dot + 1), value);
    }

    /** A value as a command line writes it (choices as their words, whole numbers without a fraction). */
    static String text(@Nullable Object v) {
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString(d.longValue());
        }
        return v instanceof Enum<?> e ? Choice.word(e) : String.valueOf(v);
    }

    /**
     * The default encoder: enums become their words, everything else stays.
     *
     * @param v the typed value
     * @return the value as the engine reads it
     */
    public static Object word(Object v) {
        return v instanceof Enum<?> e ? Choice.word(e) : v;
    }

    /**
     * An encoder writing enums in upper case ({@code FULL_AND_PIECEWISE}).
     *
     * @param v the typed value
     * @return the value as the engine reads it
     */
    public static Object upper(Object v) {
        return v instanceof Enum<?> e ? e.name() : v;
    }

    // ------------------------------------------------------------------ versions

    /**
     * The options set that the engine's version does not accept ({@link Option#since}), one message each naming
     * the option, the version it needs and the version found.
     *
     * @param options the option values
     * @param version the engine's version
     * @param engine the engine's name for messages ({@code vLLM})
     * @param found  where the version was found ({@code "vllm --version"}, {@code "the server at http://..."})
     * @return the messages; empty when the version accepts every option set
     */
    public List<String> unsupported(OptionValues options, EngineVersion version, String engine, String found) {
        List<String> out = new ArrayList<>();
        for (Flag f : flags) {
            Optional<String> since = f.option().since();
            if (options.isSet(f.option()) && since.isPresent() && !version.atLeast(new EngineVersion(since.get()))) {
                out.add("options." + f.option().name() + " needs " + engine + " >= " + since.get() + " (engine argument "
                        + f.argument() + "), but " + found + " reports version " + version + ": upgrade " + engine
                        + ", or leave options." + f.option().name() + " unset so the engine's own default applies");
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ recording

    /**
     * The engine settings of these options, typed: for a managed server, set by LEM, passed through or the
     * engine's default; for a server LEM did not start, declared under {@code options:} or as configured outside
     * LEM.
     *
     * @param s the backend settings
     * @param passed the engine arguments found by {@link #passThrough}
     * @return the settings, one per option
     */
    public List<EngineSetting> settings(BackendSettings s, List<PassThrough> passed) {
        boolean managed = s.server().managed();
        List<EngineSetting> out = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        for (Flag f : flags) {
            Option<?> o = f.option();
            String name = f.argument();
            if (s.options().isSet(o)) {
                Object v = recorded(s.options().raw(o.name()));
                out.add(managed ? new EngineSetting(name, v, EngineSetting.Source.SET_BY_LEM, null, "options." + o.name())
                        : new EngineSetting(name, v, EngineSetting.Source.DECLARED, null, "options." + o.name()));
                continue;
            }
            Optional<PassThrough> p = passed.stream().filter(x -> x.flag().option().name().equals(o.name())).findFirst();
            if (managed && p.isPresent() && f.style() != Style.JSON_FIELD) {
                out.add(new EngineSetting(name, recorded(p.get().value()), EngineSetting.Source.PASSED_THROUGH, null,
                        p.get().where()));
                continue;
            }
            if (managed && f.style() == Style.JSON_FIELD) {
                Optional<PassThrough> group = passed.stream().filter(x -> x.flag().flag().equals(f.flag())).findFirst();
                if (group.isPresent()) {
                    String groupName = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
                    if (!groups.contains(groupName)) {
                        groups.add(groupName);
                        out.add(new EngineSetting(groupName, String.valueOf(group.get().value()),
                                EngineSetting.Source.PASSED_THROUGH, null, group.get().where() + " (" + f.flag() + ")"));
                    }
                    continue;
                }
            }
            out.add(managed ? new EngineSetting(name, null, EngineSetting.Source.ENGINE_DEFAULT, null,
                    o.engineDefaultText().isEmpty() ? "engine default" : "engine default: " + o.engineDefaultText())
                    : new EngineSetting(name, null, EngineSetting.Source.OUTSIDE_LEM, null,
                    "not reported by the server"));
        }
        return out;
    }

    /** A typed value as results store it: choices as their words, everything else as is. */
    static @Nullable Object recorded(@Nullable Object v) {
        return v instanceof Enum<?> e ? Choice.word(e) : v;
    }

    /**
     * Adds what the server reported to recorded settings: a setting the server reports gets it as
     * {@link EngineSetting#reported()}; an engine default or a setting configured outside LEM takes the reported
     * value ({@link EngineSetting.Source#REPORTED_BY_SERVER}); reported facts that are no setting of these options
     * are added at the end.
     *
     * @param settings the recorded settings
     * @param reported the facts the server reported, by engine argument
     * @param mismatches where a description of each declared or set value the server contradicts goes
     * @return the settings with the reported values, followed by the reported facts that match no setting
     */
    public static List<EngineSetting> withReported(List<EngineSetting> settings, Map<String, Object> reported,
            List<String> mismatches) {
        List<EngineSetting> out = new ArrayList<>();
        Map<String, Object> left = new LinkedHashMap<>(reported);
        for (EngineSetting s : settings) {
            Object r = left.remove(s.name());
            if (r == null) {
                out.add(s);
                continue;
            }
            switch (s.source()) {
                case ENGINE_DEFAULT, OUTSIDE_LEM -> out.add(new EngineSetting(s.name(), typedLike(r),
                        EngineSetting.Source.REPORTED_BY_SERVER, r, s.source() == EngineSetting.Source.ENGINE_DEFAULT
                        ? s.note() : "read from the server"));
                default -> {
                    if (s.value() != null && !same(s.value(), r)) {
                        mismatches.add(s.note() + " is " + Parameter.display(s.value()) + " but the server reports "
                                + s.name() + " " + r);
                    }
                    out.add(s.withReported(r));
                }
            }
        }
        left.forEach((k, v) -> out.add(new EngineSetting(k, typedLike(v), EngineSetting.Source.REPORTED_BY_SERVER, v,
                "read from the server")));
        return out;
    }

    /**
     * Whether a typed value and a reported one say the same (numbers by value, text case-insensitively).
     *
     * @param value the typed value
     * @param reported the value the server reported
     * @return whether both say the same
     */
    public static boolean same(Object value, Object reported) {
        Object a = value instanceof Enum<?> e ? Choice.word(e) : value;
        Object b = reported instanceof String str ? scalar(str) : reported;
        if (a instanceof Number x && b instanceof Number y) {
            return Math.abs(x.doubleValue() - y.doubleValue()) <= 1e-9 * Math.max(1, Math.abs(x.doubleValue()));
        }
        if (a instanceof List<?> la && b instanceof String) {
            return false;
        }
        return String.valueOf(a).equalsIgnoreCase(String.valueOf(b));
    }

    /** A reported value in typed form: text that is a number or true/false becomes one. */
    static Object typedLike(Object reported) {
        Object v = reported instanceof String s ? scalar(s) : reported;
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15 && reported instanceof String s
                && !s.contains(".")) {
            return d.longValue();
        }
        return v;
    }
}
