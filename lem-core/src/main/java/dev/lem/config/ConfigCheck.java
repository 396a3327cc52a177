package dev.lem.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks a configuration beyond its core keys, as part of the same validation: the chosen backend's
 * declared options and its own cross-field rules. Problems it adds are reported with the core ones, one
 * line each, before anything runs or is written. The API layer supplies it (it knows the plug-ins).
 */
@FunctionalInterface
public interface ConfigCheck {
    /** No checks beyond the core keys. */
    ConfigCheck NONE = (backend, options, config, problems) -> { };

    /**
     * Adds what is wrong with the plug-ins' options and rules to {@code problems}.
     *
     * @param backend  the {@code backend} value as given (it may itself be invalid)
     * @param options  the {@code options} as given (each a single value or a list)
     * @param config   the configuration, when every core key is valid; empty otherwise
     * @param problems where to add what is wrong
     */
    void check(String backend, Map<String, Object> options, Optional<ExperimentConfig> config,
            List<ConfigProblem> problems);
}
