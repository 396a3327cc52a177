package dev.lem.campaign;

import dev.lem.env.Placement;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One unit of a campaign: one cycle of one experiment, in the campaign's order.
 *
 * @param seq         position in the run order (0-based)
 * @param round       the cycle round it belongs to (0-based; equals {@code cycle} except in grouped order)
 * @param experiment  the experiment's index
 * @param cycle       the experiment's cycle (0-based)
 * @param status      where it stands
 * @param attempts    attempts started (over every process that ran it)
 * @param startedAt   when its last attempt started
 * @param endedAt     when its last attempt ended
 * @param files       its result files, relative to the results folder
 * @param gapWaitedS  the pause actually taken before it (fixed, adaptive and scheduled waits together)
 * @param gapNote     how the pause ended (e.g. "cooled to within 3 °C / 10 % of idle after 41.2 s", "schedule")
 * @param loadedModel whether its process loaded the model for it (load measured apart from the cycle)
 * @param warmedUp    whether a warm-up ran before it
 * @param throttle    throttling seen during its cycle (reasons with their share of samples)
 * @param failure     why its last attempt failed
 * @param history     earlier attempts' outcomes ("attempt 1: failed: ...", "attempt 2: rerun after interruption")
 * @param placement   where its last attempt ran: host, process, Slurm job and array task, devices
 */
public record ManifestUnit(int seq, int round, int experiment, int cycle, UnitStatus status, int attempts,
        Optional<Instant> startedAt, Optional<Instant> endedAt, List<String> files, double gapWaitedS,
        Optional<String> gapNote, boolean loadedModel, boolean warmedUp, List<String> throttle,
        Optional<String> failure, List<String> history, Optional<Placement> placement) {
    /**
     * Checks that the status is set and copies the lists.
     *
     * @param seq position in the run order (0-based)
     * @param round the cycle round it belongs to (0-based)
     * @param experiment the experiment's index
     * @param cycle the experiment's cycle (0-based)
     * @param status where it stands
     * @param attempts attempts started
     * @param startedAt when its last attempt started
     * @param endedAt when its last attempt ended
     * @param files its result files, relative to the results folder
     * @param gapWaitedS the pause actually taken before it, s
     * @param gapNote how the pause ended
     * @param loadedModel whether its process loaded the model for it
     * @param warmedUp whether a warm-up ran before it
     * @param throttle throttling seen during its cycle
     * @param failure why its last attempt failed
     * @param history earlier attempts' outcomes
     * @param placement where its last attempt ran (host, Slurm node, job and task, devices), when recorded
     */
    public ManifestUnit {
        Objects.requireNonNull(status, "status");
        placement = placement == null ? Optional.empty() : placement;
        files = List.copyOf(files);
        throttle = List.copyOf(throttle);
        history = List.copyOf(history);
    }

    /**
     * A pending unit.
     *
     * @param seq position in the run order (0-based)
     * @param round the cycle round it belongs to (0-based)
     * @param experiment the experiment's index
     * @param cycle the experiment's cycle (0-based)
     * @return the unit, with no attempt
     */
    public static ManifestUnit pending(int seq, int round, int experiment, int cycle) {
        return new ManifestUnit(seq, round, experiment, cycle, UnitStatus.PENDING, 0, Optional.empty(),
                Optional.empty(), List.of(), 0, Optional.empty(), false, false, List.of(), Optional.empty(), List.of(),
                Optional.empty());
    }

    /**
     * This unit with another status.
     *
     * @param s the new status
     * @return the copy
     */
    public ManifestUnit withStatus(UnitStatus s) {
        return new ManifestUnit(seq, round, experiment, cycle, s, attempts, startedAt, endedAt, files, gapWaitedS,
                gapNote, loadedModel, warmedUp, throttle, failure, history, placement);
    }

    /**
     * This unit handed back to be run again from scratch (its process stopped while it ran, or a resume renewed
     * its attempts): pending, its attempt count and history kept, with one more history line; its files, pause,
     * model-load, warm-up and throttle records cleared, its last failure and placement kept.
     *
     * @param historyLine the line added to its history (e.g. {@code "attempt 2: rerun after interruption"})
     * @return the copy, pending
     */
    public ManifestUnit handedBack(String historyLine) {
        List<String> h = new java.util.ArrayList<>(history);
        h.add(historyLine);
        return new ManifestUnit(seq, round, experiment, cycle, UnitStatus.PENDING, attempts, startedAt, endedAt,
                List.of(), 0, Optional.empty(), false, false, List.of(), failure, h, placement);
    }

    /**
     * Wall-clock seconds of its last attempt, when it ended.
     *
     * @return the duration, s; empty until the attempt ended
     */
    public Optional<Double> durationS() {
        return startedAt.flatMap(s -> endedAt.map(e -> java.time.Duration.between(s, e).toNanos() / 1e9));
    }

    @Override
    public String toString() {
        return "unit " + (seq + 1) + ": experiment " + (experiment + 1) + " cycle " + (cycle + 1) + " " + status
                + (attempts > 1 ? " after " + attempts + " attempts" : "") + failure.map(f -> " (" + f + ")").orElse("")
                + placement.filter(Placement::slurm).map(p -> " on " + p.node() + " (Slurm task " + p.slurmTask()
                        .orElse("?") + ")").orElse("");
    }
}
