package dev.lem.quality;

import dev.lem.config.ConfigException;
import dev.lem.config.InputFiles;
import dev.lem.config.QualityConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Loads the text {@code quality.perplexity.dataset} names: {@code builtin} (chapters 1-3 of Moby-Dick, shipped in
 * lem-core's jar, public domain), a {@code .txt} file (one text) or a {@code .jsonl} file (one JSON object per line,
 * the text in {@code quality.perplexity.field}; texts joined by a blank line).
 */
public final class QualityTexts {
    /** The resource holding the built-in text, next to this class. */
    public static final String BUILTIN_RESOURCE = "moby-dick-ch1-3.txt";
    /** How the built-in text is named in results. */
    public static final String BUILTIN_NAME = "builtin: Herman Melville, Moby-Dick (1851), chapters 1-3, public domain";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String KEY = "quality.perplexity.dataset";

    private QualityTexts() {
    }

    /** {@return the built-in text} */
    public static QualityText builtIn() {
        try (InputStream in = QualityTexts.class.getResourceAsStream(BUILTIN_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(BUILTIN_RESOURCE + " is missing from lem-core's jar");
            }
            return new QualityText(BUILTIN_NAME, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the built-in text " + BUILTIN_RESOURCE, e);
        }
    }

    /**
     * The text a configuration names.
     *
     * @param settings the perplexity settings (with a dataset)
     * @return the text
     * @throws ConfigException naming {@code quality.perplexity.dataset} (or {@code .field}) when the file cannot be
     *                         read, is not UTF-8, or a line of a .jsonl file is not an object with the field as text
     * @throws IllegalArgumentException when no dataset is set
     */
    public static QualityText load(QualityConfig.Perplexity settings) {
        String d = settings.dataset().filter(x -> settings.enabled())
                .orElseThrow(() -> new IllegalArgumentException("quality.perplexity.dataset is not set"));
        if (d.trim().equals(QualityConfig.Perplexity.BUILTIN)) {
            return builtIn();
        }
        Path file = Path.of(d);
        String text = InputFiles.readText(file, InputFiles.MAX_PROMPT_BYTES, KEY);
        if (!d.toLowerCase(Locale.ROOT).endsWith(".jsonl")) {
            if (text.isBlank()) {
                throw new ConfigException(KEY, "\"" + file + "\" is empty: give a text to measure perplexity on");
            }
            return new QualityText(file.toString(), text);
        }
        List<String> texts = new ArrayList<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (JacksonException e) {
                throw new ConfigException(KEY, "\"" + file + "\" line " + (i + 1) + " is not JSON: "
                        + e.getOriginalMessage());
            }
            JsonNode v = n.path(settings.field());
            if (!v.isString()) {
                throw new ConfigException("quality.perplexity.field", "line " + (i + 1) + " of \"" + file
                        + "\" has no text field \"" + settings.field() + "\"" + (n.isObject() ? " (fields: "
                        + String.join(", ", n.propertyNames()) + ")" : "") + "; set quality.perplexity.field");
            }
            texts.add(v.asString());
        }
        if (texts.isEmpty()) {
            throw new ConfigException(KEY, "\"" + file + "\" holds no text: give one JSON object per line");
        }
        return new QualityText(file + " (" + texts.size() + " text" + (texts.size() == 1 ? "" : "s") + ", field "
                + settings.field() + ")", String.join("\n\n", texts));
    }
}
