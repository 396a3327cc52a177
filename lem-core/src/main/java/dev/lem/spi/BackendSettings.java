package dev.lem.spi;

import dev.lem.config.AdapterConfig;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.OptionValues;
import dev.lem.config.Precision;
import dev.lem.config.ServerConfig;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a backend is configured with — and nothing else of the experiment: the model and how to run it,
 * the server settings for served backends, its own typed options, and the pass-through engine arguments.
 * Checked by {@link BackendProvider#check} before anything runs.
 *
 * @param model          model folder, HF id, or {@code synthetic:<preset>}
 * @param modelExplicit  the model was named in the configuration (not the default)
 * @param precision      the data type computations run in
 * @param device         cpu, cuda, cuda:N or auto
 * @param maxInputTokens prompts are cut to their last this-many tokens (in-process backends)
 * @param seed           the experiment's seed (synthetic weights, sampling)
 * @param server         the server connection (served backends)
 * @param options        the backend's own options, validated against {@link BackendProvider#options()}
 * @param extra          engine arguments LEM does not model, to pass verbatim ({@code extra:})
 * @param adapter        the LoRA adapter to apply ({@code adapter.*}; none by default)
 */
public record BackendSettings(String model, boolean modelExplicit, Precision precision, String device, int maxInputTokens, long seed,
        ServerConfig server, OptionValues options, Map<String, Object> extra, AdapterConfig adapter) {

    /**
     * Checks that the object components are set and copies {@code extra}, sorted by key.
     *
     * @param model model folder, HF id, or {@code synthetic:<preset>}
     * @param modelExplicit the model was named in the configuration (not the default)
     * @param precision the data type computations run in
     * @param device cpu, cuda, cuda:N or auto
     * @param maxInputTokens prompts are cut to their last this-many tokens (in-process backends)
     * @param seed the experiment's seed
     * @param server the server connection (served backends)
     * @param options the backend's own options, validated
     * @param extra engine arguments LEM does not model, to pass verbatim
     * @param adapter the LoRA adapter to apply; {@code null} means none
     */
    public BackendSettings {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(options, "options");
        extra = java.util.Collections.unmodifiableMap(new TreeMap<>(extra));
        adapter = adapter == null ? AdapterConfig.none() : adapter;
    }

    /**
     * The settings of a configuration, with options already validated.
     *
     * @param config the experiment's configuration
     * @param options the backend's options, validated
     * @return the settings
     */
    public static BackendSettings of(ExperimentConfig config, OptionValues options) {
        return new BackendSettings(config.model(), config.isExplicit("model"), config.precision(), config.device(), config.maxInputTokens(),
                config.seed(), config.server(), options, config.extra(), config.adapter());
    }

    /**
     * The settings of a configuration for {@code provider}, validating {@code options.*} against its
     * declarations.
     *
     * @param config the experiment's configuration
     * @param provider the backend's provider, which declares its options
     * @return the settings
     * @throws dev.lem.config.ConfigException when an option is unknown or invalid
     */
    public static BackendSettings of(ExperimentConfig config, BackendProvider provider) {
        return of(config, OptionValues.check(Plugins.safeName(provider), provider.options(), config.options()));
    }
}
