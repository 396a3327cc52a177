package dev.lem.serving.jetty;

import dev.lem.serving.jetty.internal.JettyHttpTransport;
import dev.lem.spi.HttpTransport;
import dev.lem.testkit.HttpTransportContractKit;

/** The Jetty transport meets the transport contract. */
class JettyHttpTransportContractTest extends HttpTransportContractKit {
    @Override
    protected HttpTransport open(HttpTransport.Options options) {
        return new JettyHttpTransport(options);
    }
}
