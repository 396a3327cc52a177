package dev.lem.campaign.slurm;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slurm's own commands, run as a user would run them: {@code sbatch} to submit, {@code squeue} and {@code sacct} for
 * job states, {@code scancel}. LEM never talks to Slurm's daemons itself and never grows a scheduler: everything goes
 * through these commands. They are found on the {@code PATH}, or in the folder named by the system property
 * {@value #BIN_PROPERTY}. Thread-safe.
 */
public final class SlurmClient {
    /** System property naming the folder of Slurm's commands (default: the {@code PATH}). */
    public static final String BIN_PROPERTY = "lem.slurm.bin";
    private static final Logger LOG = LoggerFactory.getLogger("dev.lem");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String INSTALL = "install Slurm's client commands (Debian/Ubuntu: `apt-get install "
            + "slurm-client`; RHEL: `dnf install slurm`), or run on the cluster's login node (on many sites after "
            + "`module load slurm`)";

    private final Optional<Path> bin;
    private final String path;

    private SlurmClient(Optional<Path> bin, String path) {
        this.bin = bin;
        this.path = path;
    }

    /** {@return Slurm's commands from the folder {@value #BIN_PROPERTY} names when set, else from the {@code PATH}} */
    public static SlurmClient fromEnvironment() {
        String b = System.getProperty(BIN_PROPERTY);
        String p = System.getenv("PATH");
        return new SlurmClient(b == null || b.isBlank() ? Optional.empty() : Optional.of(Path.of(b)),
                p == null ? "" : p);
    }

    /**
     * {@return Slurm's commands from one folder only (tests, or a site that keeps them off the {@code PATH})}
     *
     * @param folder the folder holding {@code sbatch}, {@code squeue}, ...
     */
    public static SlurmClient in(Path folder) {
        return new SlurmClient(Optional.of(folder), "");
    }

    /**
     * {@return where a Slurm command is, if it is there: an executable file of that name in the folder, or the first
     * folder of the {@code PATH} that has one}
     *
     * @param command the command's name, e.g. {@code sbatch}
     */
    public Optional<Path> find(String command) {
        List<Path> dirs = new ArrayList<>();
        bin.ifPresent(dirs::add);
        if (bin.isEmpty()) {
            for (String d : path.split(File.pathSeparator)) {
                if (!d.isBlank()) {
                    dirs.add(Path.of(d));
                }
            }
        }
        for (Path d : dirs) {
            Path f = d.resolve(command);
            if (Files.isRegularFile(f) && Files.isExecutable(f)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /**
     * The command's path, or an error saying what to install.
     *
     * @param command the command's name, e.g. {@code sbatch}
     * @param purpose what needs it, for the message (e.g. "handing a campaign to Slurm (lem campaign submit --slurm)")
     * @return the command's path, as {@link #find(String)} finds it
     * @throws SlurmException naming the command, where it was looked for and what to install
     */
    public Path require(String command, String purpose) {
        return find(command).orElseThrow(() -> new SlurmException(command + " not found " + bin.map(b -> "in " + b
                + " (-D" + BIN_PROPERTY + ")").orElse("on the PATH") + ": " + purpose + " needs Slurm; " + INSTALL
                + ". Without Slurm, run the same campaign on this machine with `lem campaign run FILE`"));
    }

    /**
     * {@code sbatch --parsable [args] script}.
     *
     * @param script the batch script
     * @param args   further sbatch options, before the script (e.g. {@code --dependency=afterany:<id>})
     * @return the job id Slurm gave it
     * @throws SlurmException with sbatch's own message when it refuses
     */
    public String submit(Path script, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(require("sbatch", "submitting to Slurm").toString());
        cmd.add("--parsable");
        cmd.addAll(args);
        cmd.add(script.toString());
        Result r = run(cmd);
        if (r.exit() != 0) {
            throw new SlurmException("sbatch refused " + script.getFileName() + " (exit " + r.exit() + "): "
                    + firstLines(r.err().isBlank() ? r.out() : r.err()) + " (command: " + String.join(" ", cmd) + ")");
        }
        String out = r.out().strip();
        String id = out.contains(";") ? out.substring(0, out.indexOf(';')) : out; // "<id>;<cluster>" on federations
        if (!id.matches("\\d+")) {
            throw new SlurmException("sbatch printed no job id for " + script.getFileName() + " (it printed \"" + out
                    + "\")");
        }
        return id;
    }

    /**
     * {@code scancel id}.
     *
     * @param jobId the job (or array) id
     * @return true when scancel succeeded; false when it is missing or failed (the reason is logged)
     */
    public boolean cancel(String jobId) {
        Optional<Path> scancel = find("scancel");
        if (scancel.isEmpty()) {
            LOG.warn("scancel not found: cannot cancel Slurm job {}", jobId);
            return false;
        }
        Result r = run(List.of(scancel.get().toString(), jobId));
        if (r.exit() != 0) {
            LOG.warn("scancel {} failed: {}", jobId, firstLines(r.err()));
        }
        return r.exit() == 0;
    }

    /**
     * The states of jobs by their own ids (an array task's job id, or an array's), from {@code squeue --states=all}.
     *
     * @param jobIds the job ids
     * @return state by job id for every job Slurm still knows (a job it does not list has ended long enough ago to
     *         be forgotten); empty when squeue is missing or failed (then nothing can be said)
     */
    public Optional<Map<String, String>> states(Collection<String> jobIds) {
        if (jobIds.isEmpty()) {
            return Optional.of(Map.of());
        }
        Optional<List<SlurmJob>> jobs = squeue(jobIds);
        if (jobs.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> out = new LinkedHashMap<>();
        jobs.get().forEach(j -> out.put(j.jobId(), j.state()));
        return Optional.of(out);
    }

    /**
     * Every job and array task of these jobs: from {@code sacct} when Slurm keeps accounting (it remembers ended jobs),
     * else from {@code squeue --states=all} (which forgets a job {@code MinJobAge} seconds after it ended).
     *
     * @param jobIds array and job ids
     * @return the jobs, or empty when neither command could be run (the reason is logged)
     */
    public Optional<List<SlurmJob>> jobs(Collection<String> jobIds) {
        if (jobIds.isEmpty()) {
            return Optional.of(List.of());
        }
        Optional<Path> sacct = find("sacct");
        if (sacct.isPresent()) {
            Result r = run(List.of(sacct.get().toString(), "--noheader", "--parsable2", "--allocations", "--jobs",
                    String.join(",", jobIds), "--format", "JobID,JobIDRaw,State,NodeList,ExitCode"));
            if (r.exit() == 0) {
                List<SlurmJob> parsed = parseSacct(r.out());
                Optional<List<SlurmJob>> live = squeue(jobIds);
                // sacct shows a pending array as one line "<id>_[0-3]"; squeue lists each task
                return Optional.of(merge(parsed, live.orElse(List.of())));
            }
            LOG.debug("sacct failed ({}); asking squeue", firstLines(r.err()));
        }
        return squeue(jobIds);
    }

    private Optional<List<SlurmJob>> squeue(Collection<String> jobIds) {
        Optional<Path> squeue = find("squeue");
        if (squeue.isEmpty()) {
            LOG.debug("squeue not found");
            return Optional.empty();
        }
        Result r = run(List.of(squeue.get().toString(), "--noheader", "--states=all", "--array", "--jobs",
                String.join(",", jobIds), "--format", "%i|%A|%T|%N|%r"));
        if (r.exit() != 0) {
            if (r.err().contains("Invalid job id")) {
                return Optional.of(List.of()); // a single id Slurm no longer knows
            }
            LOG.warn("squeue failed (exit {}): {}", r.exit(), firstLines(r.err()));
            return Optional.empty();
        }
        return Optional.of(parseSqueue(r.out()));
    }

    /**
     * Parses {@code squeue --noheader --format %i|%A|%T|%N|%r}; lines with fewer than three fields are skipped.
     *
     * @param out squeue's output
     * @return a job per line, in squeue's order
     */
    public static List<SlurmJob> parseSqueue(String out) {
        List<SlurmJob> jobs = new ArrayList<>();
        for (String line : out.split("\\R")) {
            String[] f = line.strip().split("\\|", -1);
            if (f.length < 3 || f[0].isBlank()) {
                continue;
            }
            jobs.add(new SlurmJob(f[0].strip(), f[1].strip(), f[2].strip(), f.length > 3 ? f[3].strip() : "",
                    f.length > 4 ? f[4].strip() : "", Optional.empty(), "squeue"));
        }
        return jobs;
    }

    /**
     * Parses {@code sacct --noheader --parsable2 --format JobID,JobIDRaw,State,NodeList,ExitCode}; lines with fewer
     * than three fields are skipped, and sacct's {@code None assigned} node is read as none.
     *
     * @param out sacct's output
     * @return a job per line, in sacct's order
     */
    public static List<SlurmJob> parseSacct(String out) {
        List<SlurmJob> jobs = new ArrayList<>();
        for (String line : out.split("\\R")) {
            String[] f = line.strip().split("\\|", -1);
            if (f.length < 3 || f[0].isBlank()) {
                continue;
            }
            String node = f.length > 3 ? f[3].strip() : "";
            jobs.add(new SlurmJob(f[0].strip(), f[1].strip(), f[2].strip(), node.equals("None assigned") ? "" : node,
                    "", f.length > 4 && !f[4].isBlank() ? Optional.of(f[4].strip()) : Optional.empty(), "sacct"));
        }
        return jobs;
    }

    /** sacct's lines, with squeue's for what sacct shows only as a range of pending tasks. */
    private static List<SlurmJob> merge(List<SlurmJob> sacct, List<SlurmJob> squeue) {
        Map<String, SlurmJob> out = new LinkedHashMap<>();
        sacct.stream().filter(j -> !j.id().contains("[")).forEach(j -> out.put(j.id(), j));
        squeue.forEach(j -> out.putIfAbsent(j.id(), j));
        return new ArrayList<>(out.values());
    }

    private record Result(int exit, String out, String err) {
    }

    private static Result run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).start();
            p.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new SlurmException(cmd.get(0) + " did not answer within " + TIMEOUT.toSeconds() + " s (is "
                        + "slurmctld reachable? `scontrol ping` says)");
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new SlurmException("Cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SlurmException("Interrupted while " + cmd.get(0) + " ran", e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String firstLines(String text) {
        String t = text.strip();
        String[] lines = t.split("\\R");
        return lines.length <= 3 ? String.join(" / ", lines) : String.join(" / ", List.of(lines).subList(0, 3))
                + " / ...";
    }
}
