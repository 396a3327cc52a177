package dev.lem.config;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;

/**
 * Where a configuration value came from.
 *
 * @param kind   default, file, override, builder or preset
 * @param detail the file name, the preset name, or empty
 */
public record ValueSource(Kind kind, String detail) {
    /**
     * Checks that no component is null.
     *
     * @param kind default, file, override, builder or preset
     * @param detail the file name, the preset name, or empty
     */
    public ValueSource {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
    }

    /** The schema's default. */
    public static final ValueSource DEFAULT = new ValueSource(Kind.DEFAULT, "");
    /** A {@code key.path=value} override. */
    public static final ValueSource OVERRIDE = new ValueSource(Kind.OVERRIDE, "");
    /** A typed builder call. */
    public static final ValueSource BUILDER = new ValueSource(Kind.BUILDER, "");

    /**
     * A config file.
     *
     * @param name the file's name
     * @return the source
     */
    public static ValueSource file(String name) {
        return new ValueSource(Kind.FILE, name);
    }

    /**
     * A named preset.
     *
     * @param name the preset's name
     * @return the source
     */
    public static ValueSource preset(String name) {
        return new ValueSource(Kind.PRESET, name);
    }

    /**
     * The source written as {@code kind} and {@code detail} in a results file.
     *
     * @param kind the kind's label, e.g. {@code file}
     * @param detail the detail, or empty
     * @return the source
     * @throws IllegalArgumentException for an unknown kind
     */
    public static ValueSource parse(String kind, String detail) {
        for (Kind k : Kind.values()) {
            if (k.label().equals(kind)) {
                return new ValueSource(k, detail);
            }
        }
        throw new IllegalArgumentException("unknown value source \"" + kind + "\"");
    }

    /** How a value was set. */
    public enum Kind {
        /** The schema's default. */
        DEFAULT,
        /** A config file (detail: the file). */
        FILE,
        /** A {@code key.path=value} override (CLI {@code --set} or {@code Builder.set}). */
        OVERRIDE,
        /** A typed builder call. */
        BUILDER,
        /** Filled in by a named preset (detail: the preset). */
        PRESET;

        /** {@return the kind's label in results files: its name in lower case, e.g. {@code file}} */
        @JsonValue
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    @Override
    public String toString() {
        return detail.isEmpty() ? kind.label() : kind.label() + " " + detail;
    }
}
