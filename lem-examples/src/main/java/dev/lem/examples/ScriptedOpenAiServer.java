package dev.lem.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A small OpenAI-compatible server with scripted timing, to try LEM's served side without a GPU or a model: it
 * streams the word {@code " token"} once per token, the first after {@code --ttft-ms} and then one per
 * {@code --itl-ms}, honouring {@code max_tokens}, on {@code /v1/completions} and {@code /v1/chat/completions}, with
 * the usage chunk LEM asks for. It does no inference: the figures LEM measures against it describe the script and
 * LEM's client, nothing else.
 *
 * <pre>
 * java -cp "lem-examples/target/classes:lem-cli/target/lem-cli.jar" dev.lem.examples.ScriptedOpenAiServer --port 8000
 * </pre>
 */
public final class ScriptedOpenAiServer implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpServer server;
    private final String model;
    private final long ttftMs;
    private final long itlMs;

    /**
     * Starts a server on loopback.
     *
     * @param port   the port (0: any free one)
     * @param model  the model id it serves
     * @param ttftMs time to the first token, ms
     * @param itlMs  time between tokens, ms
     * @throws IOException when the port cannot be bound
     */
    public ScriptedOpenAiServer(int port, String model, long ttftMs, long itlMs) throws IOException {
        this.model = model;
        this.ttftMs = ttftMs;
        this.itlMs = itlMs;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "scripted-openai-server");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** {@return the base URL, e.g. {@code http://127.0.0.1:8000}} */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            switch (path) {
                case "/health" -> reply(x, 200, "text/plain", "");
                case "/version" -> reply(x, 200, "application/json", "{\"version\":\"scripted\"}");
                case "/v1/models" -> reply(x, 200, "application/json", "{\"object\":\"list\",\"data\":[{\"id\":\""
                        + model + "\",\"object\":\"model\",\"max_model_len\":4096}]}");
                case "/v1/completions", "/v1/chat/completions" -> generate(x, path.contains("chat"));
                default -> reply(x, 404, "application/json", "{\"error\":\"not found\"}");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void generate(HttpExchange x, boolean chat) throws IOException, InterruptedException {
        JsonNode body = JSON.readTree(x.getRequestBody().readAllBytes());
        int maxTokens = Math.max(1, body.path("max_tokens").asInt(body.path("max_completion_tokens").asInt(16)));
        String prompt = chat ? body.path("messages").toString() : body.path("prompt").asString("");
        int promptTokens = Math.max(1, prompt.split("\\s+").length);
        if (!body.path("stream").asBoolean(false)) {
            Thread.sleep(ttftMs + itlMs * (maxTokens - 1));
            ObjectNode r = JSON.createObjectNode().put("id", "scripted").put("object", chat ? "chat.completion"
                    : "text_completion").put("model", model);
            ObjectNode choice = r.putArray("choices").addObject().put("index", 0).put("finish_reason", "length");
            if (chat) {
                choice.putObject("message").put("role", "assistant").put("content", " token".repeat(maxTokens));
            } else {
                choice.put("text", " token".repeat(maxTokens));
            }
            r.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", maxTokens)
                    .put("total_tokens", promptTokens + maxTokens);
            reply(x, 200, "application/json", r.toString());
            return;
        }
        x.getResponseHeaders().set("Content-Type", "text/event-stream");
        x.sendResponseHeaders(200, 0);
        OutputStream out = x.getResponseBody();
        Thread.sleep(ttftMs);
        for (int i = 0; i < maxTokens; i++) {
            if (i > 0) {
                Thread.sleep(itlMs);
            }
            ObjectNode chunk = JSON.createObjectNode().put("id", "scripted").put("object", chat
                    ? "chat.completion.chunk" : "text_completion").put("model", model);
            ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
            if (chat) {
                choice.putObject("delta").put("content", " token");
            } else {
                choice.put("text", " token");
            }
            if (i == maxTokens - 1) {
                choice.put("finish_reason", "length");
            } else {
                choice.putNull("finish_reason");
            }
            event(out, chunk.toString());
        }
        if (body.path("stream_options").path("include_usage").asBoolean(false)) {
            ObjectNode usage = JSON.createObjectNode().put("id", "scripted").put("model", model);
            usage.putArray("choices");
            usage.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", maxTokens)
                    .put("total_tokens", promptTokens + maxTokens);
            event(out, usage.toString());
        }
        event(out, "[DONE]");
    }

    private static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void reply(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            x.getResponseBody().write(b);
        }
    }

    /**
     * Runs the server until the process is stopped.
     *
     * @param args {@code --port N} (default 8000), {@code --model ID} (default {@code scripted-model}),
     *             {@code --ttft-ms N} (default 30), {@code --itl-ms N} (default 10)
     * @throws Exception when the port cannot be bound
     */
    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        System.setProperty("sun.net.httpserver.nodelay", "true");
        try (ScriptedOpenAiServer s = new ScriptedOpenAiServer(Integer.parseInt(value(a, "--port", "8000")),
                value(a, "--model", "scripted-model"), Long.parseLong(value(a, "--ttft-ms", "30")),
                Long.parseLong(value(a, "--itl-ms", "10")))) {
            System.out.println("scripted OpenAI-compatible server at " + s.uri() + " (model " + s.model
                    + "); stop it with Ctrl-C");
            Thread.currentThread().join();
        }
    }

    private static String value(List<String> args, String key, String fallback) {
        int i = args.indexOf(key);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : fallback;
    }
}
