package dev.lem.examples.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@code tcpdump} child process capturing one TCP port on Linux's loopback interface into a classic pcap file with
 * nanosecond timestamps, for {@link TtftOverheadBenchmark}'s packet reference. Started with
 * {@code tcpdump -i lo -n -U -B 16384 --immediate-mode --time-stamp-precision=nano -w FILE tcp port PORT}:
 * {@code --immediate-mode} because with the default TPACKET_V3 ring buffer the packets of a block not yet handed
 * to tcpdump are lost when it is stopped (seen with tcpdump 4.99.3 / libpcap 1.10.3: 0 packets captured out of 20);
 * {@code -B 16384} (KiB) so that a burst does not overflow the kernel buffer. When run as root, tcpdump drops to
 * its own user before it opens the file, so the file must not exist yet in a directory that user cannot write
 * (the default file is a new name in {@code java.io.tmpdir}). Not thread-safe.
 */
final class TcpdumpCapture {
    private final Process process;
    private final Path file;
    private final List<String> stderr;
    private final CompletableFuture<Void> stderrDone;

    private TcpdumpCapture(Process process, Path file, List<String> stderr, CompletableFuture<Void> stderrDone) {
        this.process = process;
        this.file = file;
        this.stderr = stderr;
        this.stderrDone = stderrDone;
    }

    /**
     * Starts tcpdump and waits until it says it is listening.
     *
     * @param file where to write the capture ({@code auto}: a new file in {@code java.io.tmpdir})
     * @param port the TCP port to capture
     * @param why receives the reason when the capture cannot run (tcpdump missing, no permission, ...)
     * @return the running capture, or empty with the reason in {@code why}
     */
    static Optional<TcpdumpCapture> start(String file, int port, StringBuilder why) {
        Optional<Path> tcpdump = onPath("tcpdump");
        if (tcpdump.isEmpty()) {
            why.append("tcpdump is not on PATH (Debian/Ubuntu: apt-get install -y tcpdump)");
            return Optional.empty();
        }
        Path out = file.equals("auto")
                ? Path.of(System.getProperty("java.io.tmpdir"), "ttft-overhead-" + ProcessHandle.current().pid() + "-"
                        + System.currentTimeMillis() + ".pcap")
                : Path.of(file).toAbsolutePath();
        List<String> command = List.of(tcpdump.get().toString(), "-i", "lo", "-n", "-U", "-B", "16384",
                "--immediate-mode", "--time-stamp-precision=nano", "-w", out.toString(), "tcp", "port",
                Integer.toString(port));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            why.append("tcpdump could not be started: ").append(e.getMessage());
            return Optional.empty();
        }
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> listening = new CompletableFuture<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                    if (line.contains("listening on")) {
                        listening.complete(null);
                    }
                }
            } catch (IOException e) {
                // the process is gone
            } finally {
                listening.complete(null);
                done.complete(null);
            }
        }, "tcpdump-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            listening.get(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            p.destroyForcibly();
            why.append("tcpdump did not say it was listening within 10 s: ").append(String.join(" / ", lines));
            return Optional.empty();
        } catch (Exception e) {
            p.destroyForcibly();
            why.append("interrupted while waiting for tcpdump");
            return Optional.empty();
        }
        if (!p.isAlive() || lines.stream().noneMatch(l -> l.contains("listening on"))) {
            done.join();
            why.append("tcpdump exited");
            try {
                why.append(" with status ").append(p.waitFor());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            why.append(": ").append(String.join(" / ", lines))
                    .append(" (capturing needs root or CAP_NET_RAW + CAP_NET_ADMIN)");
            return Optional.empty();
        }
        return Optional.of(new TcpdumpCapture(p, out, lines, done));
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** {@return the capture file} */
    Path file() {
        return file;
    }

    /**
     * Stops tcpdump (SIGTERM, then waits for it to write its counts) and returns what it said at the end.
     *
     * @return tcpdump's final lines ({@code N packets captured}, {@code ... dropped by kernel}), joined
     * @throws InterruptedException when interrupted while waiting
     */
    String stop() throws InterruptedException {
        // SIGTERM through the handle: Process.destroy() sends the same signal but closes the stderr pipe at once,
        // and tcpdump's counts (written when it exits) would be lost
        process.toHandle().destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
        stderrDone.join();
        List<String> end = new ArrayList<>();
        synchronized (stderr) {
            for (String l : stderr) {
                if (!l.contains("listening on")) {
                    end.add(l);
                }
            }
        }
        return String.join(", ", end);
    }
}
