package dev.lem.config.internal;

import dev.lem.config.ConfigException;
import dev.lem.config.InputFiles;
import java.util.Optional;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads one YAML or JSON config file into a tree of maps, lists and scalars, safely: a size limit,
 * strict UTF-8, a limit on aliases (no "billion laughs"), no duplicate keys, no recursive keys.
 */
public final class ConfigFileReader {
    /** Config files larger than this are refused (they are never legitimately this big). */
    public static final int MAX_FILE_BYTES = (int) InputFiles.MAX_CONFIG_BYTES;
    private static final int MAX_ALIASES = 50;
    private static final int MAX_DEPTH = 32;

    private ConfigFileReader() {
    }

    /** Reads {@code file}; every failure is a {@link ConfigException} naming the file. */
    public static Map<String, Object> read(Path file) {
        String where = file.toString();
        Optional<String> problem = InputFiles.problem(file, MAX_FILE_BYTES);
        if (problem.isPresent()) {
            String p = problem.get();
            if (!Files.exists(file)) {
                p = "file not found (check the path; relative paths in a config file are resolved against that "
                        + "file's folder)";
            } else if (p.contains(" bytes; ")) {
                p = "file is too large: config files are limited to " + MAX_FILE_BYTES
                        + " bytes (is this really a config file?)";
            }
            throw new ConfigException(where, p.replace("\"" + file + "\" ", ""));
        }
        String text;
        try {
            text = InputFiles.readText(file, MAX_FILE_BYTES, where);
        } catch (ConfigException e) {
            String m = e.problems().get(0).message();
            throw new ConfigException(where, m.contains("UTF-8") ? "is not valid UTF-8 text: save it as UTF-8" : m);
        }
        return parse(text, where);
    }

    /** Parses config text (YAML 1.2, which includes JSON). */
    public static Map<String, Object> parse(String text, String where) {
        if (text.lines().allMatch(l -> l.isBlank() || l.stripLeading().startsWith("#"))) {
            throw new ConfigException(where, "file is empty: write at least one setting, e.g. \"model: synthetic:SmolLM2-135M\"");
        }
        LoadSettings settings = LoadSettings.builder()
                .setLabel(where)
                .setAllowDuplicateKeys(false)
                .setAllowRecursiveKeys(false)
                .setMaxAliasesForCollections(MAX_ALIASES)
                .setCodePointLimit(MAX_FILE_BYTES)
                .setUseMarks(true)
                .build();
        Object root;
        try {
            root = new Load(settings).loadFromString(text);
        } catch (YamlEngineException e) {
            throw new ConfigException(where, "is not valid YAML/JSON: " + oneLine(e.getMessage()));
        } catch (StackOverflowError e) {
            throw new ConfigException(where, "is nested too deeply to be a config file");
        }
        if (root == null) {
            throw new ConfigException(where, "file is empty: write at least one setting");
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new ConfigException(where, "must be a mapping of settings (key: value), not a "
                    + describe(root));
        }
        return normalise(map, where, "", 0);
    }

    private static Map<String, Object> normalise(Map<?, ?> map, String where, String path, int depth) {
        if (depth > MAX_DEPTH) {
            throw new ConfigException(where, "is nested too deeply (more than " + MAX_DEPTH + " levels)");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new ConfigException(where, "key " + e.getKey() + (path.isEmpty() ? "" : " under " + path)
                        + " is not text: write keys as words");
            }
            out.put(key, normaliseValue(e.getValue(), where, path.isEmpty() ? key : path + "." + key, depth + 1));
        }
        return out;
    }

    private static Object normaliseValue(Object value, String where, String path, int depth) {
        if (value instanceof Map<?, ?> m) {
            return normalise(m, where, path, depth);
        }
        if (value instanceof java.util.List<?> list) {
            java.util.List<Object> out = new java.util.ArrayList<>(list.size());
            for (Object o : list) {
                out.add(normaliseValue(o, where, path, depth + 1));
            }
            return out;
        }
        if (value instanceof java.math.BigInteger b) {
            return b.bitLength() < 64 ? (Object) b.longValue() : b.toString();
        }
        return value;
    }

    static String describe(Object o) {
        if (o instanceof java.util.List<?>) {
            return "list";
        }
        if (o instanceof String) {
            return "text value";
        }
        return o.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + " value";
    }

    private static String oneLine(String message) {
        if (message == null) {
            return "syntax error";
        }
        return message.replaceAll("\\s*\\n\\s*", " ").trim();
    }
}
