package dev.lem.result;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a run stands, for progress bars: units done of the total (cycles of an experiment, or unit = one cycle of
 * one experiment in a campaign), what runs now, and the expected time left.
 *
 * @param task    the experiment or campaign id
 * @param done    units finished (done or failed)
 * @param total   units in all
 * @param current what runs now, e.g. "cycle 2 of 5" or "backend=djl batching.batch_size=4, cycle 2"
 * @param eta     expected time left, once one unit has finished
 */
public record Progress(String task, int done, int total, String current, Optional<Duration> eta) {
    /**
     * Checks that the text and time components are set.
     *
     * @param task the experiment or campaign id
     * @param done units finished (done or failed)
     * @param total units in all
     * @param current what runs now
     * @param eta expected time left, once one unit has finished
     */
    public Progress {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(eta, "eta");
    }

    @Override
    public String toString() {
        return task + ": " + done + "/" + total + " " + current + eta.map(e -> ", about " + e.toSeconds() + " s left")
                .orElse("");
    }
}
