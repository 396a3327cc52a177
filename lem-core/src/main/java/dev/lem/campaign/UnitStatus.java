package dev.lem.campaign;

import dev.lem.config.Choice;

/** Where one unit (one cycle of one experiment) of a campaign stands. */
public enum UnitStatus implements Choice {
    /** Not run yet (or to run again: it was running when its process died, or it failed before a resume). */
    @Doc("not run yet")
    PENDING,
    /** Running now, or its process died while it ran (a resume runs it again from scratch). */
    @Doc("running, or interrupted while running")
    RUNNING,
    /** Its cycle was measured and recorded. */
    @Doc("measured and recorded")
    DONE,
    /** Every attempt failed; the reason is recorded. */
    @Doc("every attempt failed")
    FAILED;

    @Override
    public String toString() {
        return Choice.word(this);
    }
}
