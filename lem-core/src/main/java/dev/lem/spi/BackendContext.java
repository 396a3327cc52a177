package dev.lem.spi;

import dev.lem.config.ExperimentConfig;
import dev.lem.config.OptionValues;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a backend is created with: its settings (not the whole experiment), a directory it may write to, and
 * this process's rank.
 *
 * @param settings           model, precision, device, server, the backend's options, pass-through arguments
 * @param artifactsDirectory a directory the backend may write to (server logs), inside the results
 * @param rank               this process's rank (0 when there is one process)
 */
public record BackendContext(BackendSettings settings, Path artifactsDirectory, int rank) {
    /**
     * Checks that the settings and directory are set.
     *
     * @param settings the backend's settings
     * @param artifactsDirectory a directory the backend may write to, inside the results
     * @param rank this process's rank
     */
    public BackendContext {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(artifactsDirectory, "artifactsDirectory");
    }

    /**
     * A context for {@code provider} from a whole configuration (validating its options), as the core
     * makes it; for tests and tools that create a backend directly.
     *
     * @param config the experiment's configuration
     * @param provider the backend's provider, which declares its options
     * @param artifactsDirectory a directory the backend may write to
     * @param rank this process's rank
     * @return the context
     * @throws dev.lem.config.ConfigException when an option is unknown or invalid
     */
    public static BackendContext of(ExperimentConfig config, BackendProvider provider, Path artifactsDirectory,
            int rank) {
        return new BackendContext(BackendSettings.of(config, provider), artifactsDirectory, rank);
    }

    /** {@return the backend's validated options} */
    public OptionValues options() {
        return settings.options();
    }
}
