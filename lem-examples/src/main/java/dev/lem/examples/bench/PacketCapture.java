package dev.lem.examples.bench;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packet-capture reference of {@link TtftOverheadBenchmark}: reads a classic pcap file (as {@code tcpdump -w}
 * writes it) and finds, for each request of the benchmark's scripted server, the capture time of the TCP segment
 * that carried the request's first bytes and of the segment that carried the response's first SSE chunk.
 *
 * <p>Hand-written rather than a library: the only job is the classic pcap record format plus IPv4/IPv6 and TCP
 * headers (about 150 lines); pcap4j, the well-kept Java choice, reads files through the native libpcap via JNA,
 * which a benchmark main that runs from a checkout should not need. pcapng is refused with a message saying how
 * to get classic pcap.
 *
 * <p>Supported: magic {@code 0xa1b2c3d4} (microsecond timestamps) and {@code 0xa1b23c4d} (nanosecond), either byte
 * order; link types Ethernet ({@code DLT_EN10MB} = 1, what Linux {@code lo} reports, with 802.1Q tags), Linux
 * cooked capture v1 and v2 ({@code DLT_LINUX_SLL} = 113, {@code DLT_LINUX_SLL2} = 276: {@code -i any}) and raw IP
 * ({@code DLT_RAW} = 101). Timestamps are the capture's own, CLOCK_REALTIME nanoseconds since the epoch.
 *
 * <p>Matching ({@link #match}): segments are grouped by connection (the side whose port is not the server's is
 * the client) and read in capture order, one request at a time per connection (HTTP/1.1 keep-alive without
 * pipelining, as every client of the benchmark behaves): a request begins with the first client→server segment
 * with payload after the previous response ended; its id is read from {@code "prompt":"id N"} in the request bytes
 * (which may come in a later segment than the request line); the response's first chunk is the first
 * server→client segment after which the response bytes contain {@code "text":" hi"}; the response ends at the last
 * chunk of the chunked encoding ({@code 0\r\n\r\n}). Segments the capture saw twice (retransmissions) are dropped
 * by their sequence numbers. Not thread-safe; all methods are static.
 */
final class PacketCapture {
    /** Classic pcap, microsecond timestamps, as written on the writer's byte order. */
    static final int MAGIC_MICROS = 0xa1b2c3d4;
    /** Classic pcap, nanosecond timestamps ({@code --time-stamp-precision=nano}). */
    static final int MAGIC_NANOS = 0xa1b23c4d;
    /** Ethernet, what Linux's {@code lo} reports. */
    static final int DLT_EN10MB = 1;
    /** Raw IPv4/IPv6, no link header. */
    static final int DLT_RAW = 101;
    /** Linux cooked capture v1 ({@code -i any} on older libpcap). */
    static final int DLT_LINUX_SLL = 113;
    /** Linux cooked capture v2 ({@code -i any} on libpcap 1.10+ when asked for it). */
    static final int DLT_LINUX_SLL2 = 276;

    private static final Pattern REQUEST_ID = Pattern.compile("\"prompt\"\\s*:\\s*\"id (\\d+)\"");
    private static final String FIRST_CHUNK = "\"text\":\" hi\"";
    private static final String LAST_CHUNK = "\r\n0\r\n\r\n";

    private PacketCapture() {
    }

    /**
     * One TCP segment of a capture.
     *
     * @param epochNanos the capture's timestamp, ns since the epoch (CLOCK_REALTIME)
     * @param source the sending address, e.g. {@code 127.0.0.1}
     * @param sourcePort the sending port
     * @param destination the receiving address
     * @param destinationPort the receiving port
     * @param sequence the TCP sequence number (unsigned 32 bits)
     * @param syn whether the SYN flag is set
     * @param payload the TCP payload as captured (empty for a bare ACK)
     */
    record Segment(long epochNanos, String source, int sourcePort, String destination, int destinationPort,
            long sequence, boolean syn, byte[] payload) {
    }

    /**
     * A capture file's TCP segments.
     *
     * @param linkType the file's link type ({@code DLT_*})
     * @param nanosecond whether the file has nanosecond timestamps (else microseconds)
     * @param records packet records in the file
     * @param segments the TCP segments among them, in file order
     * @param truncated whether the file ended inside a record (the last one is then left out)
     */
    record Capture(int linkType, boolean nanosecond, int records, List<Segment> segments, boolean truncated) {
    }

    /**
     * The wire times of one request.
     *
     * @param id the request's id ({@code "prompt":"id N"})
     * @param requestEpochNanos capture time of the segment carrying the request's first bytes, ns since the epoch
     * @param responseEpochNanos capture time of the segment carrying the response's first SSE chunk, ns since the
     *     epoch
     * @param connection the connection, {@code client address:port}
     */
    record RequestTimes(int id, long requestEpochNanos, long responseEpochNanos, String connection) {
    }

    /**
     * What {@link #match} found.
     *
     * @param byId the requests with both times, by id
     * @param connections connections seen
     * @param incomplete requests seen on the wire whose id, first chunk or end was not seen (cut by the capture's
     *     start or end, or lost to a kernel drop)
     * @param gaps segments that arrived after a hole in their stream's sequence numbers (lost by the capture)
     */
    record Matched(Map<Integer, RequestTimes> byId, int connections, int incomplete, int gaps) {
    }

    /**
     * Reads a classic pcap file.
     *
     * @param pcap the file's bytes
     * @return the TCP segments in it
     * @throws IllegalArgumentException when the file is not classic pcap or its link type is not supported
     */
    static Capture read(byte[] pcap) {
        if (pcap.length < 24) {
            throw new IllegalArgumentException("pcap file too short (" + pcap.length
                    + " bytes): a classic pcap file starts with a 24-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic == Integer.reverseBytes(MAGIC_MICROS) || magic == Integer.reverseBytes(MAGIC_NANOS)) {
            b.order(ByteOrder.BIG_ENDIAN);
            magic = Integer.reverseBytes(magic);
        }
        if (magic != MAGIC_MICROS && magic != MAGIC_NANOS) {
            String what = magic == 0x0a0d0d0a ? "pcapng, not classic pcap (write it with tcpdump -w, or convert it "
                    + "with editcap -F pcap)" : "not a pcap file";
            throw new IllegalArgumentException(String.format("pcap magic 0x%08x: %s", magic, what));
        }
        boolean nanos = magic == MAGIC_NANOS;
        int linkType = b.getInt(20) & 0xffff;
        if (linkType != DLT_EN10MB && linkType != DLT_LINUX_SLL && linkType != DLT_LINUX_SLL2
                && linkType != DLT_RAW) {
            throw new IllegalArgumentException("pcap link type " + linkType + " is not supported (Ethernet 1, raw IP "
                    + "101, Linux cooked 113 and 276 are): capture with -i lo or -i any");
        }
        List<Segment> out = new ArrayList<>();
        int at = 24;
        int records = 0;
        boolean truncated = false;
        while (at < pcap.length) {
            if (at + 16 > pcap.length) {
                truncated = true;
                break;
            }
            long seconds = Integer.toUnsignedLong(b.getInt(at));
            long fraction = Integer.toUnsignedLong(b.getInt(at + 4));
            int captured = b.getInt(at + 8);
            if (captured < 0 || at + 16L + captured > pcap.length) {
                truncated = true;
                break;
            }
            long epochNanos = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1_000L);
            records++;
            Segment s = segment(b, at + 16, captured, linkType, epochNanos);
            if (s != null) {
                out.add(s);
            }
            at += 16 + captured;
        }
        return new Capture(linkType, nanos, records, Collections.unmodifiableList(out), truncated);
    }

    /** The TCP segment in one record, or null when it is not TCP over IPv4/IPv6. */
    private static Segment segment(ByteBuffer b, int start, int length, int linkType, long epochNanos) {
        int end = start + length;
        int ip;
        int etherType;
        switch (linkType) {
            case DLT_EN10MB -> {
                if (length < 14) {
                    return null;
                }
                int at = start + 12;
                etherType = u16(b, at);
                while ((etherType == 0x8100 || etherType == 0x88a8) && at + 6 <= end) {
                    at += 4;
                    etherType = u16(b, at);
                }
                ip = at + 2;
            }
            case DLT_LINUX_SLL -> {
                if (length < 16) {
                    return null;
                }
                etherType = u16(b, start + 14);
                ip = start + 16;
            }
            case DLT_LINUX_SLL2 -> {
                if (length < 20) {
                    return null;
                }
                etherType = u16(b, start);
                ip = start + 20;
            }
            default -> { // DLT_RAW
                if (length < 1) {
                    return null;
                }
                int version = (b.get(start) & 0xff) >> 4;
                etherType = version == 4 ? 0x0800 : version == 6 ? 0x86dd : -1;
                ip = start;
            }
        }
        int tcp;
        int ipEnd;
        byte[] src;
        byte[] dst;
        if (etherType == 0x0800) {
            if (ip + 20 > end || (b.get(ip) & 0xff) >> 4 != 4 || (b.get(ip + 9) & 0xff) != 6) {
                return null;
            }
            if ((u16(b, ip + 6) & 0x1fff) != 0) {
                return null; // a later fragment: no TCP header (loopback does not fragment)
            }
            tcp = ip + (b.get(ip) & 0x0f) * 4;
            ipEnd = Math.min(end, ip + u16(b, ip + 2));
            src = bytes(b, ip + 12, 4);
            dst = bytes(b, ip + 16, 4);
        } else if (etherType == 0x86dd) {
            if (ip + 40 > end || (b.get(ip + 6) & 0xff) != 6) {
                return null; // not TCP right after the fixed header (extension headers are not followed)
            }
            tcp = ip + 40;
            ipEnd = Math.min(end, tcp + u16(b, ip + 4));
            src = bytes(b, ip + 8, 16);
            dst = bytes(b, ip + 24, 16);
        } else {
            return null;
        }
        if (tcp + 20 > ipEnd) {
            return null;
        }
        int payload = tcp + ((b.get(tcp + 12) & 0xff) >> 4) * 4;
        if (payload > ipEnd) {
            return null;
        }
        return new Segment(epochNanos, address(src), u16(b, tcp), address(dst), u16(b, tcp + 2),
                ((long) u16(b, tcp + 4) << 16) | u16(b, tcp + 6), (b.get(tcp + 13) & 0x02) != 0,
                bytes(b, payload, ipEnd - payload));
    }

    private static int u16(ByteBuffer b, int at) {
        return ((b.get(at) & 0xff) << 8) | (b.get(at + 1) & 0xff); // network byte order whatever the file's
    }

    private static byte[] bytes(ByteBuffer b, int at, int n) {
        byte[] out = new byte[n];
        b.get(at, out);
        return out;
    }

    private static String address(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes: cannot happen
        }
    }

    /**
     * Finds each request's wire times among a capture's segments (see the class comment for the rules).
     *
     * @param segments the capture's TCP segments in capture order
     * @param serverPort the benchmark server's port
     * @return the requests found with both times, and what could not be matched
     */
    static Matched match(List<Segment> segments, int serverPort) {
        Map<String, Connection> connections = new LinkedHashMap<>();
        Map<Integer, RequestTimes> byId = new HashMap<>();
        int[] incomplete = {0};
        int[] gaps = {0};
        for (Segment s : segments) {
            boolean toServer = s.destinationPort() == serverPort;
            if (!toServer && s.sourcePort() != serverPort) {
                continue;
            }
            String key = toServer ? s.source() + ":" + s.sourcePort() : s.destination() + ":" + s.destinationPort();
            Connection c = connections.computeIfAbsent(key, Connection::new);
            Direction d = toServer ? c.up : c.down;
            byte[] fresh = d.fresh(s, gaps);
            if (fresh.length == 0) {
                continue;
            }
            String text = new String(fresh, StandardCharsets.ISO_8859_1);
            if (toServer) {
                c.request(s.epochNanos(), text, incomplete);
            } else {
                c.response(s.epochNanos(), text, byId, incomplete);
            }
        }
        for (Connection c : connections.values()) {
            if (c.requestStart >= 0) {
                incomplete[0]++; // cut by the end of the capture
            }
        }
        return new Matched(Collections.unmodifiableMap(byId), connections.size(), incomplete[0], gaps[0]);
    }

    /** One direction of a connection: where its byte stream has got to. */
    private static final class Direction {
        private long next = -1;

        /** The payload bytes not seen before (a retransmission yields none, an overlap its new tail). */
        byte[] fresh(Segment s, int[] gaps) {
            byte[] p = s.payload();
            if (s.syn()) {
                next = (s.sequence() + 1) & 0xffffffffL;
                return p;
            }
            if (p.length == 0) {
                return p;
            }
            if (next < 0) {
                next = (s.sequence() + p.length) & 0xffffffffL;
                return p;
            }
            int offset = (int) (s.sequence() - next); // signed distance modulo 2^32
            if (offset + p.length <= 0) {
                return new byte[0];
            }
            if (offset > 0) {
                gaps[0]++;
            }
            next = (s.sequence() + p.length) & 0xffffffffL;
            return offset < 0 ? Arrays.copyOfRange(p, -offset, p.length) : p;
        }
    }

    /** One connection's request/response state: one request at a time. */
    private static final class Connection {
        private final String key;
        private final Direction up = new Direction();
        private final Direction down = new Direction();
        private long requestStart = -1;
        private final StringBuilder request = new StringBuilder();
        private int id = -1;
        private final StringBuilder response = new StringBuilder();
        private long firstChunk = -1;

        Connection(String key) {
            this.key = key;
        }

        void request(long t, String text, int[] incomplete) {
            if (requestStart >= 0 && response.length() > 0) {
                incomplete[0]++; // a new request while a response was unfinished: its end was not captured
                reset();
            }
            if (requestStart < 0) {
                requestStart = t;
            }
            request.append(text);
            if (id < 0) {
                Matcher m = REQUEST_ID.matcher(request);
                if (m.find()) {
                    id = Integer.parseInt(m.group(1));
                }
            }
        }

        void response(long t, String text, Map<Integer, RequestTimes> byId, int[] incomplete) {
            if (requestStart < 0) {
                return; // the capture began inside a response
            }
            int from = Math.max(0, response.length() - LAST_CHUNK.length());
            response.append(text);
            if (firstChunk < 0 && response.indexOf(FIRST_CHUNK, Math.max(0, from - FIRST_CHUNK.length())) >= 0) {
                firstChunk = t;
            }
            if (response.indexOf(LAST_CHUNK, from) >= 0) {
                if (id >= 0 && firstChunk >= 0) {
                    byId.putIfAbsent(id, new RequestTimes(id, requestStart, firstChunk, key));
                } else {
                    incomplete[0]++;
                }
                reset();
            }
        }

        private void reset() {
            requestStart = -1;
            request.setLength(0);
            id = -1;
            response.setLength(0);
            firstChunk = -1;
        }
    }

    /**
     * A reading of the offset between CLOCK_REALTIME (pcap timestamps, {@link Instant#now()}) and the JVM's
     * {@link System#nanoTime()} (CLOCK_MONOTONIC on Linux).
     *
     * @param nanoTime the {@code System.nanoTime()} at the middle of the reading
     * @param realtimeMinusNanoTime epoch ns minus {@code System.nanoTime()}, ns
     * @param halfBracketNanos half the time between the two {@code nanoTime()} calls around the
     *     {@code Instant.now()}: the reading's uncertainty, ns
     */
    record ClockOffset(long nanoTime, long realtimeMinusNanoTime, long halfBracketNanos) {
        /**
         * Reads the offset {@code tries} times and keeps the reading with the narrowest bracket.
         *
         * @param tries how many readings to take (a few thousand: the first ones run interpreted)
         * @return the narrowest reading
         */
        static ClockOffset measure(int tries) {
            ClockOffset best = null;
            for (int i = 0; i < tries; i++) {
                long t0 = System.nanoTime();
                Instant now = Instant.now();
                long t1 = System.nanoTime();
                long mid = t0 + (t1 - t0) / 2;
                ClockOffset o = new ClockOffset(mid, now.getEpochSecond() * 1_000_000_000L + now.getNano() - mid,
                        (t1 - t0 + 1) / 2);
                if (best == null || o.halfBracketNanos < best.halfBracketNanos) {
                    best = o;
                }
            }
            return best;
        }

        /**
         * Converts a CLOCK_REALTIME time to the {@code System.nanoTime()} timeline, interpolating the offset
         * linearly between a reading before and one after (so that a clock slewed by NTP in between is followed).
         *
         * @param epochNanos ns since the epoch
         * @param before a reading taken before the time
         * @param after a reading taken after the time
         * @return the same instant as {@code System.nanoTime()} would read it
         */
        static long toNanoTime(long epochNanos, ClockOffset before, ClockOffset after) {
            long approx = epochNanos - before.realtimeMinusNanoTime;
            long span = after.nanoTime - before.nanoTime;
            if (span <= 0) {
                return approx;
            }
            double f = (double) (approx - before.nanoTime) / span;
            double offset = before.realtimeMinusNanoTime
                    + f * (after.realtimeMinusNanoTime - before.realtimeMinusNanoTime);
            return epochNanos - Math.round(offset);
        }
    }
}
