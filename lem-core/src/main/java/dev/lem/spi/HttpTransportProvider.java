package dev.lem.spi;

/**
 * A plug-in that supplies the HTTP/1.1 client under the served backends' streaming client
 * ({@code dev.lem.serving.ServingClient}). LEM has one built in, on {@code java.net.http} ({@code jdk}, priority 0);
 * {@code dev.lem:lem-serving-jetty} adds one on Jetty's client ({@code jetty}, priority 10), which sends a request
 * from the caller's thread and adds less latency to TTFT (docs/performance.md). The available provider with the
 * highest priority is used, unless the system property {@value #SELECT_PROPERTY} names one.
 */
public interface HttpTransportProvider extends LemPlugin {
    /** The system property that picks a transport by name, e.g. {@code -Dlem.serving.http_client=jdk}. */
    String SELECT_PROPERTY = "lem.serving.http_client";

    /**
     * Opens a client; the caller closes it.
     *
     * @param options how to open it
     * @return the client
     */
    HttpTransport open(HttpTransport.Options options);
}
