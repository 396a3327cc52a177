package dev.lem.serving;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads one streamed event of a {@link StreamDialect} into a {@link StreamChunk}. Thread-safe.
 *
 * <p>Wire formats accepted (canned real output is in the tests): OpenAI/vLLM/trtllm-serve completion
 * and chat chunks, the usage chunk ({@code "choices": []}), error events in both vLLM shapes
 * ({@code {"error": {...}}} and {@code {"object": "error", "message": ...}}), and Triton's
 * {@code generate_stream} events, whose numbers may be JSON strings.
 */
public final class StreamChunks {
    /**
     * Triton {@code return_perf_metrics} figures kept as server metrics: {@code queue_ns}, {@code ttft_ns} and
     * {@code e2e_ns} (first-scheduled, first-token and last-token time minus arrival time, computed exactly
     * from the integer nanosecond stamps) and the KV-cache and speculative-decoding counts as sent.
     */
    public static final Set<String> TRITON_PERF_FIELDS = Set.of("kv_cache_reused_blocks", "kv_cache_alloc_new_blocks",
            "kv_cache_alloc_total_blocks", "acceptance_rate", "total_accepted_draft_tokens", "total_draft_tokens");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);

    private StreamChunks() {
    }

    /**
     * Reads one event's data.
     *
     * @throws SseParser.MalformedStreamException when the data is neither {@code [DONE]} nor a JSON object
     */
    public static StreamChunk parse(StreamDialect dialect, byte[] data, int length) {
        if (isDone(data, length)) {
            return StreamChunk.DONE;
        }
        JsonNode root;
        try {
            root = JSON.readTree(data, 0, length);
        } catch (JacksonException e) {
            throw new SseParser.MalformedStreamException("malformed event (not JSON): " + excerpt(data, length));
        }
        if (root == null || !root.isObject()) {
            throw new SseParser.MalformedStreamException("malformed event (not a JSON object): "
                    + excerpt(data, length));
        }
        Optional<String> error = errorOf(root);
        if (error.isPresent()) {
            return StreamChunk.error(error.get());
        }
        return dialect == StreamDialect.TRITON ? triton(root) : openAi(dialect, root);
    }

    /** Reads a whole JSON response (a server that did not stream) as one event. */
    public static StreamChunk parse(StreamDialect dialect, String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return parse(dialect, b, b.length);
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

    private static StreamChunk openAi(StreamDialect dialect, JsonNode root) {
        JsonNode choices = root.get("choices");
        boolean hasChoices = choices != null && choices.isArray() && !choices.isEmpty();
        String text = null;
        List<Integer> ids = null;
        Optional<String> finish = Optional.empty();
        if (hasChoices) {
            JsonNode c = choices.get(0);
            if (dialect == StreamDialect.OPENAI_CHAT) {
                JsonNode delta = c.path("delta");
                text = firstText(delta, "content", "reasoning_content", "reasoning");
                ids = intArray(delta.get("token_ids"));
            } else {
                text = firstText(c, "text");
            }
            if (ids == null) {
                ids = intArray(c.get("token_ids"));
            }
            finish = string(c.get("finish_reason"));
        }
        JsonNode usage = root.get("usage");
        OptionalInt prompt = OptionalInt.empty();
        OptionalInt completion = OptionalInt.empty();
        if (usage != null && usage.isObject()) {
            prompt = integer(usage.get("prompt_tokens"));
            completion = integer(usage.get("completion_tokens"));
        }
        return new StreamChunk(false, Optional.empty(), hasChoices, text, ids, prompt, completion, finish, Map.of());
    }

    private static StreamChunk triton(JsonNode root) {
        String text = firstText(root, "text_output");
        Map<String, Double> metrics = new HashMap<>();
        for (String f : TRITON_PERF_FIELDS) {
            number(root.get(f)).ifPresent(v -> metrics.put(f, v));
        }
        OptionalLong arrival = nanos(root.get("arrival_time_ns"));
        if (arrival.isPresent()) {
            nanos(root.get("first_scheduled_time_ns")).ifPresent(t -> metrics.put("queue_ns", (double) (t - arrival.getAsLong())));
            nanos(root.get("first_token_time_ns")).ifPresent(t -> metrics.put("ttft_ns", (double) (t - arrival.getAsLong())));
            nanos(root.get("last_token_time_ns")).ifPresent(t -> metrics.put("e2e_ns", (double) (t - arrival.getAsLong())));
        }
        // num_input_tokens: returned by ensembles that expose return_num_input_tokens
        return new StreamChunk(false, Optional.empty(), text != null, text, intArray(root.get("output_ids")),
                integer(root.get("num_input_tokens")), OptionalInt.empty(), string(root.get("finish_reason")), metrics);
    }

    /** An integer nanosecond stamp, exactly (a JSON integer or a string holding one, possibly in a 1-element array). */
    private static OptionalLong nanos(@Nullable JsonNode node) {
        if (node == null || node.isNull()) {
            return OptionalLong.empty();
        }
        if (node.isArray()) {
            return node.size() == 1 ? nanos(node.get(0)) : OptionalLong.empty();
        }
        if (node.isIntegralNumber()) {
            return OptionalLong.of(node.asLong());
        }
        if (node.isString()) {
            try {
                return OptionalLong.of(Long.parseLong(node.asString().trim()));
            } catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }

    private static Optional<String> errorOf(JsonNode root) {
        JsonNode e = root.get("error");
        if (e != null && !e.isNull()) {
            if (e.isString()) {
                return Optional.of(e.asString());
            }
            String msg = e.path("message").isString() ? e.path("message").asString() : e.toString();
            JsonNode code = e.get("code");
            return Optional.of(code != null && !code.isNull() ? msg + " (code " + code.asString() + ")" : msg);
        }
        if ("error".equals(string(root.get("object")).orElse(""))) {
            return Optional.of(string(root.get("message")).orElse(root.toString()));
        }
        return Optional.empty();
    }

    private static @Nullable String firstText(JsonNode node, String... fields) {
        String empty = null;
        for (String f : fields) {
            JsonNode v = node.get(f);
            if (v != null && v.isString()) {
                String s = v.asString();
                if (!s.isEmpty()) {
                    return s;
                }
                empty = s;
            }
        }
        return empty;
    }

    private static @Nullable List<Integer> intArray(@Nullable JsonNode node) {
        if (node == null || !node.isArray()) {
            return null;
        }
        List<Integer> out = new ArrayList<>(node.size());
        for (JsonNode v : node) {
            if (v.isArray()) {
                // Triton output_ids may be nested per beam: [[1, 2]]
                for (JsonNode w : v) {
                    out.add(w.asInt());
                }
            } else {
                out.add(v.asInt());
            }
        }
        return out;
    }

    private static Optional<String> string(@Nullable JsonNode node) {
        return node != null && node.isString() ? Optional.of(node.asString()) : Optional.empty();
    }

    private static OptionalInt integer(@Nullable JsonNode node) {
        Optional<Double> d = number(node);
        return d.isPresent() ? OptionalInt.of((int) Math.round(d.get())) : OptionalInt.empty();
    }

    /** A number, or a string holding one (Triton sends some numbers as strings), possibly in a 1-element array. */
    static Optional<Double> number(@Nullable JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (node.isArray()) {
            return node.size() == 1 ? number(node.get(0)) : Optional.empty();
        }
        if (node.isNumber()) {
            return Optional.of(node.asDouble());
        }
        if (node.isString()) {
            try {
                return Optional.of(Double.parseDouble(node.asString().trim()));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    static String excerpt(byte[] data, int length) {
        String s = new String(data, 0, Math.min(length, 200), StandardCharsets.UTF_8);
        return length > 200 ? s + "..." : s;
    }
}
