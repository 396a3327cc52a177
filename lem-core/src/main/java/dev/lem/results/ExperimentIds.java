package dev.lem.results;

import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * Experiment ids: a UTC timestamp and a random suffix, e.g. {@code 20261122T231500Z-k3x9qa}. Generated,
 * never taken from user input, so they are always safe as directory names.
 */
public final class ExperimentIds {
    private static final Pattern ID = Pattern.compile("\\d{8}T\\d{6}Z-[a-z0-9]{6}");
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private ExperimentIds() {
    }

    /**
     * A new id.
     *
     * @return the id: the current UTC time and a random suffix
     */
    public static String generate() {
        StringBuilder sb = new StringBuilder(ZonedDateTime.now(ZoneOffset.UTC).format(FORMAT)).append('-');
        for (int i = 0; i < 6; i++) {
            sb.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        return sb.toString();
    }

    /**
     * True when {@code id} has the generated form.
     *
     * @param id the id, or {@code null}
     * @return whether it has the generated form
     */
    public static boolean isValid(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /**
     * Returns {@code id} or throws a message naming the expected form.
     *
     * @param id the id
     * @return the id, unchanged
     */
    public static String require(String id) {
        if (!isValid(id)) {
            throw new ResultsException("\"" + id + "\" is not an experiment id (expected the form "
                    + "20261122T231500Z-k3x9qa; `lem results list` shows them)");
        }
        return id;
    }
}
