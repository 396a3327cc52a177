package dev.lem.config;

/** How warm-up decides it is done ({@code warmup.mode}). */
public enum WarmupMode implements Choice {
    /** A fixed number of runs ({@code warmup.runs}). */
    @Doc("warmup.runs runs")
    FIXED,
    /** Until the latency CV of the last {@code warmup.window} runs is at most {@code warmup.cv_threshold}. */
    @Doc("until the latency CV of the last warmup.window runs is at most warmup.cv_threshold")
    CONVERGE;

    @Override
    public String toString() {
        return Choice.word(this);
    }
}
