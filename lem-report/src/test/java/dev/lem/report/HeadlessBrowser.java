package dev.lem.report;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A real headless Chromium driven over the Chrome DevTools Protocol (the JDK's WebSocket client, nothing else):
 * opens a page from a file and records every network request the page makes, every console message, uncaught
 * exception, browser log entry and Content-Security-Policy violation, evaluates JavaScript in it and takes
 * screenshots. For tests and benchmarks of the HTML report; found as {@code LEM_BROWSER}, else {@code chromium},
 * {@code chromium-browser}, {@code google-chrome} or {@code google-chrome-stable} on the PATH (what
 * {@code .ci/install-chromium.sh} installs).
 */
final class HeadlessBrowser implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Installed before the page's own scripts: records CSP violations the page itself sees. */
    private static final String VIOLATION_HOOK = "window.__lemViolations = [];"
            + "document.addEventListener('securitypolicyviolation', function (e) {"
            + "  window.__lemViolations.push(e.violatedDirective + ' ' + e.blockedURI); });";

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final List<Runnable> onEvent = new CopyOnWriteArrayList<>();

    /** The browser to use, if one is installed. */
    static Optional<Path> find() {
        String env = System.getenv("LEM_BROWSER");
        if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env))) {
            return Optional.of(Path.of(env));
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String name : List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** Whether CI asked for the browser tests to fail rather than skip without a browser. */
    static boolean required() {
        return "true".equalsIgnoreCase(System.getenv("LEM_REQUIRE_BROWSER"));
    }

    private HeadlessBrowser(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /**
     * Starts the browser with a fresh profile in {@code work}.
     *
     * @throws IOException when it does not start or does not open its DevTools port within a minute
     */
    static HeadlessBrowser start(Path browser, Path work) throws Exception {
        Path profile = Files.createTempDirectory(work, "chromium-profile");
        // --no-sandbox: Chromium refuses its sandbox as root (CI machines run tests as root) and in containers without
        // user namespaces; the pages opened here are LEM's own files
        List<String> cmd = new ArrayList<>(List.of(browser.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
                "--metrics-recording-only", "--mute-audio", "--hide-scrollbars", "--remote-debugging-port=0",
                "--remote-allow-origins=*", "--user-data-dir=" + profile, "--window-size=1280,1000", "about:blank"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(work.resolve("chromium.log").toFile()).start();
        Path portFile = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Files.isRegularFile(portFile) || Files.readAllLines(portFile).size() < 2) {
            if (!p.isAlive()) {
                throw new IOException(browser + " exited with " + p.exitValue() + " before opening its DevTools port: "
                        + tail(work.resolve("chromium.log")));
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IOException(browser + " did not open its DevTools port within " + TIMEOUT.toSeconds()
                        + " s: " + tail(work.resolve("chromium.log")));
            }
            Thread.sleep(50);
        }
        List<String> lines = Files.readAllLines(portFile);
        URI uri = URI.create("ws://127.0.0.1:" + lines.get(0).trim() + lines.get(1).trim());
        HeadlessBrowser[] self = new HeadlessBrowser[1];
        StringBuilder partial = new StringBuilder();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(TIMEOUT)
                .buildAsync(uri, new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            String msg = partial.toString();
                            partial.setLength(0);
                            self[0].receive(msg);
                        }
                        w.request(1);
                        return null;
                    }
                }).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        self[0] = new HeadlessBrowser(p, profile, ws);
        return self[0];
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log, StandardCharsets.UTF_8);
            return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private void receive(String msg) {
        JsonNode n = JSON.readTree(msg);
        if (n.has("id")) {
            CompletableFuture<JsonNode> f = pending.remove(n.get("id").asInt());
            if (f != null) {
                if (n.has("error")) {
                    f.completeExceptionally(new IllegalStateException("DevTools error: " + n.get("error")));
                } else {
                    f.complete(n.get("result"));
                }
            }
        } else {
            events.add(n);
            onEvent.forEach(Runnable::run);
        }
    }

    /** Sends a DevTools command (to a page when {@code session} is not null) and waits for its result. */
    JsonNode send(String session, String method, Map<String, Object> params) {
        int id = ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode();
        msg.put("id", id);
        msg.put("method", method);
        msg.set("params", JSON.valueToTree(params));
        if (session != null) {
            msg.put("sessionId", session);
        }
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        socket.sendText(JSON.writeValueAsString(msg), true).join();
        try {
            return f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(method + " failed: " + e.getMessage(), e);
        }
    }

    /** What happened while a page loaded. */
    final class Page {
        final String session;
        final long loadNanos;

        private Page(String session, long loadNanos) {
            this.session = session;
            this.loadNanos = loadNanos;
        }

        private List<JsonNode> mine(String method) {
            List<JsonNode> out = new ArrayList<>();
            for (JsonNode e : events) {
                if (method.equals(e.path("method").asString()) && session.equals(e.path("sessionId").asString())) {
                    out.add(e.get("params"));
                }
            }
            return out;
        }

        /** Every URL the page asked the network stack for (the page itself included). */
        List<String> requests() {
            return mine("Network.requestWillBeSent").stream().map(p -> p.path("request").path("url").asString())
                    .toList();
        }

        /** Console messages of type error, warning or assert, and uncaught exceptions. */
        List<String> consoleProblems() {
            List<String> out = new ArrayList<>();
            for (JsonNode p : mine("Runtime.consoleAPICalled")) {
                String type = p.path("type").asString();
                if (type.equals("error") || type.equals("warning") || type.equals("assert")) {
                    out.add(type + ": " + p.path("args"));
                }
            }
            for (JsonNode p : mine("Runtime.exceptionThrown")) {
                out.add("exception: " + p.path("exceptionDetails"));
            }
            return out;
        }

        /** Browser log entries of level error or warning (CSP violations, failed loads, deprecations). */
        List<String> logProblems() {
            List<String> out = new ArrayList<>();
            for (JsonNode p : mine("Log.entryAdded")) {
                String level = p.path("entry").path("level").asString();
                if (level.equals("error") || level.equals("warning")) {
                    out.add(level + " (" + p.path("entry").path("source").asString() + "): "
                            + p.path("entry").path("text").asString());
                }
            }
            return out;
        }

        /** CSP violations the page saw ({@code securitypolicyviolation} events). */
        List<String> violations() {
            JsonNode v = eval("JSON.stringify(window.__lemViolations || [])");
            List<String> out = new ArrayList<>();
            JSON.readTree(v.asString()).forEach(x -> out.add(x.asString()));
            return out;
        }

        /** Evaluates an expression and returns its value (JSON). */
        JsonNode eval(String expression) {
            JsonNode r = send(session, "Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
                    "awaitPromise", true));
            if (r.has("exceptionDetails")) {
                throw new IllegalStateException("evaluating " + expression + " threw " + r.get("exceptionDetails"));
            }
            return r.path("result").path("value");
        }

        /** A PNG of the viewport. */
        void screenshot(Path file) throws IOException {
            JsonNode r = send(session, "Page.captureScreenshot", Map.of("format", "png"));
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, Base64.getDecoder().decode(r.get("data").asString()));
        }

        /** The time from the navigation's start to its load event, as the page's own timing says, ms. */
        double loadEventMs() {
            return eval("(function(){var t=performance.getEntriesByType('navigation')[0];"
                    + "return t ? t.loadEventEnd - t.startTime : -1;})()").asDouble();
        }
    }

    /**
     * Opens {@code file} in a new tab of the given viewport, with request, console, log and CSP recording on from
     * before the first byte, and waits for its load event.
     */
    Page open(Path file, int width, int height) throws InterruptedException {
        String target = send(null, "Target.createTarget", Map.of("url", "about:blank")).get("targetId").asString();
        String session = send(null, "Target.attachToTarget", Map.of("targetId", target, "flatten", true))
                .get("sessionId").asString();
        for (String domain : List.of("Page.enable", "Runtime.enable", "Network.enable", "Log.enable")) {
            send(session, domain, Map.of());
        }
        send(session, "Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
                "deviceScaleFactor", 1, "mobile", false));
        send(session, "Page.addScriptToEvaluateOnNewDocument", Map.of("source", VIOLATION_HOOK));
        CompletableFuture<Void> loaded = new CompletableFuture<>();
        Runnable watch = () -> {
            for (JsonNode e : events) {
                if ("Page.loadEventFired".equals(e.path("method").asString())
                        && session.equals(e.path("sessionId").asString())) {
                    loaded.complete(null);
                }
            }
        };
        onEvent.add(watch);
        long t0 = System.nanoTime();
        send(session, "Page.navigate", Map.of("url", file.toAbsolutePath().toUri().toString()));
        try {
            loaded.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(file + " did not finish loading within " + TIMEOUT.toSeconds() + " s", e);
        } finally {
            onEvent.remove(watch);
        }
        long loadNanos = System.nanoTime() - t0;
        return new Page(session, loadNanos);
    }

    @Override
    public void close() {
        try {
            send(null, "Browser.close", Map.of());
        } catch (RuntimeException e) {
            // already gone
        }
        socket.abort();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteQuietly(profile);
    }

    private static void deleteQuietly(Path dir) {
        try (var s = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(s.toList());
            Collections.reverse(all);
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a leftover profile in target/ does no harm
        }
    }
}
