package dev.lem.serving;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * An in-process LLM server for tests (JDK {@code HttpServer}, loopback only) that replays the wire formats
 * of vLLM, trtllm-serve and Triton's TensorRT-LLM backend with scripted timings. It generates "tokens"
 * ({@code " t1"}, {@code " t2"}, ...) and records, per request, when it received it and when it flushed
 * each chunk ({@link System#nanoTime()}, the same clock as the client's in this JVM).
 *
 * <p>Behaviour per request comes from defaults set on the builder, overridden by directives in the
 * prompt: {@code @ttft=50} (ms before the first token), {@code @itl=10} (ms between chunks),
 * {@code @chunk=3} (tokens per chunk), {@code @stall=4:300} (300 ms pause before token 4),
 * {@code @status=500} (answer that status), {@code @fail_first=2} (503 for the first 2 attempts of this
 * prompt), {@code @error_after=3} (an error event after 3 tokens, then {@code [DONE]}),
 * {@code @malformed_after=2}, {@code @drop_after=2} (abort the connection), {@code @cut_after=2} (end the
 * stream cleanly without finish or {@code [DONE]}), {@code @nodone} (finish_reason but no {@code [DONE]}),
 * {@code @split} (every event written in two halves, 5 ms apart), {@code @comments} (keep-alive comments).
 * A prompt containing the builder's fail marker gets HTTP 500.
 *
 * <p>Endpoints: {@code /health}, {@code /version}, {@code /v1/models}, {@code /tokenize} (vLLM),
 * {@code /v1/completions}, {@code /v1/chat/completions}, {@code /metrics} (vLLM: Prometheus text;
 * trtllm: JSON iteration stats, one per chunk: the first of each request a context iteration lasting the TTFT,
 * the rest generation iterations lasting the gap between chunks; cleared when read), Triton's {@code /v2},
 * {@code /v2/models/<m>/ready}, {@code /v2/models/<m>/generate_stream} and {@code /generate}.
 */
public final class ScriptedServer implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Which server to imitate. */
    public enum Flavor {
        VLLM, TRTLLM, TRITON
    }

    /** What the server saw and did for one request. */
    public static final class Trace {
        public final String prompt;
        public final JsonNode body;
        public final long receivedNanos;
        /** Just before each chunk was written. */
        public final List<Long> chunkNanos = Collections.synchronizedList(new ArrayList<>());
        /** Just after each chunk was flushed to the socket. */
        public final List<Long> chunkFlushedNanos = Collections.synchronizedList(new ArrayList<>());
        public final List<Integer> chunkTokens = Collections.synchronizedList(new ArrayList<>());
        public final int remotePort;
        public volatile int status = 200;

        Trace(String prompt, JsonNode body, long receivedNanos, int remotePort) {
            this.prompt = prompt;
            this.body = body;
            this.receivedNanos = receivedNanos;
            this.remotePort = remotePort;
        }
    }

    private final Flavor flavor;
    private final String model;
    private final List<String> adapters;
    private final double ttftMs;
    private final double itlMs;
    private final int chunkTokens;
    private final int eosAfter;
    private final String failMarker;
    private final String version;
    private final int maxModelLen;
    private final Map<String, String> cacheConfig;
    private final HttpServer server;
    private final ExecutorService executor;
    private final List<Trace> traces = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger maxActive = new AtomicInteger();
    private final AtomicLong generated = new AtomicLong();
    private final AtomicLong promptTokens = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    /** vLLM's phase histograms' sums, µs: prefill = the scripted TTFT, decode = the gaps after the first token. */
    private final AtomicLong prefillMicros = new AtomicLong();
    private final AtomicLong decodeMicros = new AtomicLong();
    private final AtomicLong phaseRequests = new AtomicLong();
    private final List<String> iterationStats = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger metricsReads = new AtomicInteger();
    private final Runnable beforeGenerate;
    private final double tokenizeDelayMs;
    private final double modelsDelayMs;
    /** When the server first saw a request from each client port (each connection), {@code System.nanoTime()}. */
    private final Map<Integer, Long> connectionFirstSeen = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<Long> tokenizeNanos = Collections.synchronizedList(new ArrayList<>());

    private ScriptedServer(Builder b) throws IOException {
        this.flavor = b.flavor;
        this.model = b.model;
        this.ttftMs = b.ttftMs;
        this.itlMs = b.itlMs;
        this.chunkTokens = b.chunkTokens;
        this.eosAfter = b.eosAfter;
        this.failMarker = b.failMarker;
        this.version = b.version != null ? b.version : flavor == Flavor.VLLM ? "0.10.1.dev-test" : "1.0.0rc-test";
        this.maxModelLen = b.maxModelLen;
        this.cacheConfig = new java.util.TreeMap<>(b.cacheConfig);
        this.adapters = List.copyOf(b.adapters);
        this.beforeGenerate = b.beforeGenerate;
        this.tokenizeDelayMs = b.tokenizeDelayMs;
        this.modelsDelayMs = b.modelsDelayMs;
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "scripted-server");
            t.setDaemon(true);
            return t;
        });
        // like real LLM servers (uvicorn), send small chunks at once: the JDK server's Nagle default would hold
        // each chunk until the previous one is acknowledged (read once, when the first server is created)
        System.setProperty("sun.net.httpserver.nodelay", "true");
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), b.port), 1024);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A builder with defaults: vLLM, model {@code test-model}, 2 ms to the first token, 1 ms between tokens. */
    public static Builder builder() {
        return new Builder();
    }

    /** Server settings. */
    public static final class Builder {
        private Runnable beforeGenerate = () -> { };
        private double tokenizeDelayMs;
        private double modelsDelayMs;
        private Flavor flavor = Flavor.VLLM;
        private String model = "test-model";
        private double ttftMs = 2;
        private double itlMs = 1;
        private int chunkTokens = 1;
        private int eosAfter = Integer.MAX_VALUE;
        private String failMarker = "FAIL-ME";
        private int port;
        private String version;
        private int maxModelLen = 4096;
        private final Map<String, String> cacheConfig = new java.util.LinkedHashMap<>();
        private final List<String> adapters = new ArrayList<>();

        /** LoRA adapters {@code /v1/models} lists beside the model (with {@code parent}, as vLLM lists them). */
        public Builder adapters(String... names) {
            adapters.addAll(List.of(names));
            return this;
        }

        /** What {@code /version} reports (default: {@code 0.10.1.dev-test} for vLLM, {@code 1.0.0rc-test} else). */
        public Builder version(String v) {
            this.version = v;
            return this;
        }

        /** The {@code max_model_len} of {@code /v1/models} and {@code /tokenize} (default 4096). */
        public Builder maxModelLen(int n) {
            this.maxModelLen = n;
            return this;
        }

        /**
         * Labels of a {@code vllm:cache_config_info} gauge in vLLM's {@code /metrics} (none by default), as vLLM
         * writes them ({@code block_size="16"}, {@code enable_prefix_caching="True"}).
         */
        public Builder cacheConfig(Map<String, String> labels) {
            this.cacheConfig.putAll(labels);
            return this;
        }

        public Builder flavor(Flavor f) {
            this.flavor = f;
            return this;
        }

        public Builder model(String m) {
            this.model = m;
            return this;
        }

        public Builder ttftMs(double ms) {
            this.ttftMs = ms;
            return this;
        }

        public Builder itlMs(double ms) {
            this.itlMs = ms;
            return this;
        }

        public Builder chunkTokens(int n) {
            this.chunkTokens = n;
            return this;
        }

        /** Without ignore_eos, the "model" emits end-of-sequence after this many tokens. */
        public Builder eosAfter(int n) {
            this.eosAfter = n;
            return this;
        }

        public Builder failMarker(String m) {
            this.failMarker = m;
            return this;
        }

        /** How long {@code /tokenize} takes to answer, ms (default 0), like a real tokenizer on a long prompt. */
        public Builder tokenizeDelayMs(double ms) {
            this.tokenizeDelayMs = ms;
            return this;
        }

        /** How long {@code /v1/models} takes to answer, ms (default 0). */
        public Builder modelsDelayMs(double ms) {
            this.modelsDelayMs = ms;
            return this;
        }

        /** Runs at the start of every generation request (e.g. to make the server process die). */
        public Builder beforeGenerate(Runnable r) {
            this.beforeGenerate = r;
            return this;
        }

        public Builder port(int p) {
            this.port = p;
            return this;
        }

        public ScriptedServer start() throws IOException {
            return new ScriptedServer(this);
        }
    }

    /** The base URL, e.g. {@code http://127.0.0.1:41234}. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Every generation request seen, in arrival order. */
    public List<Trace> traces() {
        synchronized (traces) {
            return List.copyOf(traces);
        }
    }

    /** The last request whose prompt contains {@code text}. */
    public Trace trace(String text) {
        List<Trace> all = traces();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).prompt.contains(text)) {
                return all.get(i);
            }
        }
        throw new AssertionError("no request with a prompt containing \"" + text + "\"");
    }

    /** The most generation requests that were in flight at once. */
    public int maxConcurrent() {
        return maxActive.get();
    }

    /** When each {@code /tokenize} request arrived ({@link System#nanoTime()}). */
    public List<Long> tokenizeCalls() {
        synchronized (tokenizeNanos) {
            return List.copyOf(tokenizeNanos);
        }
    }

    /** Times {@code /metrics} was read. */
    public int metricsReads() {
        return metricsReads.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@return when the server first saw a request on the connection from client port {@code port}
     * ({@code System.nanoTime()}), if it did}
     */
    public java.util.OptionalLong connectionFirstSeenNanos(int port) {
        Long n = connectionFirstSeen.get(port);
        return n == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(n);
    }

    // ------------------------------------------------------------------ routing

    private void handle(HttpExchange x) throws IOException {
        long received = System.nanoTime();
        connectionFirstSeen.putIfAbsent(x.getRemoteAddress().getPort(), received);
        String path = x.getRequestURI().getPath();
        byte[] in = x.getRequestBody().readAllBytes();
        try {
            switch (path) {
                case "/health" -> reply(x, 200, "text/plain", "");
                case "/version" -> reply(x, 200, "application/json",
                        "{\"version\":\"" + version + "\"}");
                case "/v1/models" -> {
                    sleep(modelsDelayMs);
                    reply(x, 200, "application/json", "{\"object\":\"list\",\"data\":[{\"id\":\"" + model
                        + "\",\"object\":\"model\",\"created\":1700000000,\"owned_by\":\"" + flavor.name().toLowerCase(Locale.ROOT)
                        + "\",\"root\":\"" + model + "\",\"max_model_len\":" + maxModelLen + "}"
                        + adapters.stream().map(a -> ",{\"id\":\"" + a + "\",\"object\":\"model\",\"created\":1700000000,"
                                + "\"owned_by\":\"vllm\",\"root\":\"/adapters/" + a + "\",\"parent\":\"" + model
                                + "\",\"max_model_len\":null}").collect(java.util.stream.Collectors.joining()) + "]}");
                }
                case "/tokenize" -> tokenize(x, in);
                case "/metrics" -> metrics(x);
                case "/v1/completions", "/v1/chat/completions" -> {
                    JsonNode body = in.length == 0 ? JSON.createObjectNode() : JSON.readTree(in);
                    if (!path.contains("chat") && body.path("prompt").isArray()) {
                        promptLogprobs(x, body);
                    } else {
                        generate(x, received, in, path.contains("chat"));
                    }
                }
                case "/v2" -> reply(x, 200, "application/json",
                        "{\"name\":\"triton\",\"version\":\"2.50.0\",\"extensions\":[\"generate\"]}");
                default -> triton(x, received, in, path);
            }
        } finally {
            x.close();
        }
    }

    private void triton(HttpExchange x, long received, byte[] in, String path) throws IOException {
        String prefix = "/v2/models/" + model;
        if (flavor == Flavor.TRITON && path.equals(prefix + "/ready")) {
            reply(x, 200, "text/plain", "");
        } else if (flavor == Flavor.TRITON && (path.equals(prefix + "/generate_stream")
                || path.equals(prefix + "/generate"))) {
            generate(x, received, in, false);
        } else {
            reply(x, 404, "application/json", "{\"error\":\"Not Found: " + path + "\"}");
        }
    }

    private static void reply(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            try (OutputStream os = x.getResponseBody()) {
                os.write(b);
            }
        }
    }

    private static int words(String text) {
        String t = text.strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }

    private void tokenize(HttpExchange x, byte[] in) throws IOException {
        tokenizeNanos.add(System.nanoTime());
        sleep(tokenizeDelayMs);
        if (flavor != Flavor.VLLM) {
            reply(x, 404, "application/json", "{\"detail\":\"Not Found\"}");
            return;
        }
        JsonNode body = JSON.readTree(in);
        int n = words(body.path("prompt").asString("")) + 1; // + BOS
        ArrayNode tokens = JSON.createArrayNode();
        for (int i = 0; i < n; i++) {
            tokens.add(100 + i);
        }
        ObjectNode out = JSON.createObjectNode().put("count", n).put("max_model_len", maxModelLen);
        out.set("tokens", tokens);
        reply(x, 200, "application/json", out.toString());
    }

    /** Requests scored so far with prompt_logprobs (token-id prompts). */
    private final AtomicInteger scored = new AtomicInteger();

    /** {@return how many token-id prompts were scored} */
    public int scoredPrompts() {
        return scored.get();
    }

    /**
     * A token-id prompt with {@code prompt_logprobs} (vLLM flavour only): a non-streamed reply in vLLM's shape in which
     * every prompt token after the first has log-probability ln(1/2), so the perplexity of any text is exactly 2.
     * Other flavours answer HTTP 400, as a server that offers no prompt log-probabilities does.
     */
    private void promptLogprobs(HttpExchange x, JsonNode body) throws IOException {
        if (flavor != Flavor.VLLM || !body.has("prompt_logprobs")) {
            reply(x, 400, "application/json", "{\"object\":\"error\",\"message\":\"prompt log-probabilities are not "
                    + "supported\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}");
            return;
        }
        scored.incrementAndGet();
        ArrayNode list = JSON.createArrayNode();
        JsonNode prompt = body.path("prompt");
        for (int i = 0; i < prompt.size(); i++) {
            if (i == 0) {
                list.addNull();
            } else {
                ObjectNode entry = list.addObject();
                entry.putObject(prompt.get(i).asString()).put("logprob", Math.log(0.5)).put("rank", 1)
                        .put("decoded_token", " t");
            }
        }
        ObjectNode out = JSON.createObjectNode().put("id", "cmpl-scripted").put("object", "text_completion")
                .put("model", body.path("model").asString(model));
        ObjectNode choice = out.putArray("choices").addObject().put("index", 0).put("text", " t")
                .put("finish_reason", "length");
        choice.putNull("logprobs");
        choice.set("prompt_logprobs", list);
        reply(x, 200, "application/json", out.toString());
    }

    private void metrics(HttpExchange x) throws IOException {
        metricsReads.incrementAndGet();
        if (flavor == Flavor.TRTLLM) {
            List<String> drained;
            synchronized (iterationStats) {
                drained = new ArrayList<>(iterationStats);
                iterationStats.clear();
            }
            reply(x, 200, "application/json", "[" + String.join(",", drained) + "]");
            return;
        }
        if (flavor == Flavor.TRITON) {
            reply(x, 200, "text/plain; charset=utf-8", tritonMetrics());
            return;
        }
        String m = "test-model";
        String labels = "{engine=\"0\",model_name=\"" + m + "\"}";
        String text = "# HELP vllm:num_requests_running Number of requests in model execution batches.\n"
                + "# TYPE vllm:num_requests_running gauge\n"
                + "vllm:num_requests_running" + labels + " " + active.get() + ".0\n"
                + "# TYPE vllm:num_requests_waiting gauge\n"
                + "vllm:num_requests_waiting" + labels + " 0.0\n"
                + "# TYPE vllm:kv_cache_usage_perc gauge\n"
                + "vllm:kv_cache_usage_perc" + labels + " " + Math.min(1.0, active.get() / 100.0) + "\n"
                + "# TYPE vllm:prefix_cache_queries counter\n"
                + "vllm:prefix_cache_queries_total" + labels + " " + promptTokens.get() + ".0\n"
                + "vllm:prefix_cache_hits_total" + labels + " " + promptTokens.get() / 4 + ".0\n"
                + "vllm:num_preemptions_total" + labels + " 0.0\n"
                + "vllm:prompt_tokens_total" + labels + " " + promptTokens.get() + ".0\n"
                + "vllm:generation_tokens_total" + labels + " " + generated.get() + ".0\n"
                + "vllm:time_to_first_token_seconds_sum" + labels + " " + (traces.size() * ttftMs / 1000) + "\n"
                + "vllm:time_to_first_token_seconds_count" + labels + " " + traces.size() + ".0\n"
                + "vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"+Inf\",model_name=\"" + m + "\"} "
                + traces.size() + ".0\n"
                + "# HELP vllm:request_prefill_time_seconds Histogram of time spent in PREFILL phase for request.\n"
                + "# TYPE vllm:request_prefill_time_seconds histogram\n"
                + "vllm:request_prefill_time_seconds_bucket{engine=\"0\",le=\"+Inf\",model_name=\"" + m + "\"} "
                + phaseRequests.get() + ".0\n"
                + "vllm:request_prefill_time_seconds_count" + labels + " " + phaseRequests.get() + ".0\n"
                + "vllm:request_prefill_time_seconds_sum" + labels + " " + prefillMicros.get() / 1e6 + "\n"
                + "# HELP vllm:request_decode_time_seconds Histogram of time spent in DECODE phase for request.\n"
                + "# TYPE vllm:request_decode_time_seconds histogram\n"
                + "vllm:request_decode_time_seconds_bucket{engine=\"0\",le=\"+Inf\",model_name=\"" + m + "\"} "
                + phaseRequests.get() + ".0\n"
                + "vllm:request_decode_time_seconds_count" + labels + " " + phaseRequests.get() + ".0\n"
                + "vllm:request_decode_time_seconds_sum" + labels + " " + decodeMicros.get() / 1e6 + "\n";
        if (!cacheConfig.isEmpty()) {
            StringBuilder l = new StringBuilder("{engine=\"0\"");
            cacheConfig.forEach((k, v) -> l.append(',').append(k).append("=\"").append(v).append('"'));
            text += "# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig\n"
                    + "# TYPE vllm:cache_config_info gauge\n"
                    + "vllm:cache_config_info" + l + "} 1.0\n";
        }
        reply(x, 200, "text/plain; version=0.0.4; charset=utf-8", text);
    }

    /**
     * Triton's metrics port in its real text format: per-model counters for the served model and for
     * {@code tensorrt_llm} (the ensemble's core), the TensorRT-LLM batch-manager gauges, one GPU.
     */
    private String tritonMetrics() {
        long done = completed.get();
        StringBuilder sb = new StringBuilder();
        for (String mdl : List.of(model, "tensorrt_llm")) {
            String l = "{model=\"" + mdl + "\",version=\"1\"}";
            sb.append("nv_inference_request_success").append(l).append(' ').append(done).append('\n')
                    .append("nv_inference_request_failure").append(l).append(" 0\n")
                    .append("nv_inference_count").append(l).append(' ').append(done).append('\n')
                    .append("nv_inference_exec_count").append(l).append(' ').append(done).append('\n')
                    .append("nv_inference_request_duration_us").append(l).append(' ')
                    .append(Math.round(done * (ttftMs * 1000))).append('\n')
                    .append("nv_inference_queue_duration_us").append(l).append(' ').append(done * 100).append('\n')
                    .append("nv_inference_pending_request_count").append(l).append(" 0\n");
        }
        String t = ",model=\"tensorrt_llm\",version=\"1\"} ";
        sb.append("# HELP nv_trt_llm_request_metrics TRT LLM request metrics\n")
                .append("# TYPE nv_trt_llm_request_metrics gauge\n")
                .append("nv_trt_llm_request_metrics{request_type=\"context\"").append(t).append("0\n")
                .append("nv_trt_llm_request_metrics{request_type=\"scheduled\"").append(t).append(active.get()).append('\n')
                .append("nv_trt_llm_request_metrics{request_type=\"max\"").append(t).append("512\n")
                .append("nv_trt_llm_request_metrics{request_type=\"active\"").append(t).append(active.get()).append('\n')
                .append("nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=\"used\"").append(t).append(active.get())
                .append('\n')
                .append("nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=\"max\"").append(t).append("100\n")
                .append("nv_trt_llm_general_metrics{general_type=\"iteration_counter\"").append(t)
                .append(generated.get()).append('\n')
                .append("nv_gpu_power_usage{gpu_uuid=\"GPU-scripted\"} 123.5\n");
        return sb.toString();
    }

    // ------------------------------------------------------------------ generation

    private static final class Script {
        double ttft;
        double itl;
        int chunk;
        int stallAt = -1;
        double stallMs;
        int status = 200;
        int failFirst;
        int errorAfter = -1;
        int malformedAfter = -1;
        int dropAfter = -1;
        int cutAfter = -1;
        boolean noDone;
        boolean split;
        boolean comments;
    }

    private Script script(String prompt) {
        Script s = new Script();
        s.ttft = ttftMs;
        s.itl = itlMs;
        s.chunk = chunkTokens;
        for (String w : prompt.split("\\s+")) {
            if (!w.startsWith("@")) {
                continue;
            }
            String[] kv = w.substring(1).split("=", 2);
            String v = kv.length > 1 ? kv[1] : "";
            switch (kv[0]) {
                case "ttft" -> s.ttft = Double.parseDouble(v);
                case "itl" -> s.itl = Double.parseDouble(v);
                case "chunk" -> s.chunk = Integer.parseInt(v);
                case "stall" -> {
                    s.stallAt = Integer.parseInt(v.split(":")[0]);
                    s.stallMs = Double.parseDouble(v.split(":")[1]);
                }
                case "status" -> s.status = Integer.parseInt(v);
                case "fail_first" -> s.failFirst = Integer.parseInt(v);
                case "error_after" -> s.errorAfter = Integer.parseInt(v);
                case "malformed_after" -> s.malformedAfter = Integer.parseInt(v);
                case "drop_after" -> s.dropAfter = Integer.parseInt(v);
                case "cut_after" -> s.cutAfter = Integer.parseInt(v);
                case "nodone" -> s.noDone = true;
                case "split" -> s.split = true;
                case "comments" -> s.comments = true;
                default -> throw new IllegalArgumentException("unknown directive " + w);
            }
        }
        return s;
    }

    private void generate(HttpExchange x, long received, byte[] in, boolean chat) throws IOException {
        beforeGenerate.run();
        JsonNode body = JSON.readTree(in);
        String prompt = chat ? body.path("messages").path(0).path("content").asString("")
                : body.has("text_input") ? body.path("text_input").asString("") : body.path("prompt").asString("");
        Trace trace = new Trace(prompt, body, received, x.getRemoteAddress().getPort());
        traces.add(trace);
        Script s = script(prompt);
        int attempt = attempts.computeIfAbsent(prompt, p -> new AtomicInteger()).incrementAndGet();
        int status = prompt.contains(failMarker) ? 500 : attempt <= s.failFirst ? 503 : s.status;
        if (status != 200) {
            trace.status = status;
            reply(x, status, "application/json", "{\"object\":\"error\",\"message\":\"scripted failure (HTTP " + status
                    + ")\",\"type\":\"InternalServerError\",\"param\":null,\"code\":" + status + "}");
            return;
        }
        int max = body.path("max_tokens").asInt(body.path("max_completion_tokens").asInt(16));
        int min = body.path("min_tokens").asInt(0);
        boolean ignoreEos = body.path("ignore_eos").asBoolean(false);
        int n = ignoreEos ? max : Math.min(max, Math.max(min, eosAfter));
        int promptCount = words(prompt) + 1;
        promptTokens.addAndGet(promptCount);
        int c = active.incrementAndGet();
        maxActive.accumulateAndGet(c, Math::max);
        try {
            if (flavor == Flavor.TRITON && x.getRequestURI().getPath().endsWith("/generate")) {
                sleep(s.ttft + Math.max(0, n - 1) * s.itl);
                reply(x, 200, "application/json", tritonEvent(tokensText(0, n), n == 0 ? null : "done").toString());
                trace.chunkNanos.add(System.nanoTime());
                trace.chunkFlushedNanos.add(System.nanoTime());
                trace.chunkTokens.add(n);
                return;
            }
            x.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            x.getResponseHeaders().set("Cache-Control", "no-cache");
            x.sendResponseHeaders(200, 0);
            OutputStream os = x.getResponseBody();
            stream(os, trace, s, body, chat, n, max, promptCount);
            completed.incrementAndGet();
        } finally {
            active.decrementAndGet();
        }
    }

    private void stream(OutputStream os, Trace trace, Script s, JsonNode body, boolean chat, int n, int max,
            int promptCount) throws IOException {
        JsonNode so = body.path("stream_options");
        boolean usage = so.path("include_usage").asBoolean(false);
        boolean continuous = so.path("continuous_usage_stats").asBoolean(false);
        boolean ids = body.path("return_token_ids").asBoolean(false);
        sleep(s.ttft);
        if (chat) {
            ObjectNode role = chunkObject(chat);
            role.withArray("choices").addObject().put("index", 0).set("delta",
                    JSON.createObjectNode().put("role", "assistant").put("content", ""));
            ((ObjectNode) role.withArray("choices").get(0)).putNull("logprobs").putNull("finish_reason");
            if (continuous) {
                role.set("usage", usageNode(promptCount, 0));
            }
            write(os, "data: " + role + "\n\n", s.split);
        }
        int sent = 0;
        while (sent < n) {
            if (sent == s.errorAfter) {
                write(os, "data: {\"error\": {\"object\": \"error\", \"message\": \"scripted engine error\", "
                        + "\"type\": \"InternalServerError\", \"param\": null, \"code\": 500}}\n\n", false);
                write(os, "data: [DONE]\n\n", false);
                return;
            }
            if (sent == s.malformedAfter) {
                write(os, "data: {\"id\": \"cmpl-1\", \"choices\": [{\"text\": \n\n", false);
                sleep(s.itl);
                continue;
            }
            if (sent == s.dropAfter) {
                throw new IOException("scripted connection drop");
            }
            if (sent == s.cutAfter) {
                return;
            }
            if (s.stallAt >= 0 && sent <= s.stallAt && s.stallAt < sent + s.chunk) {
                sleep(s.stallMs);
            }
            int k = Math.min(s.chunk, n - sent);
            boolean last = sent + k == n;
            String finish = last ? (n >= max ? "length" : "stop") : null;
            String event = flavor == Flavor.TRITON
                    ? tritonEvent(tokensText(sent, k), last ? "done" : null).toString()
                    : tokenChunk(chat, sent, k, finish, ids, continuous ? usageNode(promptCount, sent + k) : null);
            if (s.comments) {
                write(os, ": ping\n\n", false);
            }
            long before = System.nanoTime();
            write(os, "data: " + event + "\n\n", s.split);
            trace.chunkFlushedNanos.add(System.nanoTime());
            trace.chunkNanos.add(before);
            trace.chunkTokens.add(k);
            generated.addAndGet(k);
            if (flavor == Flavor.TRTLLM) {
                // one iteration per chunk, as the PyTorch runtime reports them: the first is the request's context
                // iteration (its latency the scripted TTFT, its tokens the prompt's), the rest generation iterations
                // (the scripted gap each; avgNumDecodedTokensPerIter is 0 on that runtime)
                boolean context = sent == 0;
                iterationStats.add("{\"cpuMemUsage\":0,\"gpuMemUsage\":1073741824,\"inflightBatchingStats\":{"
                        + "\"avgNumDecodedTokensPerIter\":0,\"microBatchId\":0,\"numContextRequests\":"
                        + (context ? 1 : 0) + ",\"numCtxTokens\":" + (context ? promptCount : 0)
                        + ",\"numGenRequests\":" + (context ? 0 : 1) + ",\"numPausedRequests\":0,"
                        + "\"numScheduledRequests\":1},\"iter\":" + generated.get() + ",\"iterLatencyMS\":"
                        + (context ? s.ttft : s.itl) + ",\"numActiveRequests\":" + active.get()
                        + ",\"numQueuedRequests\":0,\"kvCacheStats\":{\"usedNumBlocks\":"
                        + active.get() + ",\"freeNumBlocks\":" + (100 - active.get())
                        + ",\"maxNumBlocks\":100,\"tokensPerBlock\":32,\"cacheHitRate\":0.25}}");
            }
            sent += k;
            if (sent < n) {
                sleep(s.itl);
            }
        }
        if (n > 0) { // the engine's phase times, counted before the request's last events go out (as vLLM's are)
            prefillMicros.addAndGet(Math.round(s.ttft * 1000));
            decodeMicros.addAndGet(Math.round(((n + s.chunk - 1) / s.chunk - 1) * s.itl * 1000));
            phaseRequests.incrementAndGet();
        }
        if (n == 0 && flavor != Flavor.TRITON) {
            write(os, "data: " + tokenChunk(chat, 0, 0, "stop", ids, null) + "\n\n", false);
        }
        if (flavor == Flavor.TRITON) {
            return; // Triton: the stream just ends
        }
        if (usage) {
            ObjectNode u = chunkObject(chat);
            u.putArray("choices");
            u.set("usage", usageNode(promptCount, n));
            write(os, "data: " + u + "\n\n", s.split);
        }
        if (!s.noDone) {
            write(os, "data: [DONE]\n\n", false);
        }
    }

    private static String tokensText(int from, int k) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < k; i++) {
            sb.append(" t").append(from + i + 1);
        }
        return sb.toString();
    }

    private ObjectNode chunkObject(boolean chat) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", chat ? "chatcmpl-test" : "cmpl-test");
        o.put("object", chat ? "chat.completion.chunk" : "text_completion");
        o.put("created", 1700000000);
        o.put("model", model);
        return o;
    }

    private static ObjectNode usageNode(int prompt, int completion) {
        return JSON.createObjectNode().put("prompt_tokens", prompt).put("total_tokens", prompt + completion)
                .put("completion_tokens", completion);
    }

    private String tokenChunk(boolean chat, int from, int k, String finish, boolean ids, ObjectNode usage) {
        ObjectNode o = chunkObject(chat);
        ObjectNode c = o.putArray("choices").addObject().put("index", 0);
        String text = tokensText(from, k);
        if (chat) {
            c.set("delta", JSON.createObjectNode().put("content", text));
        } else {
            c.put("text", text);
        }
        c.putNull("logprobs");
        if (finish == null) {
            c.putNull("finish_reason");
        } else {
            c.put("finish_reason", finish);
        }
        c.putNull("stop_reason");
        if (ids) {
            ArrayNode a = c.putArray("token_ids");
            for (int i = 0; i < k; i++) {
                a.add(1000 + from + i);
            }
        } else if (flavor == Flavor.TRTLLM) {
            c.putNull("token_ids");
        }
        if (usage != null) {
            o.set("usage", usage);
        } else {
            o.putNull("usage");
        }
        return o.toString();
    }

    private ObjectNode tritonEvent(String text, String finish) {
        ObjectNode o = JSON.createObjectNode();
        o.put("model_name", model).put("model_version", "1").put("sequence_end", false).put("sequence_id", 0)
                .put("sequence_start", false).put("text_output", text);
        if (finish != null) {
            long now = System.currentTimeMillis() * 1_000_000L; // Triton stamps are wall-clock ns, sent as strings
            o.put("arrival_time_ns", String.valueOf(now - 50_000_000L))
                    .put("first_scheduled_time_ns", String.valueOf(now - 48_000_000L))
                    .put("first_token_time_ns", String.valueOf(now - 40_000_000L))
                    .put("last_token_time_ns", String.valueOf(now)).put("kv_cache_reused_blocks", 2);
        }
        return o;
    }

    private static void write(OutputStream os, String text, boolean split) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        if (split && b.length > 8) {
            int half = b.length / 2;
            os.write(b, 0, half);
            os.flush();
            sleep(5);
            os.write(b, half, b.length - half);
        } else {
            os.write(b);
        }
        os.flush();
    }

    private static void sleep(double ms) {
        if (ms <= 0) {
            return;
        }
        long end = System.nanoTime() + Math.round(ms * 1e6);
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }
}
