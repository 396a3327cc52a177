package dev.lem.serving.jetty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.config.ServerApi;
import dev.lem.serving.ServerSettings;
import dev.lem.serving.ServingClient;
import dev.lem.serving.internal.HttpTransports;
import dev.lem.spi.HttpTransportProvider;
import dev.lem.spi.PluginReport;
import dev.lem.spi.Plugins;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * With this artifact on the class path, the served backends' client runs on Jetty (so lem-core's client tests that
 * this module runs again test Jetty's transport), unless the system property asks for the JDK's.
 */
class JettyTransportIsChosenTest {
    private static ServerSettings settings() {
        return new ServerSettings(URI.create("http://127.0.0.1:9"), ServerApi.COMPLETIONS, "m", true,
                Optional.empty(), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(1),
                Duration.ofSeconds(20), 0, true);
    }

    @Test
    void theClientRunsOnJettyWhenThisArtifactIsOnTheClassPath() {
        try (ServingClient client = ServingClient.create(settings())) {
            assertThat(client.transportDescription()).startsWith("jetty 12.");
        }
        assertThat(Plugins.reports()).filteredOn(r -> r.kind().equals("http_client")).extracting(PluginReport::name)
                .containsExactly("jetty", "jdk");
    }

    @Test
    void theSystemPropertyPicksTheJdkClientOrSaysWhatExists() {
        assertThat(HttpTransports.choose("jdk").name()).isEqualTo("jdk");
        assertThat(HttpTransports.choose(" JETTY ").name()).isEqualTo("jetty");
        assertThat(HttpTransports.choose(null).name()).isEqualTo("jetty");
        assertThatThrownBy(() -> HttpTransports.choose("okhttp"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(HttpTransportProvider.SELECT_PROPERTY + "=okhttp")
                .hasMessageContaining("found: jetty, jdk");
    }
}
