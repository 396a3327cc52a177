package dev.lem;

import dev.lem.spi.BackendDescription;
import dev.lem.spi.PluginReport;
import dev.lem.spi.Plugins;
import java.util.List;

/** LEM's version and its plug-ins. */
public final class Lem {

    private Lem() {
    }

    /** {@return LEM's version, e.g. {@code 0.1.0}} */
    public static String version() {
        return dev.lem.env.EnvironmentCapture.lemVersion();
    }

    /**
     * Every plug-in on the classpath — backends, energy meters, telemetry sources, FLOPs estimators —
     * available or not, with the reason for each unavailable one. Providers that fail to load are
     * listed too, with the error.
     *
     * @return a report for every plug-in
     */
    public static List<PluginReport> plugins() {
        return Plugins.reports();
    }

    /**
     * Every backend on the classpath with the options it declares, by name.
     *
     * @return the backends' descriptions, sorted by name
     */
    public static List<BackendDescription> backends() {
        return Plugins.backends().stream().map(BackendDescription::of)
                .sorted(java.util.Comparator.comparing(BackendDescription::name)).toList();
    }

    /**
     * The backend that answers to a name, alias or class name, with the options it declares.
     *
     * @param name a name, alias or class name
     * @return the backend's description; empty when none answers
     */
    public static java.util.Optional<BackendDescription> backend(String name) {
        return Plugins.findBackend(name).map(BackendDescription::of);
    }

}
