package dev.lem.quality;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A quality score a user attached to a result from an evaluation of their own ({@code lem results annotate <id>
 * quality.accuracy=0.71}): LEM does not compute it, only records it beside the measured figures so that comparisons
 * and reports show it. It has no interval (one value per experiment, as the user gave it).
 *
 * @param name        the score's name, lower case: letters, digits and {@code _} (e.g. {@code accuracy},
 *                    {@code bleu}, {@code rouge_l}); written {@code quality.<name>} on the command line
 * @param value       its value, finite, in the unit of the user's evaluation (e.g. a fraction for accuracy)
 * @param note        what the user said about it (e.g. the evaluation used); empty when nothing
 * @param annotatedAt when it was attached
 */
public record QualityScore(String name, double value, String note, Instant annotatedAt) {
    /** The names a score may have. */
    public static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");

    /**
     * Checks the name and the value.
     *
     * @param name        the score's name
     * @param value       its value
     * @param note        what the user said about it; {@code null} means nothing
     * @param annotatedAt when it was attached
     * @throws IllegalArgumentException when the name is not lower-case letters, digits and {@code _} starting with a
     *                                  letter, or the value is not finite
     */
    public QualityScore {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(annotatedAt, "annotatedAt");
        note = note == null ? "" : note;
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("quality score name \"" + name + "\" must be lower-case letters, digits "
                    + "and _ starting with a letter, e.g. accuracy or rouge_l");
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("quality." + name + " must be a finite number, not " + value);
        }
    }

    /** {@return how the score was obtained, for tables: provided by the user, with the note when there is one} */
    public String basis() {
        return "provided by the user (lem results annotate)" + (note.isEmpty() ? "" : ": " + note);
    }

    /** {@return {@code quality.<name>=<value>}} */
    @Override
    public String toString() {
        return "quality." + name + "=" + String.format(Locale.ROOT, "%s", value);
    }
}
