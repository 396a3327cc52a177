package dev.lem.config;

/** The type of a configuration parameter's value. */
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
    /** One of a fixed set of words. */
    CHOICE,
    /** A list of words. */
    STRING_LIST,
    /** A list of numbers. */
    NUMBER_LIST,
    /** A mapping of free keys to scalar values (backend-specific options). */
    MAP;

    /** How the type reads in messages and help. */
    public String display() {
        return switch (this) {
            case STRING -> "text";
            case PATH -> "path";
            case INTEGER, LONG -> "integer";
            case DOUBLE -> "number";
            case BOOLEAN -> "true|false";
            case CHOICE -> "choice";
            case STRING_LIST -> "list of text";
            case NUMBER_LIST -> "list of numbers";
            case MAP -> "mapping";
        };
    }
}
