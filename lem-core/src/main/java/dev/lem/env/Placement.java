package dev.lem.env;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a piece of work ran: the host and process, the Slurm job, array task and restart count when a Slurm task
 * ran it, and the devices it was given ({@code CUDA_VISIBLE_DEVICES} as Slurm or the user set it, and Slurm's own
 * {@code SLURM_STEP_GPUS}/{@code SLURM_JOB_GPUS}, the physical GPU indices). Recorded with every measured cycle and
 * every campaign unit, so a cluster campaign says which node, job and devices produced each figure.
 *
 * @param host              the host name
 * @param pid               the process id
 * @param processStart      when that process started (tells a live process from a later one with the same pid)
 * @param slurmJobId        {@code SLURM_JOB_ID}: the job (for an array task, the task's own job id)
 * @param slurmArrayJobId   {@code SLURM_ARRAY_JOB_ID}: the array's job id
 * @param slurmArrayTaskId  {@code SLURM_ARRAY_TASK_ID}: the task's index in the array
 * @param slurmRestartCount {@code SLURM_RESTART_COUNT}: how often Slurm requeued the job (0 when never)
 * @param slurmNode         {@code SLURMD_NODENAME}: the node's name in Slurm
 * @param visibleDevices    the entries of {@code CUDA_VISIBLE_DEVICES} (empty when unset: every device visible)
 * @param slurmGpus         {@code SLURM_STEP_GPUS} or {@code SLURM_JOB_GPUS}: the GPUs Slurm allocated
 */
public record Placement(String host, long pid, Optional<Instant> processStart, Optional<String> slurmJobId,
        Optional<String> slurmArrayJobId, Optional<Integer> slurmArrayTaskId, int slurmRestartCount,
        Optional<String> slurmNode, List<String> visibleDevices, Optional<String> slurmGpus) {

    /**
     * Checks that the host is set; reads a {@code null} optional as empty and a {@code null} device list as empty,
     * and copies the list.
     *
     * @param host              the host name
     * @param pid               the process id
     * @param processStart      when that process started, when known
     * @param slurmJobId        {@code SLURM_JOB_ID}, empty outside Slurm
     * @param slurmArrayJobId   {@code SLURM_ARRAY_JOB_ID}, empty outside an array
     * @param slurmArrayTaskId  {@code SLURM_ARRAY_TASK_ID}, empty outside an array
     * @param slurmRestartCount {@code SLURM_RESTART_COUNT} (0 when never requeued)
     * @param slurmNode         {@code SLURMD_NODENAME}, empty outside Slurm
     * @param visibleDevices    the entries of {@code CUDA_VISIBLE_DEVICES} (empty when unset)
     * @param slurmGpus         {@code SLURM_STEP_GPUS} or {@code SLURM_JOB_GPUS}, empty when Slurm allocated none
     */
    public Placement {
        Objects.requireNonNull(host, "host");
        processStart = processStart == null ? Optional.empty() : processStart;
        slurmJobId = slurmJobId == null ? Optional.empty() : slurmJobId;
        slurmArrayJobId = slurmArrayJobId == null ? Optional.empty() : slurmArrayJobId;
        slurmArrayTaskId = slurmArrayTaskId == null ? Optional.empty() : slurmArrayTaskId;
        slurmNode = slurmNode == null ? Optional.empty() : slurmNode;
        visibleDevices = visibleDevices == null ? List.of() : List.copyOf(visibleDevices);
        slurmGpus = slurmGpus == null ? Optional.empty() : slurmGpus;
    }

    /**
     * This process, placed as its environment variables say.
     *
     * @param environment the process's environment variables (e.g. {@code System.getenv()})
     * @return this host, this process's id and start time, and what the Slurm and CUDA variables say
     */
    public static Placement current(Map<String, String> environment) {
        ProcessHandle self = ProcessHandle.current();
        return of(EnvironmentCapture.hostName(), self.pid(), self.info().startInstant(), environment);
    }

    /**
     * A process on a host, placed as the environment variables say (Slurm's and {@code CUDA_VISIBLE_DEVICES}); blank
     * variables are read as unset, and a task id or restart count that is not a number as unset (restart count 0).
     *
     * @param host         the host name
     * @param pid          the process id
     * @param processStart when the process started, when known
     * @param env          the process's environment variables
     * @return the placement
     */
    public static Placement of(String host, long pid, Optional<Instant> processStart, Map<String, String> env) {
        String cuda = env.get("CUDA_VISIBLE_DEVICES");
        List<String> devices = cuda == null || cuda.isBlank() ? List.of()
                : Arrays.stream(cuda.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        Optional<String> gpus = nonBlank(env.get("SLURM_STEP_GPUS")).or(() -> nonBlank(env.get("SLURM_JOB_GPUS")));
        return new Placement(host, pid, processStart, nonBlank(env.get("SLURM_JOB_ID")),
                nonBlank(env.get("SLURM_ARRAY_JOB_ID")), nonBlank(env.get("SLURM_ARRAY_TASK_ID")).flatMap(
                        Placement::integer), nonBlank(env.get("SLURM_RESTART_COUNT")).flatMap(Placement::integer)
                        .orElse(0), nonBlank(env.get("SLURMD_NODENAME")), devices, gpus);
    }

    /** {@return whether a Slurm job ran it ({@code SLURM_JOB_ID} was set)} */
    public boolean slurm() {
        return slurmJobId.isPresent();
    }

    /**
     * {@return the Slurm task as {@code squeue} names it: {@code <array job>_<task>} for an array task, else the job
     * id; empty outside Slurm}
     */
    public Optional<String> slurmTask() {
        if (slurmArrayJobId.isPresent() && slurmArrayTaskId.isPresent()) {
            return Optional.of(slurmArrayJobId.get() + "_" + slurmArrayTaskId.get());
        }
        return slurmJobId;
    }

    /** {@return the node: Slurm's name for it when a Slurm job ran it, else the host name} */
    public String node() {
        return slurmNode.orElse(host);
    }

    /** {@return the devices in one phrase, e.g. {@code CUDA_VISIBLE_DEVICES=0,1 (Slurm GPUs 4,5)}} */
    public String devices() {
        String visible = visibleDevices.isEmpty() ? "CUDA_VISIBLE_DEVICES unset" : "CUDA_VISIBLE_DEVICES="
                + String.join(",", visibleDevices);
        return visible + slurmGpus.map(g -> " (Slurm GPUs " + g + ")").orElse("");
    }

    private static Optional<String> nonBlank(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s.trim());
    }

    private static Optional<Integer> integer(String s) {
        try {
            return Optional.of(Integer.parseInt(s));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return node() + " pid " + pid + slurmTask().map(t -> ", Slurm task " + t + (slurmJobId.filter(j -> !t.equals(j))
                .map(j -> " (job " + j + ")").orElse("")) + (slurmRestartCount > 0 ? ", restart " + slurmRestartCount
                        : "")).orElse("") + ", " + devices();
    }
}
