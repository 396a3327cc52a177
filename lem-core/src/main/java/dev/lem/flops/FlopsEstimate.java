package dev.lem.flops;

import java.util.Objects;

/**
 * Floating-point operations of one cycle's work (one multiply-add counts as 2 FLOPs).
 *
 * @param estimator     the estimator's name
 * @param confidence    how the figure was obtained
 * @param prefillFlops  FLOPs spent on prompts (prefill)
 * @param decodeFlops   FLOPs spent generating tokens (decode)
 * @param notes         what the figure includes (e.g. "padding included: 1,024 padded tokens")
 */
public record FlopsEstimate(String estimator, FlopsConfidence confidence, double prefillFlops, double decodeFlops,
        String notes) {
    /**
     * Checks that the text and confidence components are set.
     *
     * @param estimator the estimator's name
     * @param confidence how the figure was obtained
     * @param prefillFlops FLOPs spent on prompts (prefill)
     * @param decodeFlops FLOPs spent generating tokens (decode)
     * @param notes what the figure includes
     */
    public FlopsEstimate {
        Objects.requireNonNull(estimator, "estimator");
        Objects.requireNonNull(confidence, "confidence");
        Objects.requireNonNull(notes, "notes");
    }

    /** {@return prefill + decode FLOPs} */
    public double totalFlops() {
        return prefillFlops + decodeFlops;
    }
}
