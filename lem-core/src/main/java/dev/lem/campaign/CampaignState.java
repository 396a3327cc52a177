package dev.lem.campaign;

import dev.lem.config.Choice;

/** Where a campaign stands. */
public enum CampaignState implements Choice {
    /** Created, not started. */
    @Doc("created, not started")
    PLANNED,
    /**
     * Handed to Slurm: its worker array and aggregation job are queued or running ({@code lem campaign status}
     * shows their states); the aggregation job sets the final state.
     */
    @Doc("handed to Slurm; its jobs are queued or running")
    SUBMITTED,
    /** Its process is running it (or died without a chance to say so: then its pid is no longer alive). */
    @Doc("running (or killed without a chance to record it)")
    RUNNING,
    /** Stopped by SIGINT/SIGTERM; `lem campaign resume` runs the units not done. */
    @Doc("stopped by a signal; resumable")
    INTERRUPTED,
    /** Every unit ran; some failed after their retries. */
    @Doc("every unit ran, some failed")
    FAILED,
    /** Every unit done. */
    @Doc("every unit done")
    COMPLETE;

    @Override
    public String toString() {
        return Choice.word(this);
    }
}
