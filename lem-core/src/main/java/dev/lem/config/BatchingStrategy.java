package dev.lem.config;

/** How requests are grouped into batches by in-process backends ({@code batching.strategy}). */
public enum BatchingStrategy implements Choice {
    /** In order, {@code batch_size} at a time. */
    @Doc("in order, batch_size at a time")
    STATIC,
    /** By prompt length first, so rows of a batch need less padding. */
    @Doc("by prompt length first (less padding)")
    SORTED,
    /** By prompt length, filling each batch up to {@code max_batch_tokens}. */
    @Doc("by prompt length, filling each batch up to max_batch_tokens")
    DYNAMIC;

    @Override
    public String toString() {
        return Choice.word(this);
    }
}
