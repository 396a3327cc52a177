package dev.lem.serving;

import dev.lem.spi.BackendException;
import dev.lem.spi.PluginUnavailableException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server process LEM starts and stops ({@code vllm serve}, {@code trtllm-serve}): started with its
 * output (stdout and stderr) going to a log file in the results' artifacts directory, waited for until
 * its health endpoint answers 200, stopped by {@link #close()} (terminate, then kill after a grace period,
 * children included). A JVM shutdown hook stops it too if the JVM exits without closing it.
 */
public final class ManagedServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ManagedServer.class);
    private static final Duration GRACE = Duration.ofSeconds(30);
    private static final long POLL_MS = 250;

    private final Process process;
    private final Path log;
    private final List<String> command;
    private final Thread hook;
    private final long readyNanos;

    private ManagedServer(Process process, Path log, List<String> command, long readyNanos) {
        this.process = process;
        this.log = log;
        this.command = List.copyOf(command);
        this.readyNanos = readyNanos;
        this.hook = new Thread(this::stop, "lem-managed-server-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * The command-line flags of pass-through engine arguments ({@code extra:}), in name order, spelled with dashes
     * (vLLM): a name becomes {@code --name-with-dashes}; {@code true} adds the bare flag, {@code false} its
     * {@code --no-} form (the argparse {@code BooleanOptionalAction} convention of vLLM), a list adds every item after
     * the flag, anything else its text.
     *
     * @param extra the {@code extra:} arguments, by name
     * @return the flags and their values, one token each
     */
    public static List<String> engineFlags(java.util.Map<String, Object> extra) {
        return engineFlags(extra, true);
    }

    /**
     * As {@link #engineFlags(java.util.Map)}; with {@code dashes} false the names keep their underscores
     * ({@code --max_batch_size}, the click options of trtllm-serve) and {@code false} adds nothing (click flags
     * have no {@code --no-} form).
     *
     * @param extra the {@code extra:} arguments, by name
     * @param dashes whether names are spelled with dashes rather than underscores
     * @return the flags and their values, one token each
     */
    public static List<String> engineFlags(java.util.Map<String, Object> extra, boolean dashes) {
        List<String> out = new java.util.ArrayList<>();
        new java.util.TreeMap<>(extra).forEach((k, v) -> {
            String name = dashes ? k.replace('_', '-') : k.replace('-', '_');
            String flag = "--" + name;
            if (Boolean.TRUE.equals(v)) {
                out.add(flag);
            } else if (Boolean.FALSE.equals(v)) {
                if (dashes) {
                    out.add("--no-" + name);
                }
            } else if (v instanceof List<?> l) {
                out.add(flag);
                l.forEach(x -> out.add(String.valueOf(x)));
            } else {
                out.add(flag);
                out.add(v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15
                        ? Long.toString(d.longValue()) : String.valueOf(v));
            }
        });
        return out;
    }

    /**
     * Asks an engine's executable for its version before a server is started ({@code vllm --version}): the
     * first version number in its output, or empty when it cannot be started, does not answer within
     * {@code timeout}, or prints none.
     *
     * @param command the executable and the arguments that make it print its version
     * @param timeout how long to wait for the output
     * @return the version; empty when none could be found
     */
    public static java.util.Optional<EngineVersion> probeVersion(List<String> command, Duration timeout) {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            LOG.debug("cannot run {}", command, e);
            return java.util.Optional.empty();
        }
        try {
            java.util.concurrent.CompletableFuture<String> out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try (var in = p.getInputStream()) {
                    return new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "";
                }
            });
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                destroy(p);
                return java.util.Optional.empty();
            }
            String text = out.get(5, TimeUnit.SECONDS);
            return p.exitValue() == 0 ? EngineVersion.find(text) : java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            destroy(p);
            return java.util.Optional.empty();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            destroy(p);
            return java.util.Optional.empty();
        }
    }

    /**
     * Starts {@code command} and waits until {@code health} answers 200.
     *
     * @param command the executable and its arguments
     * @param health the health endpoint's URL
     * @param timeout how long to wait for the server to become healthy
     * @param logFile where the server's output goes
     * @return the running, healthy server
     * @throws PluginUnavailableException when the executable cannot be started
     * @throws BackendException           when the server exits or is not healthy within {@code timeout}
     *                                    (the message quotes the end of its log)
     */
    public static ManagedServer start(List<String> command, URI health, Duration timeout, Path logFile) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        Process p;
        try {
            Files.createDirectories(logFile.getParent());
            p = pb.start();
        } catch (IOException e) {
            throw new PluginUnavailableException("Cannot start the managed server `" + String.join(" ", command)
                    + "`: " + e.getMessage() + ". Install it (or set options.executable to its path), or start the "
                    + "server yourself and set server.managed: false", e);
        }
        long t0 = System.nanoTime();
        dev.lem.serving.internal.JdkHttpClientSettings.apply();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = t0 + timeout.toNanos();
        String last = "no answer yet";
        try {
            while (System.nanoTime() < deadline) {
                if (!p.isAlive()) {
                    throw new BackendException("The managed server `" + String.join(" ", command) + "` exited with code "
                            + p.exitValue() + " before it was healthy. End of its log (" + logFile + "):\n" + tail(logFile));
                }
                try {
                    HttpResponse<Void> r = http.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).GET()
                            .build(), HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 200) {
                        return new ManagedServer(p, logFile, command, System.nanoTime() - t0);
                    }
                    last = "HTTP " + r.statusCode();
                } catch (IOException e) {
                    last = e.getClass().getSimpleName();
                }
                Thread.sleep(POLL_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            destroy(p);
            throw new BackendException("Interrupted while waiting for the managed server to start", e);
        } catch (RuntimeException e) {
            destroy(p);
            throw e;
        }
        destroy(p);
        throw new BackendException("The managed server `" + String.join(" ", command) + "` was not healthy at " + health
                + " within " + timeout.toSeconds() + " s (server.startup_timeout_s; last check: " + last
                + "). End of its log (" + logFile + "):\n" + tail(logFile));
    }

    /** {@return the log file the server's output goes to} */
    public Path log() {
        return log;
    }

    /** {@return the command line, executable first} */
    public List<String> command() {
        return command;
    }

    /** {@return how long the server took to become healthy, ns} */
    public long startupNanos() {
        return readyNanos;
    }

    /** {@return whether the process still runs} */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** Stops the server (terminate, wait up to 30 s, kill); never throws. */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            LOG.debug("JVM shutting down; hook stays", e);
        }
    }

    private void stop() {
        destroy(process);
    }

    private static void destroy(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    /** The last 20 lines of a log file. */
    static String tail(Path file) {
        Deque<String> lines = new ArrayDeque<>();
        try (var r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.addLast(line);
                if (lines.size() > 20) {
                    lines.removeFirst();
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
        return String.join("\n", lines);
    }
}
