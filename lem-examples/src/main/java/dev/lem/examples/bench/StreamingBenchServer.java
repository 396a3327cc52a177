package dev.lem.examples.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal OpenAI-compatible streaming server for the client benchmark, on one NIO thread, so that the
 * client — not the server — is what is measured: {@code POST /v1/completions} answers with a vLLM-shaped
 * event stream of {@code max_tokens} one-token chunks (with {@code token_ids}), the usage chunk and
 * {@code [DONE]}, HTTP/1.1 chunked with keep-alive; {@code GET /v1/models} answers the model list.
 *
 * <p>Each event carries {@code chunkTokens} tokens (vLLM's {@code --stream-interval}; default 1). With
 * {@code itlMs > 0} each stream sends one event every {@code itlMs} (the first after {@code itlMs}), on a
 * timer shared by all streams (an event goes out up to 1 ms before it is due, on the stream's absolute schedule, so
 * the server waits in {@code select()} instead of spinning for the sub-millisecond rest; the stamp in the first
 * event is its actual write); with 0 it streams as fast as the sockets take the bytes. A client that cannot
 * keep up sees several events per read (they queue in the socket).
 *
 * <p>The text of each stream's first event ends with {@code " @<received>/<written>"}: this process's
 * {@link System#nanoTime()} when the request was complete and just before the event's write, the wire-level
 * reference for the client's added TTFT ({@code ServingClientBenchmark} reads it; on Linux both processes' clocks are
 * {@code CLOCK_MONOTONIC}).
 *
 * <pre>java -cp ... dev.lem.examples.bench.StreamingBenchServer &lt;port&gt; &lt;itlMs&gt; [chunkTokens]</pre>
 */
public final class StreamingBenchServer implements Runnable {
    /** Paced events may go out this much before they are due (the selector's timeout is in milliseconds). */
    private static final long EARLY_NANOS = 1_000_000;
    private static final Pattern MAX_TOKENS = Pattern.compile("\"max_tokens\"\\s*:\\s*(\\d+)");
    private static final byte[] HEADERS = ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            + "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MODELS;

    static {
        String body = "{\"object\":\"list\",\"data\":[{\"id\":\"bench\",\"object\":\"model\",\"max_model_len\":65536}]}";
        MODELS = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n"
                + body).getBytes(StandardCharsets.US_ASCII);
    }

    private final ServerSocketChannel server;
    private final Selector selector;
    private final long itlNanos;
    private final int chunkTokens;
    private final PriorityQueue<Conn> timer = new PriorityQueue<>((a, b) -> Long.compare(a.due, b.due));
    private volatile boolean running = true;
    private long tokens;

    /**
     * Opens the server socket on the loopback address; {@link #run()} serves it.
     *
     * @param port        the TCP port, or 0 for any free one
     * @param itlMs       milliseconds between two chunks of one stream
     * @param chunkTokens tokens per streamed chunk
     * @throws IOException when the socket cannot be opened
     */
    public StreamingBenchServer(int port, double itlMs, int chunkTokens) throws IOException {
        this.itlNanos = Math.round(itlMs * 1e6);
        this.chunkTokens = chunkTokens;
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 4096);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
    }

    /**
     * The port it listens on.
     *
     * @return the local TCP port
     */
    public int port() {
        return server.socket().getLocalPort();
    }

    /**
     * Tokens sent so far.
     *
     * @return the count over every stream
     */
    public long tokens() {
        return tokens;
    }

    /**
     * Runs the server until the process is stopped.
     *
     * @param args the port, the inter-token latency in milliseconds, and optionally tokens per chunk
     * @throws IOException when the socket cannot be opened
     */
    public static void main(String[] args) throws IOException {
        StreamingBenchServer s = new StreamingBenchServer(Integer.parseInt(args[0]), Double.parseDouble(args[1]),
                args.length > 2 ? Integer.parseInt(args[2]) : 1);
        System.out.println("listening " + s.port());
        System.out.flush();
        s.run();
    }

    /** Stops the loop. */
    public void stop() {
        running = false;
        selector.wakeup();
    }

    /** One connection: request parsing, then a stream. */
    private final class Conn {
        final SocketChannel ch;
        final SelectionKey key;
        ByteBuffer in = ByteBuffer.allocate(8192);
        final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
        int left;
        int sent;
        long due;
        boolean streaming;
        /** When the last request on this connection was complete ({@link System#nanoTime()}). */
        long received;

        Conn(SocketChannel ch, SelectionKey key) {
            this.ch = ch;
            this.key = key;
        }
    }

    @Override
    public void run() {
        try {
            while (running) {
                // events due within EARLY_NANOS go out now: select() cannot wait less than a millisecond, and
                // spinning on selectNow() until they are due took most of a core from the client under test
                if (timer.isEmpty()) {
                    selector.select(0);
                } else {
                    long wait = timer.peek().due - EARLY_NANOS - System.nanoTime();
                    if (wait > 0) {
                        selector.select(Math.max(1, wait / 1_000_000));
                    } else {
                        selector.selectNow();
                    }
                }
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    try {
                        handle(k);
                    } catch (IOException | RuntimeException e) {
                        close(k);
                    }
                }
                long now = System.nanoTime();
                while (!timer.isEmpty() && timer.peek().due <= now + EARLY_NANOS) {
                    Conn c = timer.poll();
                    if (c.key.isValid()) {
                        try {
                            emit(c, 1);
                            flush(c);
                            if (c.left > 0) {
                                c.due += itlNanos;
                                timer.add(c);
                            }
                        } catch (IOException e) {
                            close(c.key);
                        }
                    }
                }
            }
            selector.close();
            server.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void handle(SelectionKey k) throws IOException {
        if (k.isAcceptable()) {
            SocketChannel ch;
            while ((ch = server.accept()) != null) {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                SelectionKey key = ch.register(selector, SelectionKey.OP_READ);
                key.attach(new Conn(ch, key));
            }
            return;
        }
        Conn c = (Conn) k.attachment();
        if (k.isReadable()) {
            if (c.ch.read(c.in) < 0) {
                close(k);
                return;
            }
            request(c);
        }
        if (k.isValid() && k.isWritable()) {
            flush(c);
            if (c.streaming && itlNanos == 0 && c.out.isEmpty()) {
                pump(c);
            }
        }
    }

    private void request(Conn c) throws IOException {
        String head = new String(c.in.array(), 0, c.in.position(), StandardCharsets.ISO_8859_1);
        int end = head.indexOf("\r\n\r\n");
        if (end < 0) {
            if (!c.in.hasRemaining()) {
                c.in = ByteBuffer.allocate(c.in.capacity() * 2).put(c.in.flip());
            }
            return;
        }
        String lower = head.substring(0, end + 2).toLowerCase(Locale.ROOT); // each header line ends with CRLF
        int cl = lower.indexOf("content-length:");
        int length = cl < 0 ? 0 : Integer.parseInt(lower.substring(cl + 15, lower.indexOf("\r\n", cl)).trim());
        if (c.in.position() < end + 4 + length) {
            if (c.in.capacity() < end + 4 + length) {
                c.in = ByteBuffer.allocate(end + 4 + length).put(c.in.flip());
            }
            return;
        }
        c.received = System.nanoTime();
        String body = head.substring(end + 4, end + 4 + length);
        c.in.clear();
        if (lower.startsWith("get /v1/models")) {
            c.out.add(ByteBuffer.wrap(MODELS));
            flush(c);
            return;
        }
        Matcher m = MAX_TOKENS.matcher(body);
        c.left = m.find() ? Integer.parseInt(m.group(1)) : 16;
        c.sent = 0;
        c.streaming = true;
        c.out.add(ByteBuffer.wrap(HEADERS));
        if (itlNanos > 0) {
            flush(c);
            c.due = System.nanoTime() + itlNanos;
            timer.add(c);
        } else {
            pump(c);
        }
    }

    /** Unpaced: events until the socket is full or the stream ends. */
    private void pump(Conn c) throws IOException {
        flush(c);
        while (c.streaming && c.out.isEmpty()) {
            emit(c, 16);
            flush(c);
        }
    }

    /** Appends {@code events} events of {@code chunkTokens} tokens each (fewer at the end of the stream). */
    private void emit(Conn c, int events) {
        StringBuilder sb = new StringBuilder(events * 200);
        for (int i = 0; i < events && c.left > 0; i++) {
            int k = Math.min(chunkTokens, c.left);
            StringBuilder text = new StringBuilder();
            StringBuilder ids = new StringBuilder();
            boolean firstEvent = c.sent == 0;
            for (int j = 0; j < k; j++) {
                c.sent++;
                text.append(" tok").append(c.sent);
                ids.append(j == 0 ? "" : ",").append(1000 + c.sent);
            }
            if (firstEvent) {
                // the wire reference: when the request was complete and when this event is written (the write follows
                // at once: flush() runs right after emit()), System.nanoTime() of this process (CLOCK_MONOTONIC on
                // Linux, the client's clock too)
                text.append(" @").append(c.received).append('/').append(System.nanoTime());
            }
            c.left -= k;
            tokens += k;
            String finish = c.left == 0 ? "\"length\"" : "null";
            chunk(sb, "data: {\"id\":\"cmpl-bench\",\"object\":\"text_completion\",\"created\":1,\"model\":\"bench\","
                    + "\"choices\":[{\"index\":0,\"text\":\"" + text + "\",\"token_ids\":[" + ids
                    + "],\"logprobs\":null,\"finish_reason\":" + finish + ",\"stop_reason\":null}]}\n\n");
        }
        if (c.left == 0 && c.streaming) {
            chunk(sb, "data: {\"id\":\"cmpl-bench\",\"object\":\"text_completion\",\"created\":1,\"model\":\"bench\","
                    + "\"choices\":[],\"usage\":{\"prompt_tokens\":8,\"total_tokens\":" + (8 + c.sent)
                    + ",\"completion_tokens\":" + c.sent + "}}\n\n");
            chunk(sb, "data: [DONE]\n\n");
            sb.append("0\r\n\r\n");
            c.streaming = false;
        }
        c.out.add(ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static void chunk(StringBuilder sb, String data) {
        sb.append(Integer.toHexString(data.getBytes(StandardCharsets.UTF_8).length)).append("\r\n").append(data)
                .append("\r\n");
    }

    private void flush(Conn c) throws IOException {
        while (!c.out.isEmpty()) {
            ByteBuffer b = c.out.peek();
            c.ch.write(b);
            if (b.hasRemaining()) {
                c.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                return;
            }
            c.out.poll();
        }
        c.key.interestOps(SelectionKey.OP_READ);
    }

    private static void close(SelectionKey k) {
        k.cancel();
        try {
            k.channel().close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
