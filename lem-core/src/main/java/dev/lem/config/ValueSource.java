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
    public ValueSource {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
    }

    public static final ValueSource DEFAULT = new ValueSource(Kind.DEFAULT, "");
    public static final ValueSource OVERRIDE = new ValueSource(Kind.OVERRIDE, "");
    public static final ValueSource BUILDER = new ValueSource(Kind.BUILDER, "");

    public static ValueSource file(String name) {
        return new ValueSource(Kind.FILE, name);
    }

    public static ValueSource preset(String name) {
        return new ValueSource(Kind.PRESET, name);
    }

    /**
     * The source written as {@code kind} and {@code detail} in a results file.
     *
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
