package dev.lem.model;

import dev.lem.LemException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads a model's JSON files (config.json, safetensors indexes) with messages that say where and what to do. */
final class JsonFiles {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private JsonFiles() {
    }

    /**
     * Reads a JSON object.
     *
     * @param file the file
     * @param fix  what to do when it cannot be read, e.g. "download config.json again"
     * @throws LemException naming the file, the line and column of a syntax error, and the fix
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> readObject(Path file, String fix) {
        String text;
        try {
            text = Files.readString(file);
        } catch (CharacterCodingException e) {
            throw new LemException("Cannot read " + file + ": it is not UTF-8 text (a binary file, or another "
                    + "encoding); " + fix);
        } catch (IOException e) {
            throw new LemException("Cannot read " + file + ": " + e.getMessage() + "; " + fix, e);
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(text);
        } catch (JacksonException e) {
            var loc = e.getLocation();
            String at = loc == null || loc.getLineNr() < 1 ? ""
                    : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new LemException("Cannot read " + file + ": it is not valid JSON" + at + " ("
                    + e.getOriginalMessage().lines().findFirst().orElse("") + "); " + fix, e);
        }
        if (tree == null || !tree.isObject()) {
            throw new LemException("Cannot read " + file + ": it holds "
                    + (tree == null || tree.isMissingNode() ? "nothing" : tree.isNull() ? "null"
                            : "a JSON " + tree.getNodeType().name().toLowerCase(Locale.ROOT))
                    + ", not a JSON object; " + fix);
        }
        return JSON.convertValue(tree, Map.class);
    }
}
