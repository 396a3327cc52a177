package dev.lem.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a component of {@link ExperimentConfig} that is derived by the resolver, not a configuration key
 * (the provenance of every value). {@link ConfigSchema} refuses any other component without {@link Key}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface NotAKey {
}
