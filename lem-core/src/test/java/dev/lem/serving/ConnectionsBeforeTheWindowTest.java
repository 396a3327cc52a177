package dev.lem.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.Experiment;
import dev.lem.workload.Prompts;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cycle's window holds no connection set-up: the connections its first requests use were opened before it.
 * The scripted server answers {@code /v1/models} after 100 ms, so the GETs that open the connections overlap and
 * each opens its own; the server notes when it first saw each client port (each connection).
 */
class ConnectionsBeforeTheWindowTest {
    @TempDir
    Path dir;

    @Test
    void theWindowsFirstRequestsFindTheirConnectionsAlreadyOpen() throws Exception {
        try (ScriptedServer server = ScriptedServer.builder().ttftMs(30).itlMs(1).modelsDelayMs(100).start()) {
            Experiment.builder().backend("openai").server(server.uri().toString()).model("test-model").cycles(1)
                    .resultsDir(dir).maxOutputTokens(4).prompts(Prompts.of("a", "b", "c", "d", "e", "f", "g", "h"))
                    .set("warmup.mode", "fixed").set("warmup.runs", 0).set("energy.idle_baseline_s", 0)
                    .set("energy.meter_options.simulated.cpu_watts", 10.0).set("traffic.pattern", "closed")
                    .set("traffic.concurrency", 4).set("traffic.warmup_requests", 0)
                    .set("server.client_latency_probe_streams", 0).measure();
            List<ScriptedServer.Trace> first = server.traces().stream()
                    .sorted(Comparator.comparingLong(t -> t.receivedNanos)).limit(4).toList();
            assertThat(first).hasSize(4);
            // without the GETs before the window, 3 of these 4 open their own connection inside it (the load's
            // probes used one connection, one at a time)
            assertThat(first).as("the cycle's first 4 requests (concurrency 4) each came on a connection the server "
                    + "had already seen before the request").allSatisfy(t -> assertThat(
                            server.connectionFirstSeenNanos(t.remotePort).orElseThrow()).isLessThan(t.receivedNanos));
        }
    }
}
