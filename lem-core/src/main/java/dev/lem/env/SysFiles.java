package dev.lem.env;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Cheap, bounded readers for the one-value files of {@code /sys} and {@code /proc} (RAPL counters, memory
 * totals, CPU facts), shared by the environment capture and the meters. Stateless and thread-safe.
 */
public final class SysFiles {
    private static final int MAX_VALUE_BYTES = 64;

    private SysFiles() {
    }

    /** Reads one number from a file; {@link SysFiles#readLong} in production, a fake in tests. */
    @FunctionalInterface
    public interface LongReader {
        /**
         * Reads the number a file holds.
         *
         * @param file the file
         * @return the number
         * @throws IOException when the file cannot be read or does not hold a number
         */
        long read(Path file) throws IOException;
    }

    /**
     * Reads a file holding one non-negative decimal integer (e.g. {@code energy_uj}).
     *
     * @param file the file
     * @return the number
     * @throws IOException when the file cannot be read (including {@link java.nio.file.AccessDeniedException})
     *                     or does not hold a number
     */
    public static long readLong(Path file) throws IOException {
        byte[] buf = new byte[MAX_VALUE_BYTES];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(buf, 0, buf.length);
        }
        long v = 0;
        int digits = 0;
        for (int i = 0; i < n; i++) {
            byte b = buf[i];
            if (b >= '0' && b <= '9') {
                if (digits == 18) {
                    throw new IOException(file + " holds a number too large for 63 bits");
                }
                v = v * 10 + (b - '0');
                digits++;
            } else if (b == '\n' || b == ' ' || b == '\r' || b == '\t') {
                if (digits > 0) {
                    break;
                }
            } else {
                throw new IOException(file + " does not hold a non-negative integer: \""
                        + new String(buf, 0, n, StandardCharsets.US_ASCII).trim() + "\"");
            }
        }
        if (digits == 0) {
            throw new IOException(file + " is empty");
        }
        return v;
    }

    /**
     * {@link #readLong}, or empty when the file is missing, unreadable or not a number.
     *
     * @param file the file
     * @return the number; empty when the file is missing, unreadable or not a number
     */
    public static OptionalLong tryLong(Path file) {
        try {
            return OptionalLong.of(readLong(file));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * The trimmed first line of a file, or empty when missing, unreadable or blank.
     *
     * @param file the file
     * @return the trimmed first line; empty when missing, unreadable or blank
     */
    public static Optional<String> firstLine(Path file) {
        List<String> lines = lines(file);
        return lines.isEmpty() || lines.get(0).isBlank() ? Optional.empty() : Optional.of(lines.get(0).trim());
    }

    /**
     * Every line of a text file, or none when it cannot be read.
     *
     * @param file the file
     * @return the lines; empty when the file cannot be read
     */
    public static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /**
     * A {@code Key:   123 kB} field of a {@code /proc} file such as {@code meminfo} or {@code <pid>/status},
     * in bytes; empty when missing or unreadable.
     *
     * @param file the {@code /proc} file
     * @param key the field's name, e.g. {@code MemTotal}
     * @return the field's value, bytes; empty when missing or unreadable
     */
    public static OptionalLong kibField(Path file, String key) {
        String prefix = key + ":";
        for (String line : lines(file)) {
            if (line.startsWith(prefix)) {
                String[] parts = line.substring(prefix.length()).trim().split("\\s+");
                try {
                    return OptionalLong.of(Long.parseLong(parts[0]) * 1024L);
                } catch (RuntimeException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }

    /**
     * A short description of why reading failed, for messages.
     *
     * @param e the exception reading threw
     * @return {@code permission denied}, {@code missing}, or the exception's message
     */
    public static String why(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "missing";
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
