package dev.lem.spi;

import dev.lem.config.Parameter;
import dev.lem.config.ParameterCoverage;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A backend on the classpath as {@code lem config keys --backend} shows it: its name, whether it runs the
 * model in this JVM, and the options it declares.
 *
 * @param name        its short name
 * @param description one line
 * @param inProcess   the model runs in this JVM (batches); false for served backends
 * @param options     its options under {@code options.*}
 * @param artifact    the Maven artifact that provides it
 * @param coverage    how much of its engine's energy-relevant arguments it models, when it drives an engine
 */
public record BackendDescription(String name, String description, boolean inProcess, List<Parameter> options,
        String artifact, Optional<ParameterCoverage> coverage) {
    /**
     * Checks that the other components are set and copies the options.
     *
     * @param name its short name
     * @param description one line
     * @param inProcess the model runs in this JVM (batches); false for served backends
     * @param options its options under {@code options.*}
     * @param artifact the Maven artifact that provides it
     * @param coverage how much of its engine's energy-relevant arguments it models, when it drives an engine
     */
    public BackendDescription {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        options = List.copyOf(options);
        Objects.requireNonNull(artifact, "artifact");
        Objects.requireNonNull(coverage, "coverage");
    }

    /**
     * A description without parameter coverage.
     *
     * @param name its short name
     * @param description one line
     * @param inProcess the model runs in this JVM (batches); false for served backends
     * @param options its options under {@code options.*}
     * @param artifact the Maven artifact that provides it
     */
    public BackendDescription(String name, String description, boolean inProcess, List<Parameter> options,
            String artifact) {
        this(name, description, inProcess, options, artifact, Optional.empty());
    }

    /**
     * The description of a provider.
     *
     * @param p the provider
     * @return the description
     */
    public static BackendDescription of(BackendProvider p) {
        return new BackendDescription(Plugins.safeName(p), p.description(), p.inProcess(),
                p.options().stream().map(o -> o.parameter()).toList(), p.artifact(), p.parameterCoverage());
    }
}
