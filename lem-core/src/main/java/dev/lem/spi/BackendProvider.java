package dev.lem.spi;

import dev.lem.config.Option;
import java.util.List;

/**
 * Service-provider interface for inference backends, registered in
 * {@code META-INF/services/dev.lem.spi.BackendProvider}. Selected by {@link #name()}, an alias, or
 * the class name.
 *
 * <p>Before anything runs (in {@code Experiment.Builder.build()}, {@code lem config validate} and
 * {@code lem run}), the core checks the experiment's {@code options.*} against {@link #options()} and calls
 * {@link #check}; problems are reported with the core keys' problems, one line each.
 */
public interface BackendProvider extends LemPlugin {

    /**
     * True when the model runs in this JVM and requests are computed as batches (djl); false for served
     * backends. Decides which configuration keys apply ({@link dev.lem.config.BackendScope}).
     *
     * @return whether the model runs in this JVM
     */
    default boolean inProcess() {
        return false;
    }

    /**
     * The options this backend accepts under {@code options.*}; any other is refused with the closest name.
     *
     * @return the options
     */
    default List<Option<?>> options() {
        return List.of();
    }

    /**
     * The share of the engine's own energy-relevant arguments this backend models, computed from a checked-in
     * snapshot of the engine's argument list ({@code lem config parameters}, docs/parameters.md). Empty for
     * backends that drive no engine with arguments of its own.
     *
     * @return the coverage; empty for backends that drive no engine
     */
    default java.util.Optional<dev.lem.config.ParameterCoverage> parameterCoverage() {
        return java.util.Optional.empty();
    }

    /**
     * Checks the settings beyond each option's own rule (combinations, the model's presence, a precision
     * the backend cannot run), without loading anything.
     *
     * @param settings the backend's settings
     * @throws dev.lem.config.ConfigException listing every problem, each with its configuration key
     */
    default void check(BackendSettings settings) {
    }

    /**
     * Creates a backend for one experiment. May assume {@link #check} passed; fails with a
     * {@link PluginUnavailableException} when it cannot run here.
     *
     * @param context the backend's settings, artifacts folder and rank
     * @return the backend
     */
    InferenceBackend create(BackendContext context);
}
