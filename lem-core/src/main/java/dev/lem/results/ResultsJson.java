package dev.lem.results;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON form of every public result record: snake_case names, ISO-8601 instants, enums as their
 * lower-case words, absent values as {@code null}, and a {@code schema_version} on every file. Round-trips
 * every record without loss. Files of older schema versions are migrated when read ({@link SchemaMigration}).
 */
public final class ResultsJson {
    /** The schema version this LEM writes; it reads this one and every older one. */
    public static final int SCHEMA_VERSION = 2;

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(EnumFeature.WRITE_ENUMS_TO_LOWERCASE)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .build();

    private ResultsJson() {
    }

    /** {@return the configured mapper (thread-safe)} */
    public static JsonMapper mapper() {
        return MAPPER;
    }

    /**
     * Serialises a record to pretty JSON text.
     *
     * @param value the record
     * @return the JSON text
     */
    public static String write(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    /**
     * Reads JSON text into a record type, checking {@code schema_version} when the document has one at its
     * top level and migrating older versions.
     *
     * @param <T> the record type
     * @param json the JSON text
     * @param type the record type's class
     * @param where the file, for messages
     * @return the record
     * @throws ResultsException when the text is not a valid result of this type, or a newer LEM wrote it
     */
    public static <T> T read(String json, Class<T> type, String where) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new ResultsException(where + " is not a valid LEM result file: it is not JSON ("
                    + e.getOriginalMessage() + at(e) + ")");
        }
        if (!(tree instanceof ObjectNode obj)) {
            throw new ResultsException(where + " is not a valid LEM result file: it holds "
                    + (tree == null || tree.isMissingNode() ? "nothing" : tree.isNull() ? "null" : "a JSON "
                    + tree.getNodeType().name().toLowerCase(java.util.Locale.ROOT)) + ", not a JSON object");
        }
        if (obj.has("schema_version")) {
            int v = checkVersion(obj.get("schema_version"), where);
            SchemaMigration.migrate(obj, v);
        } else if (versioned(type)) {
            throw new ResultsException(where + " has no schema_version, so it is not a file LEM wrote (or it was "
                    + "edited): every LEM result file carries one; restore the file or remove it");
        }
        try {
            T value = MAPPER.treeToValue(obj, type);
            if (value == null) {
                throw new ResultsException(where + " is not a valid LEM result file: it holds no " + type.getSimpleName());
            }
            return value;
        } catch (JacksonException e) {
            throw new ResultsException(where + " is not a valid LEM result file: " + e.getOriginalMessage() + at(e));
        } catch (RuntimeException e) {
            throw new ResultsException(where + " is not a valid LEM result file: " + e.getMessage());
        }
    }

    private static String at(JacksonException e) {
        var loc = e.getLocation();
        return loc == null || loc.getLineNr() < 1 ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    /** Whether files of this type carry {@code schema_version} (every result record that has the component). */
    private static boolean versioned(Class<?> type) {
        return type.isRecord() && java.util.Arrays.stream(type.getRecordComponents())
                .anyMatch(c -> c.getName().equals("schemaVersion"));
    }

    /** Refuses versions newer than this LEM's; returns the version. */
    static int checkVersion(JsonNode version, String where) {
        if (!version.canConvertToInt()) {
            throw new ResultsException(where + ": schema_version " + version + " is not a number");
        }
        int v = version.asInt();
        if (v > SCHEMA_VERSION) {
            throw new ResultsException(where + " was written by a newer LEM (results schema " + v
                    + "; this LEM reads up to " + SCHEMA_VERSION + "): upgrade LEM to read it");
        }
        if (v < 1) {
            throw new ResultsException(where + ": schema_version " + v + " is invalid");
        }
        return v;
    }
}
