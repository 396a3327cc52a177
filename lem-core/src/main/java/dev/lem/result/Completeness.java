package dev.lem.result;

/**
 * Whether an experiment's results are the whole planned experiment. Only {@link #COMPLETE} results are presented
 * as finished; every other state says why in {@link ExperimentResult#statusReason()}, and its summary is over the
 * cycles that did complete.
 */
public enum Completeness {
    /** Every process ran every planned cycle, and no more requests failed than {@code stats.max_failure_rate}. */
    COMPLETE,
    /** Stopped by a signal or an interruption; the cycles completed before it are kept. */
    INTERRUPTED,
    /** Stopped by an error, or too many requests failed; the cycles completed before it are kept. */
    FAILED,
    /**
     * A process left no end marker: it is still running, or it was killed without a chance to write one
     * (SIGKILL, out of memory, power loss). The cycles it wrote are kept.
     */
    INCOMPLETE
}
