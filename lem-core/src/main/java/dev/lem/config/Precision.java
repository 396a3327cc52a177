package dev.lem.config;

/** The data type computations run in ({@code precision}). */
public enum Precision implements Choice {
    /** 32-bit floating point. */
    FP32("32-bit floating point"),
    /** 16-bit floating point (GPUs). */
    FP16("16-bit floating point (GPUs)"),
    /** bfloat16. */
    BF16("bfloat16 (refused by the djl backend on CPU)"),
    /** The checkpoint's own type, or the backend's choice. */
    AUTO("the checkpoint's own type, or the backend's choice");

    private final String description;

    Precision(String description) {
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
