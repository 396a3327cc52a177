package dev.lem.serving.internal;

import dev.lem.spi.HttpTransport;
import dev.lem.testkit.HttpTransportContractKit;

/** The built-in java.net.http transport meets the transport contract. */
class JdkHttpTransportContractTest extends HttpTransportContractKit {
    @Override
    protected HttpTransport open(HttpTransport.Options options) {
        return new JdkHttpTransport(options);
    }
}
