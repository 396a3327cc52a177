package dev.lem.campaign.slurm;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One Slurm job or array task as {@code sacct} or {@code squeue} reports it.
 *
 * @param id       the name Slurm shows: {@code <array job>_<task>} for an array task, else the job id
 * @param jobId    the job's own id (an array task has one too)
 * @param state    its state in upper case, e.g. {@code PENDING}, {@code RUNNING}, {@code COMPLETED},
 *                 {@code FAILED}, {@code TIMEOUT}, {@code NODE_FAIL}, {@code PREEMPTED}, {@code CANCELLED}
 * @param node     the node(s) it ran on (empty while pending)
 * @param reason   why it is pending or how it ended, when Slurm says ({@code squeue}'s reason)
 * @param exitCode its exit code as {@code sacct} gives it ({@code 0:0}, {@code 1:0}, {@code 0:15}), when known
 * @param source   {@code sacct} or {@code squeue}
 */
public record SlurmJob(String id, String jobId, String state, String node, String reason, Optional<String> exitCode,
        String source) {
    /** States in which a job may still run (or is about to). */
    public static final Set<String> ACTIVE = Set.of("PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED",
            "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED");

    /**
     * Checks that the id is set, keeps the state's first word in upper case ({@code CANCELLED by 1000} becomes
     * {@code CANCELLED}), and reads a {@code null} exit code as unknown.
     *
     * @param id       the name Slurm shows: {@code <array job>_<task>} for an array task, else the job id
     * @param jobId    the job's own id
     * @param state    its state as Slurm reports it
     * @param node     the node(s) it ran on (empty while pending)
     * @param reason   why it is pending or how it ended, when Slurm says
     * @param exitCode its exit code as {@code sacct} gives it, when known
     * @param source   {@code sacct} or {@code squeue}
     */
    public SlurmJob {
        Objects.requireNonNull(id, "id");
        state = state.split("\\s+")[0].toUpperCase(Locale.ROOT);
        exitCode = exitCode == null ? Optional.empty() : exitCode;
    }

    /** {@return whether it is pending or running (or about to be): its state is one of {@link #ACTIVE}} */
    public boolean active() {
        return ACTIVE.contains(state);
    }

    /** {@return the state as a person reads it: {@code timed out}, {@code node failure}, {@code preempted}, ...} */
    public String describe() {
        return switch (state) {
            case "PENDING" -> "pending" + (reason.isBlank() || reason.equals("None") ? "" : " (" + reason + ")");
            case "RUNNING" -> "running";
            case "COMPLETING" -> "completing";
            case "COMPLETED" -> "completed";
            case "FAILED" -> "failed" + exitCode.map(c -> " (exit " + c + ")").orElse("");
            case "TIMEOUT" -> "timed out";
            case "NODE_FAIL" -> "node failure";
            case "PREEMPTED" -> "preempted";
            case "CANCELLED" -> "cancelled";
            case "OUT_OF_MEMORY" -> "out of memory";
            case "BOOT_FAIL" -> "boot failure";
            case "DEADLINE" -> "deadline reached";
            default -> state.toLowerCase(Locale.ROOT);
        };
    }

    @Override
    public String toString() {
        return id + " " + describe() + (node.isBlank() ? "" : " on " + node);
    }
}
