package dev.lem;

import dev.lem.internal.Plugins;
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
