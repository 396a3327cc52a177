package dev.lem.config;

/**
 * An enum whose constants are the words of a configuration choice. The word of a constant is its name in
 * lower case ({@code STATIC} is {@code static}); this interface adds a one-line description of each, for
 * the help and the docs. Enums from other packages (such as {@link dev.lem.Metric}) can be choices
 * without implementing it.
 */
public interface Choice {
    /** What choosing this constant means, in one line. */
    String description();

    /** The word a config file uses for an enum constant: its name in lower case. */
    static String word(Enum<?> constant) {
        return constant.name().toLowerCase(java.util.Locale.ROOT);
    }
}
