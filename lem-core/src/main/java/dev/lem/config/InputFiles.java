package dev.lem.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads the files a configuration names (config files, prompt files) safely: only regular files (a device
 * such as {@code /dev/zero}, a folder or a pipe is refused before anything is read), at most a stated
 * size, strict UTF-8. Every refusal is a {@link ConfigException} naming the key, the file and the fix.
 */
public final class InputFiles {
    /** Config files larger than this are refused (they are never legitimately this big). */
    public static final long MAX_CONFIG_BYTES = 1L << 20;
    /** Prompt files larger than this are refused (ShareGPT's full export is about 0.7 GB). */
    public static final long MAX_PROMPT_BYTES = 2L << 30;

    private InputFiles() {
    }

    /**
     * Why {@code file} cannot be read as an input of at most {@code maxBytes}, if it cannot.
     *
     * @param file the file
     * @param maxBytes the largest size accepted, bytes
     * @return the problem; empty when the file can be read
     */
    public static Optional<String> problem(Path file, long maxBytes) {
        if (!Files.exists(file)) {
            return Optional.of("\"" + file + "\" does not exist");
        }
        if (Files.isDirectory(file)) {
            return Optional.of("\"" + file + "\" is a folder; give a file");
        }
        if (!Files.isRegularFile(file)) {
            return Optional.of("\"" + file + "\" is not a regular file (a device, pipe or socket); give a file");
        }
        if (!Files.isReadable(file)) {
            return Optional.of("\"" + file + "\" is not readable: permission denied");
        }
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                return Optional.of("\"" + file + "\" is " + size + " bytes; at most " + maxBytes
                        + " bytes are read (is this the right file?)");
            }
        } catch (IOException e) {
            return Optional.of("cannot read \"" + file + "\": " + e.getMessage());
        }
        return Optional.empty();
    }

    /**
     * The file's text, checked as above and decoded as strict UTF-8 (a leading byte-order mark dropped).
     *
     * @param file the file
     * @param maxBytes the largest size accepted, bytes
     * @param key the configuration key that names the file, for messages
     * @return the text
     */
    public static String readText(Path file, long maxBytes, String key) {
        Optional<String> p = problem(file, maxBytes);
        if (p.isPresent()) {
            throw new ConfigException(key, p.get());
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigException(key, "cannot read \"" + file + "\": " + e.getMessage());
        }
        if (bytes.length > maxBytes) {
            throw new ConfigException(key, "\"" + file + "\" grew past " + maxBytes + " bytes while being read");
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            throw new ConfigException(key, "\"" + file + "\" is not UTF-8 text (a binary file, or another encoding):"
                    + " save it as UTF-8");
        }
    }

    /**
     * The file's lines (see {@link #readText}).
     *
     * @param file the file
     * @param maxBytes the largest size accepted, bytes
     * @param key the configuration key that names the file, for messages
     * @return the lines
     */
    public static List<String> readLines(Path file, long maxBytes, String key) {
        return readText(file, maxBytes, key).lines().toList();
    }
}
