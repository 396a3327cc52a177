package dev.lem.config;

/** The type of a configuration key's (or a plug-in option's) value. */
public enum ValueType {
    /** Free text. */
    STRING,
    /** A file-system path; relative paths in a config file resolve against that file's folder. */
    PATH,
    /** A whole number (32-bit). */
    INTEGER,
    /** A whole number (64-bit). */
    LONG,
    /** A real number. */
    DOUBLE,
    /** {@code true} or {@code false}. */
    BOOLEAN,
    /** One of a fixed set of words (an enum). */
    CHOICE,
    /** A list of words. */
    STRING_LIST,
    /** A list of positive numbers. */
    NUMBER_LIST,
    /** A list of whole numbers. */
    INTEGER_LIST,
    /** A mapping of free keys to scalar values or lists (backend options, pass-through engine arguments). */
    MAP;

    /** {@return how the type reads in messages and help} */
    public String display() {
        return switch (this) {
            case STRING -> "text";
            case PATH -> "path";
            case INTEGER, LONG -> "integer";
            case DOUBLE -> "number";
            case BOOLEAN -> "true|false";
            case CHOICE -> "choice";
            case STRING_LIST -> "list of text";
            case NUMBER_LIST -> "list of positive numbers";
            case INTEGER_LIST -> "list of integers";
            case MAP -> "mapping";
        };
    }
}
