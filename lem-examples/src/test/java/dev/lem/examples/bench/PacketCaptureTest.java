package dev.lem.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@link PacketCapture} on pcap files built byte by byte: two keep-alive connections with two requests each,
 * interleaved, in the layouts tcpdump writes (nanosecond and microsecond magic, either byte order, Ethernet and
 * Linux cooked link headers).
 */
class PacketCaptureTest {
    private static final int SERVER = 8000;
    private static final int A = 40001;
    private static final int B = 40002;
    /** 2026-12-05T00:00:00Z, s. */
    private static final long EPOCH_S = 1_796_428_800L;

    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int PSH_ACK = 0x18;
    private static final String HEADERS = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n";
    private static final String FIRST = "5f\r\ndata: {\"choices\":[{\"index\":0,\"text\":\" hi\"}]}\n\n\r\n";
    private static final String REST = "20\r\ndata: [DONE]\n\n\r\n0\r\n\r\n";

    private static String requestLine(int bodyLength) {
        return "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + bodyLength + "\r\n\r\n";
    }

    private static String body(int id) {
        return "{\"model\":\"m\",\"prompt\":\"id " + id + "\",\"max_tokens\":1,\"stream\":true}";
    }

    /**
     * The scenario, times in µs after {@link #EPOCH_S} (so that the microsecond file can hold them exactly).
     * Connection A: request 7 with its headers and body in two segments (first at 1,000 µs), first chunk at
     * 21,000 µs; request 9 in one segment at 30,000 µs, headers and first chunk coalesced at 50,000 µs, and the
     * request's segment seen again after the response (a retransmission at 52,500 µs). Connection B: request 8 at 1,500 µs whose first chunk's marker is split
     * over two segments (the second at 21,600 µs); request 10 at 31,000 µs, first chunk at 51,000 µs. Plus bare
     * ACKs, a segment on another port and a UDP datagram, none of which count.
     */
    private static Pcap scenario(Pcap p) {
        long seqA = 1_000_000L;
        long seqSa = 4_294_967_000L; // wraps past 2^32 within the connection
        long seqB = 77L;
        long seqSb = 500_000L;
        p.tcp(0, A, SERVER, seqA, SYN, "");
        p.tcp(10, SERVER, A, seqSa, SYN | ACK, "");
        p.tcp(20, A, SERVER, seqA + 1, ACK, "");
        seqA++;
        seqSa++;
        p.tcp(30, B, SERVER, seqB, SYN, "");
        p.tcp(40, SERVER, B, seqSb, SYN | ACK, "");
        seqB++;
        seqSb++;
        String h7 = requestLine(body(7).length());
        seqA = p.send(1_000, A, SERVER, seqA, h7);
        p.tcp(1_005, SERVER, A, seqSa, ACK, "");
        seqB = p.send(1_500, B, SERVER, seqB, requestLine(body(8).length()) + body(8));
        seqA = p.send(1_600, A, SERVER, seqA, body(7));
        seqSa = p.send(2_000, SERVER, A, seqSa, HEADERS);
        seqSb = p.send(2_100, SERVER, B, seqSb, HEADERS);
        p.tcp(5_000, 9999, 9998, 1, PSH_ACK, "\"prompt\":\"id 99\"");
        p.udp(6_000);
        seqSa = p.send(21_000, SERVER, A, seqSa, FIRST);
        int split = FIRST.indexOf("\" hi") + 2;
        seqSb = p.send(21_500, SERVER, B, seqSb, FIRST.substring(0, split));
        seqSb = p.send(21_600, SERVER, B, seqSb, FIRST.substring(split));
        seqSa = p.send(21_700, SERVER, A, seqSa, REST);
        seqSb = p.send(21_800, SERVER, B, seqSb, REST);
        String r9 = requestLine(body(9).length()) + body(9);
        long r9Seq = seqA;
        seqA = p.send(30_000, A, SERVER, seqA, r9);
        seqB = p.send(31_000, B, SERVER, seqB, requestLine(body(10).length()));
        seqB = p.send(31_010, B, SERVER, seqB, body(10));
        seqSa = p.send(50_000, SERVER, A, seqSa, HEADERS + FIRST);
        seqSb = p.send(50_500, SERVER, B, seqSb, HEADERS);
        seqSb = p.send(51_000, SERVER, B, seqSb, FIRST);
        p.send(52_000, SERVER, A, seqSa, REST);
        p.send(52_100, SERVER, B, seqSb, REST);
        p.send(52_500, A, SERVER, r9Seq, r9); // request 9's bytes again: not a new request
        return p;
    }

    private static long at(long micros) {
        return EPOCH_S * 1_000_000_000L + micros * 1_000L;
    }

    private static void assertScenario(PacketCapture.Matched m) {
        assertThat(m.byId()).containsOnlyKeys(7, 8, 9, 10);
        assertThat(m.byId().get(7)).isEqualTo(new PacketCapture.RequestTimes(7, at(1_000), at(21_000),
                "127.0.0.1:" + A));
        assertThat(m.byId().get(8)).isEqualTo(new PacketCapture.RequestTimes(8, at(1_500), at(21_600),
                "127.0.0.1:" + B));
        assertThat(m.byId().get(9)).isEqualTo(new PacketCapture.RequestTimes(9, at(30_000), at(50_000),
                "127.0.0.1:" + A));
        assertThat(m.byId().get(10)).isEqualTo(new PacketCapture.RequestTimes(10, at(31_000), at(51_000),
                "127.0.0.1:" + B));
        assertThat(m.connections()).isEqualTo(2);
        assertThat(m.incomplete()).isZero();
        assertThat(m.gaps()).isZero();
    }

    @Test
    void nanosecondEthernetLittleEndian() {
        Pcap p = scenario(new Pcap(PacketCapture.MAGIC_NANOS, ByteOrder.LITTLE_ENDIAN, PacketCapture.DLT_EN10MB));
        PacketCapture.Capture c = PacketCapture.read(p.bytes());
        assertThat(c.nanosecond()).isTrue();
        assertThat(c.linkType()).isEqualTo(1);
        assertThat(c.records()).isEqualTo(p.records);
        assertThat(c.segments()).hasSize(p.records - 1); // all but the UDP datagram
        assertThat(c.truncated()).isFalse();
        assertScenario(PacketCapture.match(c.segments(), SERVER));
    }

    @Test
    void nanosecondTimestampsKeepTheirNanoseconds() {
        Pcap p = new Pcap(PacketCapture.MAGIC_NANOS, ByteOrder.LITTLE_ENDIAN, PacketCapture.DLT_EN10MB);
        p.records++;
        p.record(EPOCH_S * 1_000_000_000L + 123_456_789L, p.frame(A, SERVER, 1, PSH_ACK, "x"));
        assertThat(PacketCapture.read(p.bytes()).segments().get(0).epochNanos())
                .isEqualTo(EPOCH_S * 1_000_000_000L + 123_456_789L);
    }

    @Test
    void microsecondLinuxCookedBigEndian() {
        Pcap p = scenario(new Pcap(PacketCapture.MAGIC_MICROS, ByteOrder.BIG_ENDIAN, PacketCapture.DLT_LINUX_SLL));
        PacketCapture.Capture c = PacketCapture.read(p.bytes());
        assertThat(c.nanosecond()).isFalse();
        assertThat(c.linkType()).isEqualTo(113);
        assertScenario(PacketCapture.match(c.segments(), SERVER));
    }

    @Test
    void linuxCookedV2() {
        Pcap p = scenario(new Pcap(PacketCapture.MAGIC_NANOS, ByteOrder.LITTLE_ENDIAN, PacketCapture.DLT_LINUX_SLL2));
        assertScenario(PacketCapture.match(PacketCapture.read(p.bytes()).segments(), SERVER));
    }

    @Test
    void aFileCutInsideARecordKeepsTheRecordsBefore() {
        Pcap p = scenario(new Pcap(PacketCapture.MAGIC_NANOS, ByteOrder.LITTLE_ENDIAN, PacketCapture.DLT_EN10MB));
        byte[] all = p.bytes();
        PacketCapture.Capture c = PacketCapture.read(Arrays.copyOf(all, all.length - 5));
        assertThat(c.truncated()).isTrue();
        assertThat(c.records()).isEqualTo(p.records - 1);
        PacketCapture.Matched m = PacketCapture.match(c.segments(), SERVER);
        // the retransmission is cut: connection B's last segment (request 10's end) is the last whole record
        assertThat(m.byId()).containsOnlyKeys(7, 8, 9, 10);
        assertThat(m.incomplete()).isZero();
        int lastRecord = 16 + 14 + 20 + 32 + (requestLine(body(9).length()) + body(9)).length();
        PacketCapture.Capture shorter = PacketCapture.read(Arrays.copyOf(all, all.length - lastRecord - 5));
        assertThat(shorter.truncated()).isTrue();
        PacketCapture.Matched cut = PacketCapture.match(shorter.segments(), SERVER);
        // now request 10's response lost its end: not matched, counted as incomplete
        assertThat(cut.byId()).containsOnlyKeys(7, 8, 9);
        assertThat(cut.incomplete()).isEqualTo(1);
    }

    @Test
    void aLostSegmentIsCountedAsAGap() {
        Pcap p = new Pcap(PacketCapture.MAGIC_NANOS, ByteOrder.LITTLE_ENDIAN, PacketCapture.DLT_EN10MB);
        long s = p.send(0, A, SERVER, 100, "POST / HTTP/1.1\r\n");
        p.send(10, A, SERVER, s + 5, "rest"); // 5 bytes never captured
        PacketCapture.Matched m = PacketCapture.match(PacketCapture.read(p.bytes()).segments(), SERVER);
        assertThat(m.gaps()).isEqualTo(1);
        assertThat(m.incomplete()).isEqualTo(1); // no response before the end of the capture
    }

    @Test
    void pcapngAndOtherLinkTypesAreRefusedWithTheFix() {
        byte[] ng = new byte[28];
        ByteBuffer.wrap(ng).order(ByteOrder.LITTLE_ENDIAN).putInt(0x0a0d0d0a);
        assertThatThrownBy(() -> PacketCapture.read(ng)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pcapng").hasMessageContaining("editcap -F pcap");
        Pcap bsdLoopback = new Pcap(PacketCapture.MAGIC_NANOS, ByteOrder.LITTLE_ENDIAN, 0);
        assertThatThrownBy(() -> PacketCapture.read(bsdLoopback.bytes()))
                .hasMessageContaining("link type 0 is not supported").hasMessageContaining("-i lo");
        assertThatThrownBy(() -> PacketCapture.read(new byte[10])).hasMessageContaining("too short");
    }

    @Test
    void clockOffsetIsInterpolatedBetweenItsReadings() {
        var before = new PacketCapture.ClockOffset(1_000_000L, 5_000_000_000L, 20);
        var after = new PacketCapture.ClockOffset(3_000_000L, 5_000_000_400L, 20);
        assertThat(PacketCapture.ClockOffset.toNanoTime(5_001_000_000L, before, after)).isEqualTo(1_000_000L);
        assertThat(PacketCapture.ClockOffset.toNanoTime(5_002_000_200L, before, after)).isEqualTo(2_000_000L);
        assertThat(PacketCapture.ClockOffset.toNanoTime(5_003_000_400L, before, after)).isEqualTo(3_000_000L);
    }

    /** A pcap file under construction; all hosts are 127.0.0.1, only ports differ. */
    private static final class Pcap {
        private final int magic;
        private final ByteOrder order;
        private final int linkType;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int records;

        Pcap(int magic, ByteOrder order, int linkType) {
            this.magic = magic;
            this.order = order;
            this.linkType = linkType;
            ByteBuffer h = ByteBuffer.allocate(24).order(order);
            h.putInt(magic).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(262_144)
                    .putInt(linkType);
            out.writeBytes(h.array());
        }

        /** A segment with payload at {@code micros}; returns the next sequence number. */
        long send(long micros, int from, int to, long seq, String payload) {
            tcp(micros, from, to, seq, PSH_ACK, payload);
            return (seq + payload.length()) & 0xffffffffL;
        }

        void tcp(long micros, int from, int to, long seq, int flags, String payload) {
            records++;
            record(at(micros), frame(from, to, seq, flags, payload));
        }

        void udp(long micros) {
            records++;
            byte[] ip = new byte[28];
            ByteBuffer b = ByteBuffer.wrap(ip);
            b.put(0, (byte) 0x45).putShort(2, (short) 28).put(9, (byte) 17);
            record(at(micros), link(ip));
        }

        void record(long epochNanos, byte[] frame) {
            ByteBuffer r = ByteBuffer.allocate(16).order(order);
            long seconds = epochNanos / 1_000_000_000L;
            long nanos = epochNanos % 1_000_000_000L;
            r.putInt((int) seconds).putInt((int) (magic == PacketCapture.MAGIC_NANOS ? nanos : nanos / 1_000))
                    .putInt(frame.length).putInt(frame.length);
            out.writeBytes(r.array());
            out.writeBytes(frame);
        }

        /** IPv4 (20-byte header) + TCP with 12 bytes of options (32-byte header) + payload, behind the link. */
        byte[] frame(int from, int to, long seq, int flags, String payload) {
            byte[] data = payload.getBytes(StandardCharsets.ISO_8859_1);
            ByteBuffer ip = ByteBuffer.allocate(20 + 32 + data.length); // network byte order
            ip.put((byte) 0x45).put((byte) 0).putShort((short) (20 + 32 + data.length)).putShort((short) 1)
                    .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0)
                    .put(new byte[] {127, 0, 0, 1}).put(new byte[] {127, 0, 0, 1});
            ip.putShort((short) from).putShort((short) to).putInt((int) seq).putInt(0)
                    .put((byte) (8 << 4)).put((byte) flags).putShort((short) 65_000).putShort((short) 0)
                    .putShort((short) 0).put(new byte[] {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}).put(data);
            return link(ip.array());
        }

        private byte[] link(byte[] ip) {
            ByteBuffer f;
            switch (linkType) {
                case PacketCapture.DLT_LINUX_SLL -> {
                    f = ByteBuffer.allocate(16 + ip.length);
                    f.putShort((short) 0).putShort((short) 772).putShort((short) 6).put(new byte[8])
                            .putShort((short) 0x0800);
                }
                case PacketCapture.DLT_LINUX_SLL2 -> {
                    f = ByteBuffer.allocate(20 + ip.length);
                    f.putShort((short) 0x0800).putShort((short) 0).putInt(1).putShort((short) 772).put((byte) 0)
                            .put((byte) 6).put(new byte[8]);
                }
                default -> {
                    f = ByteBuffer.allocate(14 + ip.length);
                    f.put(new byte[12]).putShort((short) 0x0800);
                }
            }
            return f.put(ip).array();
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
