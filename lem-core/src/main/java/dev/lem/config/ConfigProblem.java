package dev.lem.config;

import java.util.Objects;

/**
 * One thing wrong with a configuration.
 *
 * @param path    dotted path of the offending value (or the file for file-level problems)
 * @param message what is wrong and how to fix it, e.g. {@code "0 is below the minimum 1"}
 */
public record ConfigProblem(String path, String message) {
    /**
     * Checks that no component is null.
     *
     * @param path dotted path of the offending value (or the file for file-level problems)
     * @param message what is wrong and how to fix it
     */
    public ConfigProblem {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return path + ": " + message;
    }
}
