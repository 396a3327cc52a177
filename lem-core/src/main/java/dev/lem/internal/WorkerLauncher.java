package dev.lem.internal;

import dev.lem.LemException;
import dev.lem.config.ExperimentConfig;
import dev.lem.results.ResultsRepository;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Starts one worker JVM per rank on this machine, each pinned to one GPU through
 * {@code CUDA_VISIBLE_DEVICES} (rank r gets the r-th entry of the parent's list, or index r), and
 * waits for them. Workers run {@link WorkerMain} with the resolved configuration — never the user's
 * program — and write their own raw results.
 */
public final class WorkerLauncher {
    private WorkerLauncher() {
    }

    /**
     * Runs every rank and waits.
     *
     * @throws LemException naming each failed rank and the end of its log
     */
    public static void run(ExperimentConfig config, String experimentId, Consumer<String> progress)
            throws InterruptedException {
        ResultsRepository repo = new ResultsRepository(Path.of(config.resultsDir()));
        Path dir = repo.rawDirectory(experimentId);
        Path configFile = repo.writeWorkerConfig(experimentId, config);
        int n = config.processes();
        String parentDevices = System.getenv("CUDA_VISIBLE_DEVICES");
        List<Process> procs = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        try {
            for (int rank = 0; rank < n; rank++) {
                List<String> cmd = new ArrayList<>();
                cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                cmd.addAll(inheritedJvmArguments());
                cmd.add("-cp");
                cmd.add(System.getProperty("java.class.path"));
                cmd.add(WorkerMain.class.getName());
                cmd.add(configFile.toString());
                cmd.add(experimentId);
                cmd.add(Integer.toString(rank));
                cmd.add(Integer.toString(n));
                ProcessBuilder pb = new ProcessBuilder(cmd);
                Map<String, String> env = pb.environment();
                env.put("CUDA_VISIBLE_DEVICES", deviceFor(parentDevices, rank));
                env.put("LEM_RANK", Integer.toString(rank));
                env.put("LEM_WORLD_SIZE", Integer.toString(n));
                Path log = dir.resolve("worker_" + rank + ".log");
                pb.redirectErrorStream(true).redirectOutput(log.toFile());
                logs.add(log);
                procs.add(pb.start());
            }
            progress.accept("started " + n + " worker processes; logs in " + dir);
            List<String> failures = new ArrayList<>();
            for (int rank = 0; rank < n; rank++) {
                int code = procs.get(rank).waitFor();
                if (code != 0) {
                    failures.add("rank " + rank + " exited with " + code + ": " + tail(logs.get(rank)));
                }
            }
            if (!failures.isEmpty()) {
                throw new LemException(String.join("\n", failures));
            }
        } catch (IOException e) {
            throw new LemException("Cannot start worker processes: " + e.getMessage(), e);
        } finally {
            for (Process p : procs) {
                if (p.isAlive()) {
                    p.destroy();
                    p.waitFor(10, TimeUnit.SECONDS);
                    p.destroyForcibly();
                }
            }
        }
    }

    /** The device list entry for a rank: the rank-th entry of the parent's list, else the rank itself. */
    static String deviceFor(String parentDevices, int rank) {
        if (parentDevices == null || parentDevices.isBlank()) {
            return Integer.toString(rank);
        }
        String[] parts = parentDevices.split(",");
        return parts[rank % parts.length].trim();
    }

    private static List<String> inheritedJvmArguments() {
        List<String> out = new ArrayList<>();
        try {
            for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (a.startsWith("-Xmx") || a.startsWith("-Xms") || a.startsWith("-D")
                        || a.startsWith("--enable-native-access") || a.startsWith("--add-opens")) {
                    out.add(a);
                }
            }
        } catch (RuntimeException | LinkageError e) {
            // no java.management module: workers start with default options
        }
        return out;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
