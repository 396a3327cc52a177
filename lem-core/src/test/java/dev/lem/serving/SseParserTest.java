package dev.lem.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SseParserTest {

    private final List<String> events = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final List<String> comments = new ArrayList<>();
    private final SseParser parser = new SseParser(new SseParser.Handler() {
        @Override
        public void onEvent(String event, byte[] data, int length) {
            events.add(new String(data, 0, length, StandardCharsets.UTF_8));
            names.add(event);
        }

        @Override
        public void onComment(String comment) {
            comments.add(comment);
        }
    }, 1 << 16);

    private static final String VLLM_STREAM = "data: {\"id\":\"cmpl-1\",\"choices\":[{\"index\":0,\"text\":\" Zürich\"}]}\n\n"
            + ": keep-alive\n\n"
            + "data: {\"id\":\"cmpl-1\",\"choices\":[{\"index\":0,\"text\":\" 東京\"}]}\n\n"
            + "data: {\"id\":\"cmpl-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\n"
            + "data: [DONE]\n\n";

    @Test
    void eventsSplitAtEveryByteBoundaryParseTheSame() {
        byte[] all = VLLM_STREAM.getBytes(StandardCharsets.UTF_8);
        parser.feed(all);
        List<String> whole = List.copyOf(events);
        assertThat(whole).hasSize(4).last().isEqualTo("[DONE]");
        assertThat(whole.get(1)).contains("東京");
        for (int cut = 1; cut < all.length; cut++) {
            events.clear();
            SseParser p = new SseParser((e, d, n) -> events.add(new String(d, 0, n, StandardCharsets.UTF_8)), 1 << 16);
            p.feed(ByteBuffer.wrap(all, 0, cut));
            p.feed(ByteBuffer.wrap(all, cut, all.length - cut));
            assertThat(events).as("split at byte " + cut).isEqualTo(whole);
        }
        Random random = new Random(7);
        for (int trial = 0; trial < 50; trial++) {
            events.clear();
            SseParser p = new SseParser((e, d, n) -> events.add(new String(d, 0, n, StandardCharsets.UTF_8)), 1 << 16);
            int i = 0;
            while (i < all.length) {
                int len = 1 + random.nextInt(7);
                p.feed(ByteBuffer.wrap(all, i, Math.min(len, all.length - i)));
                i += len;
            }
            assertThat(events).isEqualTo(whole);
        }
    }

    /**
     * The JDK client hands over read-only buffers (no backing array): those are copied out through a scratch array of
     * 2 KiB, so an event longer than that, cut anywhere, must come out whole as well.
     */
    @Test
    void readOnlyBuffersAndEventsLongerThanTheScratchArrayParseTheSame() {
        String longText = "x".repeat(5000);
        byte[] all = ("data: {\"text\":\"" + longText + "\"}\r\n\r\n" + VLLM_STREAM).getBytes(StandardCharsets.UTF_8);
        parser.feed(all);
        List<String> whole = List.copyOf(events);
        assertThat(whole).hasSize(5);
        assertThat(whole.get(0)).hasSize(longText.length() + 11);
        Random random = new Random(11);
        for (int trial = 0; trial < 50; trial++) {
            events.clear();
            SseParser p = new SseParser((e, d, n) -> events.add(new String(d, 0, n, StandardCharsets.UTF_8)), 1 << 16);
            int i = 0;
            while (i < all.length) {
                int len = 1 + random.nextInt(trial % 2 == 0 ? 9 : 4000);
                p.feed(ByteBuffer.wrap(all, i, Math.min(len, all.length - i)).slice().asReadOnlyBuffer());
                i += len;
            }
            assertThat(events).as("trial " + trial).isEqualTo(whole);
        }
    }

    @Test
    void multiLineDataIsJoinedWithNewlinesAndOneSpaceIsDropped() {
        parser.feed("data: first\ndata:second\ndata:  third\n\n".getBytes(StandardCharsets.UTF_8));
        assertThat(events).containsExactly("first\nsecond\n third");
    }

    @Test
    void crlfAndCrLineEndingsWorkAlsoWhenCrAndLfArriveSeparately() {
        parser.feed("data: a\r".getBytes(StandardCharsets.UTF_8));
        parser.feed("\n\r\n".getBytes(StandardCharsets.UTF_8));
        parser.feed("data: b\r\rdata: c\n\n".getBytes(StandardCharsets.UTF_8));
        assertThat(events).containsExactly("a", "b", "c");
    }

    @Test
    void commentsAreReportedButAreNotEvents() {
        parser.feed(": ping\n\n:\n\ndata: x\n\n".getBytes(StandardCharsets.UTF_8));
        assertThat(events).containsExactly("x");
        assertThat(comments).containsExactly(" ping", "");
    }

    @Test
    void eventFieldIsPassedAndIdAndRetryAreIgnored() {
        parser.feed("event: error\nid: 7\nretry: 100\ndata: {\"error\":\"boom\"}\n\ndata: y\n\n"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(events).containsExactly("{\"error\":\"boom\"}", "y");
        assertThat(names).containsExactly("error", null);
    }

    @Test
    void blankLinesWithoutDataDispatchNothing() {
        parser.feed("\n\n\nid: 3\n\n".getBytes(StandardCharsets.UTF_8));
        assertThat(events).isEmpty();
        assertThat(parser.events()).isZero();
    }

    @Test
    void anUnterminatedLastEventIsDeliveredAtTheEnd() {
        parser.feed("data: {\"text_output\":\"end\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(events).isEmpty();
        parser.finish();
        assertThat(events).containsExactly("{\"text_output\":\"end\"}");
    }

    @Test
    void anOversizedEventIsAMalformedStream() {
        SseParser small = new SseParser((e, d, n) -> events.add("x"), 64);
        byte[] big = ("data: " + "a".repeat(100) + "\n\n").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> small.feed(big)).isInstanceOf(SseParser.MalformedStreamException.class)
                .hasMessageContaining("exceeds 64 bytes");
        SseParser lines = new SseParser((e, d, n) -> events.add("x"), 64);
        byte[] many = ("data: " + "b".repeat(40) + "\ndata: " + "c".repeat(40) + "\n\n").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> lines.feed(many)).hasMessageContaining("server-sent event exceeds 64 bytes");
    }
}
