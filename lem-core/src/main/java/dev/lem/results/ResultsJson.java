package dev.lem.results;

import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON form of every public result record: snake_case names, ISO-8601 instants, absent values
 * as {@code null}, and a {@code schema_version} on every file. Round-trips every record without loss.
 */
public final class ResultsJson {
    /** The schema version this LEM writes and reads. */
    public static final int SCHEMA_VERSION = 1;

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private ResultsJson() {
    }

    /** The configured mapper (thread-safe). */
    public static JsonMapper mapper() {
        return MAPPER;
    }

    /** Serialises a record to pretty JSON text. */
    public static String write(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    /**
     * Reads JSON text into a record type, checking {@code schema_version} when the document has one
     * at its top level.
     *
     * @param where the file, for messages
     */
    public static <T> T read(String json, Class<T> type, String where) {
        try {
            JsonNode tree = MAPPER.readTree(json);
            if (tree instanceof ObjectNode obj && obj.has("schema_version")) {
                checkVersion(obj.get("schema_version"), where);
            }
            return MAPPER.treeToValue(tree, type);
        } catch (JacksonException e) {
            throw new ResultsException(where + " is not a valid LEM result file: " + e.getOriginalMessage());
        }
    }

    /**
     * Refuses versions newer than this LEM's; older versions would be migrated here (version 1 is the
     * first, so there is nothing to migrate yet).
     */
    static void checkVersion(JsonNode version, String where) {
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
    }

    /** Converts a record to a generic map (for flattening to CSV). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> toMap(Object value) {
        return MAPPER.convertValue(value, Map.class);
    }
}
