package dev.lem.quality;

import java.util.Objects;

/**
 * A text perplexity is measured on.
 *
 * @param name where it came from, for results: {@code builtin: ...} or the file
 * @param text the text
 */
public record QualityText(String name, String text) {

    /**
     * Checks that both are set.
     *
     * @param name where it came from
     * @param text the text
     */
    public QualityText {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(text, "text");
    }
}
