package dev.lem.result;

/**
 * Where one process of an experiment stands, as its {@code setup_<rank>.json} records it. A process writes
 * {@link #RUNNING} when it starts and one of the others as it ends; a file still saying {@link #RUNNING} after the
 * process is gone is a process that had no chance to write (killed with SIGKILL, out of memory, the machine
 * stopped).
 */
public enum RunStatus {
    /** Started and not ended yet (or ended without a chance to say so). */
    RUNNING,
    /** Ran every planned cycle. */
    COMPLETE,
    /** Stopped by an error; {@code failure} says which. */
    FAILED,
    /** Stopped by a signal (SIGINT, SIGTERM) or an interruption; {@code failure} says after which cycle. */
    INTERRUPTED;

    /**
     * The system property a program sets to a signal's name (e.g. {@code SIGINT}) before it exits on that
     * signal (the lem command does), so that the interruption recorded in a running experiment names it.
     */
    public static final String SIGNAL_PROPERTY = "lem.shutdown.signal";
}
