package dev.lem.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.config.ServerApi;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The client latency probe: its figures' structure and ordering, never their size (that is the machine's). */
class ClientLatencyProbeTest {
    static final ServerSettings LIKE = new ServerSettings(URI.create("http://gpu-box:8000"), ServerApi.CHAT, "m", true,
            Optional.of("secret"), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(10),
            Duration.ofSeconds(20), 2, false);

    @Test
    void everyStreamIsMeasuredFromTheEchosWriteToTheClientsFirstChunk() throws Exception {
        ClientLatencyProbe.Result r = ClientLatencyProbe.measure(LIKE, 12, 3);
        assertThat(r.streams()).isEqualTo(12);
        // causal: the client cannot see the chunk before the echo wrote it (one JVM, one monotonic clock)
        assertThat(r.p50Ms()).isPositive();
        assertThat(r.p50Ms()).isLessThanOrEqualTo(r.p90Ms());
        assertThat(r.p90Ms()).isLessThanOrEqualTo(r.maxMs());
        assertThat(r.meanMs()).isPositive().isLessThanOrEqualTo(r.maxMs());
        // causal too: the client cannot see the chunk before it was written. Not so for the send part: a request
        // starts when the JDK client takes its body, after it has written the headers, so on a loaded machine the echo
        // can read the headers' first byte before that stamp (seen: -0.33 ms with another JVM busy on both cores)
        assertThat(r.receiveMeanMs()).isPositive();
        assertThat(r.sendMeanMs()).isFinite();
        // the two parts make up the whole
        assertThat(r.sendMeanMs() + r.receiveMeanMs()).isCloseTo(r.meanMs(), org.assertj.core.api.Assertions.within(1e-9));
        assertThat(r.method()).contains("loopback echo").contains("first-chunk time").contains("System.nanoTime");
        Map<String, String> facts = r.facts();
        assertThat(facts).containsOnlyKeys("client.added_latency.mean_ms", "client.added_latency.p50_ms",
                "client.added_latency.p90_ms", "client.added_latency.max_ms", "client.added_latency.send_mean_ms",
                "client.added_latency.receive_mean_ms", "client.added_latency.streams",
                "client.added_latency.method");
        assertThat(facts.get("client.added_latency.p50_ms")).matches("\\d+\\.\\d{3}");
    }

    @Test
    void badCountsAreRefusedWithTheirValues() {
        assertThatThrownBy(() -> ClientLatencyProbe.measure(LIKE, 0, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("streams (0) must be >= 1");
    }
}
