package dev.lem.serving.jetty;

import dev.lem.serving.jetty.internal.JettyHttpTransport;
import dev.lem.spi.HttpTransport;
import dev.lem.spi.HttpTransportProvider;

/**
 * The {@code jetty} HTTP transport of the served backends; preferred over the built-in {@code java.net.http} one
 * whenever this artifact is on the class path.
 */
public final class JettyHttpTransportProvider implements HttpTransportProvider {
    /** For ServiceLoader. */
    public JettyHttpTransportProvider() {
    }

    @Override
    public String name() {
        return "jetty";
    }

    @Override
    public String description() {
        return "HTTP client of the served backends on Jetty's HttpClient: less client latency in TTFT and send lag";
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public String artifact() {
        return "dev.lem:lem-serving-jetty";
    }

    @Override
    public HttpTransport open(HttpTransport.Options options) {
        return new JettyHttpTransport(options);
    }
}
