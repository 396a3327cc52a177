/**
 * Configuration: {@link dev.lem.config.ExperimentConfig} (records), {@link dev.lem.config.ConfigSchema} (every parameter's name, type, default, rule and description — the single source of truth), and {@link dev.lem.config.ConfigResolver} (YAML/JSON files with {@code _extends}, overrides, validation collecting every problem, provenance of each value).
 */
@NullMarked
package dev.lem.config;

import org.jspecify.annotations.NullMarked;
