package dev.lem.spi;

import dev.lem.config.ExperimentConfig;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a backend is created with.
 *
 * @param config            the validated experiment configuration (model, precision, device,
 *                          decoding, server, backend options)
 * @param artifactsDirectory a directory the backend may write to (server logs), inside the results
 * @param rank              this process's rank (0 when there is one process)
 */
public record BackendContext(ExperimentConfig config, Path artifactsDirectory, int rank) {
    public BackendContext {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(artifactsDirectory, "artifactsDirectory");
    }
}
