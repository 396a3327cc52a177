package dev.lem.serving.internal;

import dev.lem.spi.HttpTransport;
import dev.lem.spi.HttpTransportProvider;

/** The built-in HTTP transport on {@code java.net.http}; the fallback when no other is on the class path. */
public final class JdkHttpTransportProvider implements HttpTransportProvider {
    /** For ServiceLoader. */
    public JdkHttpTransportProvider() {
    }

    @Override
    public String name() {
        return "jdk";
    }

    @Override
    public String description() {
        return "HTTP client of the served backends on java.net.http (built in)";
    }

    @Override
    public HttpTransport open(HttpTransport.Options options) {
        return new JdkHttpTransport(options);
    }
}
