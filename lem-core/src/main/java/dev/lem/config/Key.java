package dev.lem.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares one configuration key on a record component of {@link ExperimentConfig} or one of its section
 * records: the one place a key is written. Its name (the component's name in snake_case, unless
 * {@link #name()} says otherwise), type (from the component's Java type), default, rule, unit,
 * description and backend applicability are read from here by {@link ConfigSchema}; YAML/JSON reading
 * and writing, validation, provenance, {@code lem config keys} and docs/configuration.md all derive from
 * it. Adding a key is adding one annotated component.
 *
 * <p>On a component whose type is a record, the annotation documents a section ({@code batching:}) and
 * only {@link #doc()} and {@link #appliesTo()} are read.
 *
 * <p>Types: {@code String}, {@code int}, {@code long}, {@code double}, {@code boolean}, an enum (a
 * choice; its constants' lower-case names are the accepted words), {@code List<String>},
 * {@code List<Double>}, {@code Map<String, Object>} (a free mapping), any of the scalars in an
 * {@code Optional} (unset unless given), or a section record.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Key {
    /** Marks "no default": the key is unset unless given (its component must be an {@code Optional}). */
    String NO_DEFAULT = "\u0000none";

    /** {@return one or two sentences for the help and the docs} */
    String doc();

    /**
     * The default, written as it would be in YAML ({@code 4}, {@code 0.5}, {@code static}, {@code [a, b]}).
     * Required for every non-{@code Optional} key other than lists and mappings (which default to empty).
     *
     * @return the default as YAML text, or {@link #NO_DEFAULT}
     */
    String defaultValue() default NO_DEFAULT;

    /** {@return the unit of the value, e.g. {@code s}, {@code ms}, {@code W}, {@code tokens}; empty when unitless} */
    String unit() default "";

    /** {@return the smallest allowed number (inclusive); for number lists, every item must be above this} */
    double min() default Double.NEGATIVE_INFINITY;

    /** {@return the largest allowed number (inclusive)} */
    double max() default Double.POSITIVE_INFINITY;

    /** {@return the backends the key has an effect on; setting it for another gives a warning} */
    BackendScope appliesTo() default BackendScope.ALL;

    /**
     * {@return whether the value is a file-system path: relative values in a config file resolve against that file's
     * folder}
     */
    boolean path() default false;

    /** {@return the key's name when it is not the component's name in snake_case; empty otherwise} */
    String name() default "";
}
