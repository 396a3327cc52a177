package dev.lem.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.spi.HttpTransport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every {@link HttpTransport} must meet, as tests against a raw loopback socket that sees the request
 * bytes exactly as sent: the order of the handler's calls, the commit stamp before the server reads the request, the
 * headers that go out (no {@code Accept-Encoding}: servers must stream uncompressed), the failure kinds that decide
 * retries, and cancellation. A transport's test class extends this kit and says how to open its transport.
 */
@Timeout(30)
public abstract class HttpTransportContractKit {
    private ServerSocket socket;
    private HttpTransport transport;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    /** When the server had read a whole request (headers and body). */
    private final AtomicLong requestReadNanos = new AtomicLong();

    /**
     * Opens the transport under test.
     *
     * @param options the options
     * @return the transport
     */
    protected abstract HttpTransport open(HttpTransport.Options options);

    @BeforeEach
    void openTransport() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        transport = open(new HttpTransport.Options(Duration.ofSeconds(2)));
    }

    @AfterEach
    void closeTransport() throws IOException {
        transport.close();
        socket.close();
    }

    /** Everything the handler was told, in order. */
    static final class Recorder implements HttpTransport.Handler {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        volatile long committedNanos;
        volatile HttpTransport.Failure failure;
        final CompletableFuture<Void> ended = new CompletableFuture<>();

        @Override
        public void committed(long nanoTime) {
            committedNanos = nanoTime;
            calls.add("committed");
        }

        @Override
        public void response(int status, String contentType) {
            calls.add("response " + status + " " + contentType);
        }

        @Override
        public synchronized void content(ByteBuffer data, long nanoTime) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            body.write(b, 0, b.length);
            if (!calls.contains("content")) {
                calls.add("content");
            }
        }

        @Override
        public void completed(long nanoTime) {
            calls.add("completed");
            ended.complete(null);
        }

        @Override
        public void failed(HttpTransport.Failure f, long nanoTime) {
            failure = f;
            calls.add("failed " + f.kind());
            ended.complete(null);
        }
    }

    /** Serves one connection: reads a request, then answers with {@code reply} (null: never answers). */
    private CountDownLatch serve(String reply) {
        CountDownLatch read = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try (Socket s = socket.accept()) {
                InputStream in = s.getInputStream();
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                int b = in.read();
                while (b >= 0) {
                    got.write(b);
                    String text = got.toString(StandardCharsets.ISO_8859_1);
                    int end = text.indexOf("\r\n\r\n");
                    if (end >= 0) {
                        int length = contentLength(text.substring(0, end));
                        if (got.size() >= end + 4 + length) {
                            break;
                        }
                    }
                    b = in.read();
                }
                requestReadNanos.set(System.nanoTime());
                requests.add(got.toString(StandardCharsets.ISO_8859_1));
                read.countDown();
                if (reply == null) {
                    Thread.sleep(20_000);
                    return;
                }
                OutputStream out = s.getOutputStream();
                out.write(reply.getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(200); // let the client read before the close
            } catch (IOException | InterruptedException e) {
                // the test ended the connection
            }
        }, "contract-server");
        t.setDaemon(true);
        t.start();
        return read;
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(line.substring(15).strip());
            }
        }
        return 0;
    }

    private URI uri() {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/v1/completions");
    }

    private static HttpTransport.Request post(URI uri, Duration responseTimeout) {
        return new HttpTransport.Request("POST", uri, Map.of("Content-Type", "application/json", "Accept",
                "text/event-stream", "Authorization", "Bearer k"), "{\"prompt\":\"hi\"}".getBytes(
                StandardCharsets.UTF_8), responseTimeout);
    }

    @Test
    void aStreamIsHandedOverInOrderAndTheCommitComesBeforeTheServerHasReadTheRequest() throws Exception {
        String events = "data: {\"a\":1}\n\ndata: [DONE]\n\n";
        serve("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nContent-Length: "
                + events.length() + "\r\n\r\n" + events);
        Recorder r = new Recorder();
        long sent = System.nanoTime();
        transport.send(post(uri(), Duration.ofSeconds(5)), r);
        r.ended.get(10, TimeUnit.SECONDS);
        assertThat(r.calls).containsExactly("committed", "response 200 text/event-stream; charset=utf-8", "content",
                "completed");
        assertThat(r.body.toString(StandardCharsets.UTF_8)).isEqualTo(events);
        // causal, not a race: the body goes out after the commit and the server reads it to the end before this stamp
        // (the commit may come after the server's first header byte: the JDK client stamps it when it asks for the body)
        assertThat(r.committedNanos).isBetween(sent, requestReadNanos.get());
        String request = requests.get(0);
        String head = request.substring(0, request.indexOf("\r\n\r\n")).toLowerCase(Locale.ROOT);
        assertThat(head).startsWith("post /v1/completions http/1.1").contains("content-type: application/json")
                .contains("accept: text/event-stream").contains("authorization: bearer k")
                .doesNotContain("accept-encoding").doesNotContain("cookie");
        assertThat(request).endsWith("\r\n\r\n{\"prompt\":\"hi\"}");
    }

    @Test
    void anErrorStatusKeepsItsBody() throws Exception {
        String body = "{\"error\":\"busy\"}";
        serve("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                + "\r\n\r\n" + body);
        Recorder r = new Recorder();
        transport.send(post(uri(), Duration.ofSeconds(5)), r);
        r.ended.get(10, TimeUnit.SECONDS);
        assertThat(r.calls).containsExactly("committed", "response 503 application/json", "content", "completed");
        assertThat(r.body.toString(StandardCharsets.UTF_8)).isEqualTo(body);
    }

    @Test
    void noResponseHeadersInTimeIsAResponseTimeout() throws Exception {
        CountDownLatch read = serve(null);
        Recorder r = new Recorder();
        long t0 = System.nanoTime();
        transport.send(post(uri(), Duration.ofMillis(300)), r);
        r.ended.get(10, TimeUnit.SECONDS);
        assertThat(read.await(1, TimeUnit.SECONDS)).as("the server got the request").isTrue();
        assertThat(r.failure.kind()).isEqualTo(HttpTransport.FailureKind.RESPONSE_TIMEOUT);
        assertThat((System.nanoTime() - t0) / 1e6).as("not before the timeout").isGreaterThanOrEqualTo(290);
        assertThat(r.calls).last().isEqualTo("failed RESPONSE_TIMEOUT");
    }

    @Test
    void aRefusedConnectionIsAConnectFailure() throws Exception {
        int port = socket.getLocalPort();
        socket.close();
        Recorder r = new Recorder();
        transport.send(post(URI.create("http://127.0.0.1:" + port + "/x"), Duration.ofSeconds(5)), r);
        r.ended.get(10, TimeUnit.SECONDS);
        assertThat(r.failure.kind()).isEqualTo(HttpTransport.FailureKind.CONNECT_FAILED);
        assertThat(r.calls).doesNotContain("completed").last().isEqualTo("failed CONNECT_FAILED");
    }

    @Test
    void aConnectionClosedMidBodyIsAnIoFailureAfterTheResponse() throws Exception {
        serve("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 1000\r\n\r\ndata: {}\n\n");
        Recorder r = new Recorder();
        transport.send(post(uri(), Duration.ofSeconds(5)), r);
        r.ended.get(10, TimeUnit.SECONDS);
        assertThat(r.calls).startsWith("committed", "response 200 text/event-stream");
        assertThat(r.failure.kind()).isEqualTo(HttpTransport.FailureKind.IO);
    }

    @Test
    void cancellingEndsTheRequestOnceAsCancelled() throws Exception {
        CountDownLatch read = serve(null);
        Recorder r = new Recorder();
        HttpTransport.Exchange x = transport.send(post(uri(), Duration.ofSeconds(10)), r);
        assertThat(read.await(5, TimeUnit.SECONDS)).isTrue();
        x.cancel();
        r.ended.get(5, TimeUnit.SECONDS);
        Thread.sleep(100);
        assertThat(r.calls).containsExactly("committed", "failed CANCELLED");
    }

    @Test
    void aGetWithoutBodyIsCommittedAndAnswered() throws Exception {
        serve("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
        Recorder r = new Recorder();
        transport.send(new HttpTransport.Request("GET", uri(), Map.of(), null, Duration.ofSeconds(5)), r);
        r.ended.get(10, TimeUnit.SECONDS);
        assertThat(r.calls).containsExactly("committed", "response 200 application/json", "content", "completed");
        assertThat(requests.get(0)).startsWith("GET /v1/completions HTTP/1.1");
    }

    /** {@return the description names the client} */
    @Test
    void describesItself() {
        assertThat(transport.description()).isNotBlank();
    }
}
