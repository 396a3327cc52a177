package dev.lem;

import dev.lem.spi.BackendDescription;
import dev.lem.spi.PluginReport;
import dev.lem.spi.Plugins;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;

/** LEM's version and its plug-ins. */
public final class Lem {
    private static final String VERSION = readVersion();

    private Lem() {
    }

    /** LEM's version, e.g. {@code 0.1.0}. */
    public static String version() {
        return VERSION;
    }

    /**
     * Every plug-in on the classpath — backends, energy meters, telemetry sources, FLOPs estimators —
     * available or not, with the reason for each unavailable one. Providers that fail to load are
     * listed too, with the error.
     */
    public static List<PluginReport> plugins() {
        return Plugins.reports();
    }

    /** Every backend on the classpath with the options it declares, by name. */
    public static List<BackendDescription> backends() {
        return Plugins.backends().stream().map(BackendDescription::of)
                .sorted(java.util.Comparator.comparing(BackendDescription::name)).toList();
    }

    /** The backend that answers to a name, alias or class name, with the options it declares. */
    public static java.util.Optional<BackendDescription> backend(String name) {
        return Plugins.findBackend(name).map(BackendDescription::of);
    }

    private static String readVersion() {
        try (InputStream in = Lem.class.getResourceAsStream("lem-version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
