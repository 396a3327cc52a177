package dev.lem.spi;

/**
 * Service-provider interface for inference backends, registered in
 * {@code META-INF/services/dev.lem.spi.BackendProvider}. Selected by {@link #name()}, an alias, or
 * the class name.
 */
public interface BackendProvider extends LemPlugin {

    /**
     * Creates a backend for one experiment. Must check the backend-specific options and fail with a
     * {@link dev.lem.config.ConfigException} naming the bad option, or a
     * {@link PluginUnavailableException} when it cannot run here.
     */
    InferenceBackend create(BackendContext context);
}
