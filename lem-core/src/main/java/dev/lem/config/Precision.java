package dev.lem.config;

/** The data type computations run in ({@code precision}). */
public enum Precision implements Choice {
    /** 32-bit floating point. */
    @Doc("32-bit floating point")
    FP32,
    /** 16-bit floating point (GPUs). */
    @Doc("16-bit floating point (GPUs)")
    FP16,
    /** bfloat16. */
    @Doc("bfloat16 (djl: bf16 matrices in the compiled program, float32 elsewhere)")
    BF16,
    /** The checkpoint's own type, or the backend's choice. */
    @Doc("the checkpoint's own type, or the backend's choice")
    AUTO;

    @Override
    public String toString() {
        return Choice.word(this);
    }
}
