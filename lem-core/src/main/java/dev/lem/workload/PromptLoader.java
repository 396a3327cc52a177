package dev.lem.workload;

import dev.lem.config.ConfigException;
import dev.lem.config.InputFiles;
import dev.lem.config.PromptsConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import java.util.Random;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Loads the prompts an experiment's configuration names. */
public final class PromptLoader {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private PromptLoader() {
    }

    /** {@return the built-in prompt set, in file order} */
    public static List<String> builtIn() {
        try (InputStream in = PromptLoader.class.getResourceAsStream("builtin-prompts.txt")) {
            if (in == null) {
                throw new IllegalStateException("builtin-prompts.txt is missing from lem-core's jar");
            }
            List<String> out = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (!line.isBlank() && !line.startsWith("#")) {
                        out.add(line.strip());
                    }
                }
            }
            return List.copyOf(out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the built-in prompts", e);
        }
    }

    /**
     * The prompts of a configuration (source, path, shuffle with {@code seed}, limit). When the source
     * has fewer prompts than the limit, prompts are repeated in order to reach it.
     *
     * @param config the prompt settings
     * @param seed the seed of the shuffle and of synthetic prompts
     * @param inline prompts given in code, for the inline source
     * @return the prompts, as many as the limit
     */
    public static List<String> load(PromptsConfig config, long seed, List<String> inline) {
        List<String> all = switch (config.source()) {
            case BUILTIN -> builtIn();
            case FILE -> fromFile(path(config), config.field());
            case SHAREGPT -> shareGpt(path(config));
            case INLINE -> inline;
            case SYNTHETIC -> SyntheticPrompts.texts(config.synthetic(), config.limit(), seed);
        };
        if (all.isEmpty()) {
            throw new ConfigException("prompts.path", "the prompt source has no prompts");
        }
        List<String> list = new ArrayList<>(all);
        if (config.shuffle()) {
            Collections.shuffle(list, new Random(seed));
        }
        List<String> out = new ArrayList<>(config.limit());
        for (int i = 0; i < config.limit(); i++) {
            out.add(list.get(i % list.size()));
        }
        return out;
    }

    private static Path path(PromptsConfig config) {
        return Path.of(config.path().orElseThrow(() -> new ConfigException("prompts.path",
                "is required for prompts.source " + config.source())));
    }

    /**
     * Text (one prompt per line, blank lines skipped) or JSONL (the given field of each object).
     *
     * @param file the text or JSONL file
     * @param field the field holding the prompt in each JSONL object
     * @return the prompts, in file order
     */
    public static List<String> fromFile(Path file, String field) {
        List<String> lines = readLines(file);
        boolean jsonl = file.getFileName().toString().endsWith(".jsonl");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            if (!jsonl) {
                out.add(line.strip());
                continue;
            }
            try {
                JsonNode node = JSON.readTree(line);
                JsonNode value = node.get(field);
                if (value == null || !value.isString()) {
                    throw new ConfigException("prompts.field", file + " line " + (i + 1) + " has no text field \""
                            + field + "\"; set prompts.field to the field holding the prompt");
                }
                out.add(value.asString());
            } catch (JacksonException e) {
                throw new ConfigException("prompts.path", file + " line " + (i + 1) + " is not JSON: "
                        + e.getOriginalMessage());
            }
        }
        return out;
    }

    /**
     * The first human turn of each conversation of a ShareGPT export.
     *
     * @param file the ShareGPT JSON file
     * @return the prompts, in file order
     */
    public static List<String> shareGpt(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(String.join("\n", readLines(file)));
        } catch (JacksonException e) {
            throw new ConfigException("prompts.path", file + " is not JSON: " + e.getOriginalMessage());
        }
        if (!root.isArray()) {
            throw new ConfigException("prompts.path", file + " is not a ShareGPT export (expected a JSON array of "
                    + "{\"conversations\": [{\"from\": \"human\", \"value\": ...}]})");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode conv : root) {
            JsonNode turns = conv.get("conversations");
            if (turns == null || !turns.isArray()) {
                continue;
            }
            for (JsonNode t : turns) {
                String from = t.path("from").asString("");
                if ((from.equals("human") || from.equals("user")) && t.path("value").isString()) {
                    out.add(t.get("value").asString());
                    break;
                }
            }
        }
        return out;
    }

    private static List<String> readLines(Path file) {
        return InputFiles.readLines(file, InputFiles.MAX_PROMPT_BYTES, "prompts.path");
    }

}
