package dev.lem.serving.internal;

import dev.lem.spi.Availability;
import dev.lem.spi.HttpTransport;
import dev.lem.spi.HttpTransportProvider;
import dev.lem.spi.PluginReport;
import dev.lem.spi.Plugins;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks the HTTP transport of the served backends: the one named by the system property, else the best available. */
public final class HttpTransports {
    private static final Logger LOG = LoggerFactory.getLogger(HttpTransports.class);
    private static final AtomicBoolean TOLD = new AtomicBoolean();

    private HttpTransports() {
    }

    /**
     * Opens the transport to use.
     *
     * @param options how to open it
     * @return the open transport
     * @throws IllegalArgumentException when {@link HttpTransportProvider#SELECT_PROPERTY} names a transport that is not
     *         on the class path or cannot run here
     */
    public static HttpTransport open(HttpTransport.Options options) {
        return choose(System.getProperty(HttpTransportProvider.SELECT_PROPERTY)).open(options);
    }

    /**
     * The provider to use.
     *
     * @param requested the name asked for, or null or blank for the best available
     * @return the provider
     * @throws IllegalArgumentException when the requested transport is not on the class path or cannot run here
     */
    public static HttpTransportProvider choose(@Nullable String requested) {
        List<PluginReport> broken = new ArrayList<>();
        List<HttpTransportProvider> all = Plugins.load(HttpTransportProvider.class, "http_client", broken);
        String wanted = requested == null ? "" : requested.strip().toLowerCase(Locale.ROOT);
        for (HttpTransportProvider p : all) {
            if (!wanted.isEmpty() && !p.name().equals(wanted)) {
                continue;
            }
            Availability a = Plugins.availability(p);
            if (a.available()) {
                if (wanted.isEmpty() && p.name().equals("jdk") && TOLD.compareAndSet(false, true)) {
                    LOG.info("served backends use java.net.http: add dev.lem:lem-serving-jetty to the class path for "
                            + "a lower client send lag under load (docs/serving.md, 'Its HTTP client')");
                }
                return p;
            }
            if (!wanted.isEmpty()) {
                throw new IllegalArgumentException(HttpTransportProvider.SELECT_PROPERTY + "=" + requested
                        + ": that HTTP client cannot run here: " + a.reason());
            }
        }
        if (!wanted.isEmpty()) {
            String names = all.stream().map(HttpTransportProvider::name).collect(Collectors.joining(", "));
            throw new IllegalArgumentException(HttpTransportProvider.SELECT_PROPERTY + "=" + requested
                    + ": no such HTTP client on the class path (found: " + names + "); use one of those, or add "
                    + "dev.lem:lem-serving-jetty for \"jetty\"");
        }
        return new JdkHttpTransportProvider();
    }
}
