package dev.lem.serving;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads one streamed event of a {@link StreamDialect} into a {@link StreamChunk}. Thread-safe.
 *
 * <p>Wire formats accepted (canned real output is in the tests): OpenAI/vLLM/trtllm-serve completion
 * and chat chunks, the usage chunk ({@code "choices": []}), error events in both vLLM shapes
 * ({@code {"error": {...}}} and {@code {"object": "error", "message": ...}}), and Triton's
 * {@code generate_stream} events, whose numbers may be JSON strings or one-element arrays.
 *
 * <p>Events are read with Jackson's streaming parser, picking out the few fields that matter and skipping
 * the rest without building a tree: the client reads one event per token, so this is its hot path.
 */
public final class StreamChunks {
    /**
     * Triton {@code return_perf_metrics} figures kept as server metrics besides {@code queue_ns},
     * {@code ttft_ns} and {@code e2e_ns} (first-scheduled, first-token and last-token time minus arrival
     * time, computed exactly from the integer nanosecond stamps).
     */
    public static final Set<String> TRITON_PERF_FIELDS = Set.of("kv_cache_reused_blocks", "kv_cache_alloc_new_blocks",
            "kv_cache_alloc_total_blocks", "acceptance_rate", "total_accepted_draft_tokens", "total_draft_tokens");
    private static final Set<String> TRITON_STAMPS = Set.of("arrival_time_ns", "first_scheduled_time_ns",
            "first_token_time_ns", "last_token_time_ns");
    // the token-stream factory, not a mapper: a mapper's createParser also makes a deserialization context per event,
    // a fifth of the client's allocation per chunk at 25,000 chunks/s (measured with JFR, ServingClientBenchmark)
    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);

    private StreamChunks() {
    }

    /** The fields of one event as they are read. */
    private static final class Fields {
        boolean hasChoices;
        @Nullable String text;
        @Nullable List<Integer> ids;
        int prompt = -1;
        int completion = -1;
        @Nullable String finish;
        @Nullable String error;
        @Nullable String object;
        @Nullable String message;
        @Nullable Map<String, Double> metrics;
        @Nullable Map<String, Long> stamps;

        void text(@Nullable String s) {
            if (s != null && (text == null || text.isEmpty())) {
                text = s;
            }
        }
    }

    /**
     * Reads one event's data.
     *
     * @param dialect the server's stream dialect
     * @param data the event's data bytes, UTF-8
     * @param length how many bytes of {@code data} hold the event
     * @return the event
     * @throws SseParser.MalformedStreamException when the data is neither {@code [DONE]} nor a JSON object
     */
    public static StreamChunk parse(StreamDialect dialect, byte[] data, int length) {
        if (isDone(data, length)) {
            return StreamChunk.DONE;
        }
        Fields f = new Fields();
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), data, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new SseParser.MalformedStreamException("malformed event (not a JSON object): "
                        + excerpt(data, length));
            }
            root(p, dialect, f);
        } catch (JacksonException e) {
            throw new SseParser.MalformedStreamException("malformed event (not JSON): " + excerpt(data, length));
        }
        if (f.error != null) {
            return StreamChunk.error(f.error);
        }
        if ("error".equals(f.object)) {
            return StreamChunk.error(f.message != null ? f.message : new String(data, 0, length, StandardCharsets.UTF_8));
        }
        Map<String, Double> metrics = f.metrics == null ? Map.of() : f.metrics;
        if (f.stamps != null && f.stamps.containsKey("arrival_time_ns")) {
            long arrival = f.stamps.get("arrival_time_ns");
            metrics = new HashMap<>(metrics);
            putDiff(metrics, "queue_ns", f.stamps.get("first_scheduled_time_ns"), arrival);
            putDiff(metrics, "ttft_ns", f.stamps.get("first_token_time_ns"), arrival);
            putDiff(metrics, "e2e_ns", f.stamps.get("last_token_time_ns"), arrival);
        }
        boolean hasChoices = dialect == StreamDialect.TRITON ? f.text != null : f.hasChoices;
        return new StreamChunk(false, Optional.empty(), hasChoices, f.text, f.ids,
                f.prompt >= 0 ? OptionalInt.of(f.prompt) : OptionalInt.empty(),
                f.completion >= 0 ? OptionalInt.of(f.completion) : OptionalInt.empty(),
                Optional.ofNullable(f.finish), metrics);
    }

    /**
     * Reads a whole JSON response (a server that did not stream) as one event.
     *
     * @param dialect the server's response dialect
     * @param json the response body
     * @return the response as one event
     */
    public static StreamChunk parse(StreamDialect dialect, String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return parse(dialect, b, b.length);
    }

    private static void putDiff(Map<String, Double> into, String key, @Nullable Long stamp, long arrival) {
        if (stamp != null) {
            into.put(key, (double) (stamp - arrival));
        }
    }

    private static void root(JsonParser p, StreamDialect dialect, Fields f) {
        String name;
        while ((name = p.nextName()) != null) {
            JsonToken t = p.nextToken();
            switch (name) {
                case "choices" -> choices(p, t, dialect, f);
                case "usage" -> usage(p, t, f);
                case "error" -> f.error = error(p, t);
                case "object" -> f.object = string(p, t);
                case "message" -> f.message = string(p, t);
                case "text_output" -> f.text(string(p, t));
                case "output_ids" -> f.ids = ints(p, t);
                case "num_input_tokens" -> f.prompt = (int) integer(p, t, -1);
                case "finish_reason" -> f.finish = string(p, t);
                default -> {
                    if (dialect == StreamDialect.TRITON && TRITON_STAMPS.contains(name)) {
                        long v = integer(p, t, Long.MIN_VALUE);
                        if (v != Long.MIN_VALUE) {
                            (f.stamps == null ? f.stamps = new HashMap<>() : f.stamps).put(name, v);
                        }
                    } else if (dialect == StreamDialect.TRITON && TRITON_PERF_FIELDS.contains(name)) {
                        double v = number(p, t);
                        if (!Double.isNaN(v)) {
                            (f.metrics == null ? f.metrics = new HashMap<>() : f.metrics).put(name, v);
                        }
                    } else {
                        p.skipChildren();
                    }
                }
            }
        }
    }

    private static void choices(JsonParser p, JsonToken t, StreamDialect dialect, Fields f) {
        if (t != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        boolean first = true;
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY && e != null) {
            if (first && e == JsonToken.START_OBJECT) {
                f.hasChoices = true;
                choice(p, dialect, f);
            } else {
                p.skipChildren();
            }
            first = false;
        }
    }

    private static void choice(JsonParser p, StreamDialect dialect, Fields f) {
        String name;
        while ((name = p.nextName()) != null) {
            JsonToken t = p.nextToken();
            switch (name) {
                case "text" -> f.text(string(p, t));
                case "delta" -> {
                    if (t == JsonToken.START_OBJECT) {
                        delta(p, f);
                    } else {
                        p.skipChildren();
                    }
                }
                case "token_ids" -> {
                    List<Integer> ids = ints(p, t);
                    if (ids != null) {
                        f.ids = ids;
                    }
                }
                case "finish_reason" -> f.finish = string(p, t);
                default -> p.skipChildren();
            }
        }
    }

    private static void delta(JsonParser p, Fields f) {
        String name;
        while ((name = p.nextName()) != null) {
            JsonToken t = p.nextToken();
            switch (name) {
                case "content", "reasoning_content", "reasoning" -> f.text(string(p, t));
                case "token_ids" -> f.ids = ints(p, t);
                default -> p.skipChildren();
            }
        }
    }

    private static void usage(JsonParser p, JsonToken t, Fields f) {
        if (t != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        String name;
        while ((name = p.nextName()) != null) {
            JsonToken v = p.nextToken();
            switch (name) {
                case "prompt_tokens" -> f.prompt = (int) integer(p, v, -1);
                case "completion_tokens" -> f.completion = (int) integer(p, v, -1);
                default -> p.skipChildren();
            }
        }
    }

    private static @Nullable String error(JsonParser p, JsonToken t) {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.START_OBJECT) {
            String s = p.getValueAsString();
            p.skipChildren();
            return s == null ? t.asString() : s;
        }
        String message = null;
        String code = null;
        String name;
        while ((name = p.nextName()) != null) {
            JsonToken v = p.nextToken();
            if (name.equals("message") && v == JsonToken.VALUE_STRING) {
                message = p.getString();
            } else if (name.equals("code") && v.isScalarValue() && v != JsonToken.VALUE_NULL) {
                code = p.getValueAsString();
            } else {
                p.skipChildren();
            }
        }
        String m = message == null ? "an error event without a message" : message;
        return code == null ? m : m + " (code " + code + ")";
    }

    private static @Nullable String string(JsonParser p, JsonToken t) {
        if (t == JsonToken.VALUE_STRING) {
            return p.getString();
        }
        p.skipChildren();
        return null;
    }

    /** An integer: a JSON number, a string holding one, or a one-element array of either. */
    private static long integer(JsonParser p, JsonToken t, long absent) {
        switch (t) {
            case VALUE_NUMBER_INT:
                return p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return Math.round(p.getDoubleValue());
            case VALUE_STRING:
                try {
                    return Long.parseLong(p.getString().trim());
                } catch (NumberFormatException e) {
                    return absent;
                }
            case START_ARRAY:
                JsonToken e = p.nextToken();
                long v = e == JsonToken.END_ARRAY ? absent : integer(p, e, absent);
                if (e != JsonToken.END_ARRAY) {
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        p.skipChildren();
                        v = absent;
                    }
                }
                return v;
            default:
                p.skipChildren();
                return absent;
        }
    }

    /** A number: a JSON number, a string holding one, or a one-element array of either; NaN when absent. */
    private static double number(JsonParser p, JsonToken t) {
        switch (t) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_STRING:
                try {
                    return Double.parseDouble(p.getString().trim());
                } catch (NumberFormatException e) {
                    return Double.NaN;
                }
            case START_ARRAY:
                JsonToken e = p.nextToken();
                double v = e == JsonToken.END_ARRAY ? Double.NaN : number(p, e);
                if (e != JsonToken.END_ARRAY) {
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        p.skipChildren();
                        v = Double.NaN;
                    }
                }
                return v;
            default:
                p.skipChildren();
                return Double.NaN;
        }
    }

    /** Integers of an array, flattened one level (Triton's per-beam {@code [[1, 2]]}); null when not an array. */
    private static @Nullable List<Integer> ints(JsonParser p, JsonToken t) {
        if (t != JsonToken.START_ARRAY) {
            p.skipChildren();
            return null;
        }
        List<Integer> out = new ArrayList<>(4);
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY && e != null) {
            if (e == JsonToken.START_ARRAY) {
                while (p.nextToken() == JsonToken.VALUE_NUMBER_INT) {
                    out.add(p.getIntValue());
                }
            } else if (e == JsonToken.VALUE_NUMBER_INT) {
                out.add(p.getIntValue());
            } else {
                p.skipChildren();
            }
        }
        return out;
    }

    private static boolean isDone(byte[] data, int length) {
        int start = 0;
        int end = length;
        while (start < end && data[start] == ' ') {
            start++;
        }
        while (end > start && Character.isWhitespace(data[end - 1])) {
            end--;
        }
        if (end - start != DONE.length) {
            return false;
        }
        for (int i = 0; i < DONE.length; i++) {
            if (data[start + i] != DONE[i]) {
                return false;
            }
        }
        return true;
    }

    static String excerpt(byte[] data, int length) {
        String s = new String(data, 0, Math.min(length, 200), StandardCharsets.UTF_8);
        return length > 200 ? s + "..." : s;
    }
}
