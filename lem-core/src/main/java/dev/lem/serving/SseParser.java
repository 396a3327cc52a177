package dev.lem.serving;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Incremental parser of a {@code text/event-stream} body (the server-sent events that OpenAI-compatible
 * servers and Triton's {@code generate_stream} send), fed with bytes as they arrive.
 *
 * <p>Follows the WHATWG rules that matter for LLM servers: lines end with LF, CRLF or CR (also when the
 * CR and LF arrive in different reads); {@code data:} lines of one event are joined with {@code \n};
 * one space after the colon is dropped; lines starting with {@code :} are comments; a blank line ends
 * the event; {@code id:} and {@code retry:} are ignored. An event, a line or a character may be split
 * across reads. Leniency: at the end of the stream an unterminated event is still delivered (some
 * servers omit the last blank line).
 *
 * <p>Not thread-safe: one parser per stream, fed from one thread at a time.
 */
public final class SseParser {

    /** Receives parsed events. */
    public interface Handler {
        /**
         * One complete event.
         *
         * @param event  the {@code event:} field, or null when absent (the usual case)
         * @param data   the event's data (UTF-8); valid only during this call
         * @param length bytes of {@code data} that belong to the event
         */
        void onEvent(@Nullable String event, byte[] data, int length);

        /**
         * A comment line (keep-alive), without its leading colon.
         *
         * @param comment the comment's text
         */
        default void onComment(String comment) {
        }
    }

    private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "event".getBytes(StandardCharsets.US_ASCII);

    private final Handler handler;
    private final int maxEventBytes;
    private byte[] line = new byte[256];
    private final byte[] scratch = new byte[2048];
    private int lineLength;
    private byte[] data = new byte[512];
    private int dataLength;
    private boolean hasData;
    private @Nullable String event;
    private boolean lastWasCr;
    private long events;

    /**
     * A parser that has read nothing yet.
     *
     * @param handler       receives events
     * @param maxEventBytes the largest event accepted; a larger one is a malformed stream
     */
    public SseParser(Handler handler, int maxEventBytes) {
        this.handler = handler;
        this.maxEventBytes = maxEventBytes;
    }

    /**
     * Consumes every remaining byte of {@code buffer}.
     *
     * @param buffer the bytes, read up to its limit
     * @throws MalformedStreamException when an event or a line exceeds the size limit
     */
    public void feed(ByteBuffer buffer) {
        if (buffer.hasArray()) {
            int from = buffer.arrayOffset() + buffer.position();
            int to = buffer.arrayOffset() + buffer.limit();
            buffer.position(buffer.limit());
            feed(buffer.array(), from, to);
            return;
        }
        // read-only and direct buffers (the JDK client's) are copied out in bulk: a get() per byte cost a tenth of
        // the client's CPU at 25,000 events/s (JFR, ServingClientBenchmark)
        while (buffer.hasRemaining()) {
            int n = Math.min(buffer.remaining(), scratch.length);
            buffer.get(scratch, 0, n);
            feed(scratch, 0, n);
        }
    }

    /** Consumes {@code bytes[from, to)}: runs of line bytes are copied at once up to the next CR or LF. */
    private void feed(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to) {
            byte b = bytes[i];
            if (b == '\n') {
                i++;
                if (lastWasCr) {
                    lastWasCr = false;
                    continue;
                }
                endLine();
            } else if (b == '\r') {
                i++;
                lastWasCr = true;
                endLine();
            } else {
                lastWasCr = false;
                int end = i + 1;
                while (end < to && bytes[end] != '\n' && bytes[end] != '\r') {
                    end++;
                }
                int n = end - i;
                while (lineLength + n > line.length) {
                    grow();
                }
                System.arraycopy(bytes, i, line, lineLength, n);
                lineLength += n;
                i = end;
            }
        }
    }

    /**
     * Consumes a byte array (tests and tools).
     *
     * @param bytes the bytes
     */
    public void feed(byte[] bytes) {
        feed(ByteBuffer.wrap(bytes));
    }

    /** The end of the stream: delivers an event still waiting for its blank line. */
    public void finish() {
        if (lineLength > 0) {
            endLine();
        }
        dispatch();
    }

    /** {@return the number of events delivered so far} */
    public long events() {
        return events;
    }

    private void grow() {
        if (line.length >= maxEventBytes) {
            throw new MalformedStreamException("a server-sent event line exceeds " + maxEventBytes + " bytes");
        }
        line = Arrays.copyOf(line, Math.min(maxEventBytes, line.length * 2));
    }

    private void endLine() {
        int n = lineLength;
        lineLength = 0;
        if (n == 0) {
            dispatch();
            return;
        }
        if (line[0] == ':') {
            handler.onComment(new String(line, 1, n - 1, StandardCharsets.UTF_8));
            return;
        }
        int colon = indexOf(line, n, (byte) ':');
        int nameEnd = colon < 0 ? n : colon;
        int valueStart = colon < 0 ? n : colon + 1;
        if (valueStart < n && line[valueStart] == ' ') {
            valueStart++;
        }
        if (nameIs(DATA, nameEnd)) {
            appendData(valueStart, n);
        } else if (nameIs(EVENT, nameEnd)) {
            event = new String(line, valueStart, n - valueStart, StandardCharsets.UTF_8);
        }
        // id:, retry: and unknown fields are ignored, as the specification says
    }

    private void appendData(int from, int to) {
        int add = to - from + (hasData ? 1 : 0);
        if ((long) dataLength + add > maxEventBytes) {
            throw new MalformedStreamException("a server-sent event exceeds " + maxEventBytes + " bytes");
        }
        if (dataLength + add > data.length) {
            data = Arrays.copyOf(data, Math.max(dataLength + add, data.length * 2));
        }
        if (hasData) {
            data[dataLength++] = '\n';
        }
        System.arraycopy(line, from, data, dataLength, to - from);
        dataLength += to - from;
        hasData = true;
    }

    private void dispatch() {
        if (hasData) {
            events++;
            String e = event;
            int n = dataLength;
            hasData = false;
            dataLength = 0;
            event = null;
            handler.onEvent(e, data, n);
        } else {
            event = null;
        }
    }

    private boolean nameIs(byte[] name, int length) {
        if (length != name.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (line[i] != name[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] a, int n, byte b) {
        for (int i = 0; i < n; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** The stream broke the event-stream format beyond what the parser tolerates. */
    public static final class MalformedStreamException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /**
         * An exception with a message saying what was wrong.
         *
         * @param message what was wrong
         */
        public MalformedStreamException(String message) {
            super(message);
        }
    }
}
