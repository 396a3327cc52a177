package dev.lem.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.config.ServerApi;
import dev.lem.spi.HttpTransport;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A first attempt that went out on a connection and broke before any response (a pooled connection the server had
 * just closed: uvicorn closes idle ones after 5 s) is sent again at once, not after the 100 ms back-off that a
 * refused connection or an HTTP 503 waits, so the request's TTFT carries no back-off. A scripted transport fails the
 * first attempt as asked and answers the second; the watchdog records the delay each retry was scheduled with.
 */
@Timeout(30)
class StaleConnectionRetryTest {
    private static final String EVENTS = "data: {\"choices\":[{\"index\":0,\"text\":\"a\",\"finish_reason\":null}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"text\":\"b\",\"finish_reason\":\"length\"}]}\n\n"
            + "data: [DONE]\n\n";

    /** Fails the first attempt with {@code firstFailure} (after the commit when {@code committed}); answers the rest. */
    private static final class ScriptedTransport implements HttpTransport {
        private final Failure firstFailure;
        private final boolean committed;
        final List<Long> sends = new CopyOnWriteArrayList<>();

        ScriptedTransport(Failure firstFailure, boolean committed) {
            this.firstFailure = firstFailure;
            this.committed = committed;
        }

        @Override
        public String description() {
            return "scripted";
        }

        @Override
        public Exchange send(Request request, Handler handler) {
            sends.add(System.nanoTime());
            Thread t = new Thread(() -> {
                if (sends.size() == 1) {
                    if (committed) {
                        handler.committed(System.nanoTime());
                    }
                    handler.failed(firstFailure, System.nanoTime());
                    return;
                }
                handler.committed(System.nanoTime());
                handler.response(200, "text/event-stream");
                handler.content(ByteBuffer.wrap(EVENTS.getBytes(StandardCharsets.UTF_8)), System.nanoTime());
                handler.completed(System.nanoTime());
            });
            t.start();
            return () -> { };
        }

        @Override
        public void close() {
        }
    }

    /** A watchdog that records the delay of every one-shot task (the retries). */
    private static final class RecordingWatchdog extends ScheduledThreadPoolExecutor {
        final List<Long> delaysMs = new CopyOnWriteArrayList<>();

        RecordingWatchdog() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            delaysMs.add(unit.toMillis(delay));
            return super.schedule(command, delay, unit);
        }
    }

    private static CountingLog run(HttpTransport transport, RecordingWatchdog watchdog) throws Exception {
        ServerSettings settings = new ServerSettings(URI.create("http://127.0.0.1:9"), ServerApi.COMPLETIONS, "m", true,
                Optional.empty(), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(1),
                Duration.ofSeconds(20), 2, true);
        CountingLog log = new CountingLog();
        try (ServingClient client = new ServingClient(settings, transport, watchdog)) {
            client.stream(new StreamCall("r", "/v1/completions", "{}".getBytes(StandardCharsets.UTF_8),
                    StreamDialect.OPENAI_COMPLETIONS, 2), log).get(10, TimeUnit.SECONDS);
        }
        assertThat(log.log().violations()).isEmpty();
        return log;
    }

    @Test
    void aConnectionThatBrokeBeforeAnyResponseIsTriedAgainAtOnce() throws Exception {
        RecordingWatchdog watchdog = new RecordingWatchdog();
        ScriptedTransport transport = new ScriptedTransport(new HttpTransport.Failure(HttpTransport.FailureKind.IO,
                "EOFException: the server closed the connection"), true);
        CountingLog log = run(transport, watchdog);
        assertThat(log.log().end("r").kind()).isEqualTo("completed");
        assertThat(log.log().tokenSum("r")).isEqualTo(2);
        assertThat(transport.sends).hasSize(2);
        assertThat(watchdog.delaysMs).as("no back-off").containsExactly(0L);
        assertThat(log.counter("serving.retries")).isEqualTo(1);
        assertThat(log.counter("serving.stale_connection_retries")).isEqualTo(1);
    }

    @Test
    void aRefusedConnectionStillBacksOff() throws Exception {
        RecordingWatchdog watchdog = new RecordingWatchdog();
        ScriptedTransport transport = new ScriptedTransport(new HttpTransport.Failure(
                HttpTransport.FailureKind.CONNECT_FAILED, "Connection refused"), false);
        CountingLog log = run(transport, watchdog);
        assertThat(log.log().end("r").kind()).isEqualTo("completed");
        assertThat(watchdog.delaysMs).containsExactly(100L);
        assertThat(log.counter("serving.stale_connection_retries")).isZero();
    }
}
