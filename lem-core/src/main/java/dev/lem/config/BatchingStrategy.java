package dev.lem.config;

/** How requests are grouped into batches by in-process backends ({@code batching.strategy}). */
public enum BatchingStrategy implements Choice {
    /** In order, {@code batch_size} at a time. */
    STATIC("in order, batch_size at a time"),
    /** By prompt length first, so rows of a batch need less padding. */
    SORTED("by prompt length first (less padding)"),
    /** By prompt length, filling each batch up to {@code max_batch_tokens}. */
    DYNAMIC("by prompt length, filling each batch up to max_batch_tokens");

    private final String description;

    BatchingStrategy(String description) {
        this.description = description;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return Choice.word(this);
    }
}
