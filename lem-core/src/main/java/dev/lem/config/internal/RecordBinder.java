package dev.lem.config.internal;

import dev.lem.config.BackendScope;
import dev.lem.config.Choice;
import dev.lem.config.ConfigProblem;
import dev.lem.config.Key;
import dev.lem.config.NotAKey;
import dev.lem.config.Parameter;
import dev.lem.config.ValueType;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Reads the configuration keys declared with {@link Key} on a tree of records, and moves values between
 * that record tree and flat maps of dotted paths — the reflection behind {@code ConfigSchema},
 * {@code ExperimentConfig.toValues()} and the resolver's binding. A record component is a key (a leaf), a
 * section (a record type), a free mapping ({@code Map<String, Object>}, stored as {@code <path>.<name>}
 * entries), or marked {@link NotAKey}; anything else is a programming error found when the schema is built.
 */
public final class RecordBinder {
    private RecordBinder() {
    }

    /** One node of the declared tree. */
    public sealed interface Node permits Leaf, Section {
        /** The dotted path. */
        String path();
    }

    /**
     * A key.
     *
     * @param parameter what is known about it
     * @param component the record component it binds to
     */
    public record Leaf(Parameter parameter, RecordComponent component) implements Node {
        @Override
        public String path() {
            return parameter.path();
        }
    }

    /**
     * A section of keys.
     *
     * @param path      dotted path
     * @param doc       its description
     * @param appliesTo the backends its keys have an effect on (each key may narrow it)
     * @param type      the section's record
     * @param children  its keys and sub-sections, in declaration order
     * @param component the record component it binds to
     */
    public record Section(String path, String doc, BackendScope appliesTo, Class<? extends Record> type,
            List<Node> children, @Nullable RecordComponent component) implements Node {
    }

    /**
     * Reads the declared tree of a record type.
     *
     * @throws IllegalStateException when a component is not a valid declaration (missing {@link Key}, a
     *                               default that does not satisfy its own rule, an unsupported type)
     */
    public static Section describe(Class<? extends Record> root) {
        return new Section("", "", BackendScope.ALL, root, children(root, "", BackendScope.ALL), null);
    }

    @SuppressWarnings("unchecked")
    private static List<Node> children(Class<? extends Record> type, String prefix, BackendScope inherited) {
        List<Node> out = new ArrayList<>();
        for (RecordComponent c : type.getRecordComponents()) {
            if (c.isAnnotationPresent(NotAKey.class)) {
                continue;
            }
            Key key = c.getAnnotation(Key.class);
            if (key == null) {
                throw new IllegalStateException(type.getName() + "." + c.getName()
                        + " is neither a configuration key (@Key) nor marked @NotAKey");
            }
            String name = key.name().isEmpty() ? snakeCase(c.getName()) : key.name();
            String path = prefix.isEmpty() ? name : prefix + "." + name;
            BackendScope scope = key.appliesTo() == BackendScope.ALL ? inherited : key.appliesTo();
            if (c.getType().isRecord()) {
                Class<? extends Record> sub = (Class<? extends Record>) c.getType();
                out.add(new Section(path, key.doc(), scope, sub, children(sub, path, scope), c));
            } else {
                out.add(new Leaf(parameter(path, key, scope, c), c));
            }
        }
        return List.copyOf(out);
    }

    /** {@code maxOutputTokens} becomes {@code max_output_tokens}, {@code intensityGPerKwh} {@code intensity_g_per_kwh}. */
    public static String snakeCase(String camel) {
        StringBuilder s = new StringBuilder();
        for (char ch : camel.toCharArray()) {
            if (Character.isUpperCase(ch)) {
                s.append('_').append(Character.toLowerCase(ch));
            } else {
                s.append(ch);
            }
        }
        return s.toString();
    }

    @SuppressWarnings("unchecked")
    private static Parameter parameter(String path, Key key, BackendScope scope, RecordComponent c) {
        Class<?> raw = c.getType();
        boolean optional = raw == Optional.class;
        Class<?> value = optional ? typeArgument(c.getGenericType(), 0) : raw;
        ValueType type;
        Class<? extends Enum<?>> choice = null;
        if (value == String.class) {
            type = key.path() ? ValueType.PATH : ValueType.STRING;
        } else if (value == int.class || value == Integer.class) {
            type = ValueType.INTEGER;
        } else if (value == long.class || value == Long.class) {
            type = ValueType.LONG;
        } else if (value == double.class || value == Double.class) {
            type = ValueType.DOUBLE;
        } else if (value == boolean.class || value == Boolean.class) {
            type = ValueType.BOOLEAN;
        } else if (value.isEnum()) {
            type = ValueType.CHOICE;
            choice = (Class<? extends Enum<?>>) value;
        } else if (value == List.class) {
            Class<?> item = typeArgument(c.getGenericType(), 0);
            type = item == String.class ? ValueType.STRING_LIST : item == Double.class ? ValueType.NUMBER_LIST
                    : item == Integer.class ? ValueType.INTEGER_LIST : null;
            if (type == null) {
                throw new IllegalStateException(path + ": lists of " + item.getSimpleName() + " are not supported");
            }
        } else if (value == Map.class) {
            type = ValueType.MAP;
        } else {
            throw new IllegalStateException(path + ": type " + value.getName() + " is not supported for a key");
        }
        Double min = key.min() == Double.NEGATIVE_INFINITY ? null : key.min();
        Double max = key.max() == Double.POSITIVE_INFINITY ? null : key.max();
        Parameter shape = new Parameter(path, type, null, min, max, choice, key.unit(), key.doc(), scope);
        Object def = null;
        if (!key.defaultValue().equals(Key.NO_DEFAULT)) {
            Object parsed = parseYaml(key.defaultValue());
            List<ConfigProblem> problems = new ArrayList<>();
            def = parsed == null ? null : Coercion.coerce(shape, parsed, problems);
            if (def == null) {
                throw new IllegalStateException(path + ": default \"" + key.defaultValue() + "\" is invalid " + problems);
            }
        } else if (type == ValueType.MAP) {
            def = Map.of();
        } else if (!optional) {
            throw new IllegalStateException(path + ": a key that is not Optional needs a defaultValue");
        }
        if (def != null && optional) {
            throw new IllegalStateException(path + ": an Optional key is unset by default; give no defaultValue");
        }
        return new Parameter(path, type, def, min, max, choice, key.unit(), key.doc(), scope);
    }

    private static Class<?> typeArgument(Type generic, int index) {
        if (generic instanceof ParameterizedType pt && pt.getActualTypeArguments()[index] instanceof Class<?> c) {
            return c;
        }
        throw new IllegalStateException("cannot read the type argument of " + generic);
    }

    /** Reads a value written as YAML (a scalar, a list or a mapping). */
    public static @Nullable Object parseYaml(String text) {
        return new Load(LoadSettings.builder().setMaxAliasesForCollections(5).setCodePointLimit(65_536).build())
                .loadFromString(text);
    }

    // ---------------------------------------------------------------- binding

    /**
     * Builds a record tree from typed values by dotted path ({@link Coercion}'s forms; free mappings as
     * {@code <path>.<name>} entries); keys without a value take their default.
     *
     * @param derived values of the components marked {@link NotAKey}, by component name
     */
    public static <R extends Record> R bind(Section section, Map<String, Object> typed, Map<String, Object> derived) {
        Class<? extends Record> type = section.type();
        RecordComponent[] components = type.getRecordComponents();
        Object[] args = new Object[components.length];
        Map<String, Node> byComponent = new LinkedHashMap<>();
        for (Node n : section.children()) {
            byComponent.put(component(n).getName(), n);
        }
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            Node n = byComponent.get(c.getName());
            if (n == null) {
                args[i] = derived.get(c.getName());
            } else if (n instanceof Section s) {
                args[i] = bind(s, typed, derived);
            } else {
                Leaf leaf = (Leaf) n;
                args[i] = componentValue(leaf, typed);
            }
        }
        try {
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
            }
            Constructor<? extends Record> ctor = type.getDeclaredConstructor(types);
            @SuppressWarnings("unchecked")
            R r = (R) ctor.newInstance(args);
            return r;
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("cannot build " + type.getName(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + type.getName(), e);
        }
    }

    private static RecordComponent component(Node n) {
        return n instanceof Leaf l ? l.component() : ((Section) n).component();
    }

    private static @Nullable Object componentValue(Leaf leaf, Map<String, Object> typed) {
        Parameter p = leaf.parameter();
        Class<?> raw = leaf.component().getType();
        if (p.type() == ValueType.MAP) {
            Map<String, Object> m = new TreeMap<>();
            String prefix = p.path() + ".";
            typed.forEach((k, v) -> {
                if (k.startsWith(prefix) && v != null) {
                    m.put(k.substring(prefix.length()), v);
                }
            });
            return m;
        }
        Object v = typed.containsKey(p.path()) ? typed.get(p.path()) : p.defaultValue();
        if (raw == Optional.class) {
            return Optional.ofNullable(v);
        }
        if (v == null) {
            throw new IllegalStateException(p.path() + " has no value");
        }
        return v;
    }

    // ---------------------------------------------------------------- flattening

    /** Every key's value of a record tree by dotted path, as a config file writes it (choices as words). */
    public static Map<String, Object> flatten(Section section, Record record) {
        Map<String, Object> out = new LinkedHashMap<>();
        flatten(section, record, out);
        return out;
    }

    private static void flatten(Section section, Record record, Map<String, Object> out) {
        for (Node n : section.children()) {
            Object v = read(component(n), record);
            if (n instanceof Section s) {
                flatten(s, (Record) v, out);
                continue;
            }
            Parameter p = ((Leaf) n).parameter();
            if (v instanceof Optional<?> o) {
                v = o.orElse(null);
            }
            if (v == null) {
                continue;
            }
            if (p.type() == ValueType.MAP) {
                ((Map<?, ?>) v).forEach((k, x) -> out.put(p.path() + "." + k, written(x)));
            } else {
                out.put(p.path(), written(v));
            }
        }
    }

    /** The record tree as nested maps, as a YAML or JSON file holds it; unset values are absent. */
    public static Map<String, Object> tree(Section section, Record record) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Node n : section.children()) {
            Object v = read(component(n), record);
            String name = n.path().substring(n.path().lastIndexOf('.') + 1);
            if (n instanceof Section s) {
                out.put(name, tree(s, (Record) v));
                continue;
            }
            if (v instanceof Optional<?> o) {
                v = o.orElse(null);
            }
            if (v != null) {
                out.put(name, written(v));
            }
        }
        return out;
    }

    private static Object written(Object v) {
        if (v instanceof Enum<?> e) {
            return Choice.word(e);
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new TreeMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), written(x)));
            return out;
        }
        return v;
    }

    private static Object read(RecordComponent c, Record record) {
        try {
            return c.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + c.getName(), e);
        }
    }
}
