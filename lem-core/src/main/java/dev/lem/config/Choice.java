package dev.lem.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Locale;

/**
 * An enum whose constants are the words of a configuration choice. The word of a constant is its name in
 * lower case ({@code STATIC} is {@code static}); each constant says what it means with {@link Doc}, for the
 * help and the docs. Enums from other packages (such as {@link dev.lem.Metric}) can be choices without
 * implementing it.
 */
public interface Choice {

    /** What choosing an enum constant means, in one line. */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    @interface Doc {
        /** {@return the line} */
        String value();
    }

    /**
     * What choosing this constant means, in one line (its {@link Doc}).
     *
     * @return the description; empty when the constant has no {@link Doc}
     */
    default String description() {
        Enum<?> e = (Enum<?>) this;
        try {
            Doc d = e.getDeclaringClass().getField(e.name()).getAnnotation(Doc.class);
            return d == null ? "" : d.value();
        } catch (NoSuchFieldException ex) {
            return "";
        }
    }

    /**
     * The word a config file uses for an enum constant: its name in lower case.
     *
     * @param constant the enum constant
     * @return the word
     */
    static String word(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }
}
