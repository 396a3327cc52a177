package dev.lem.campaign;

import java.util.Map;

/**
 * A grid combination that is not run, and why: its configuration failed validation (the reason names each key,
 * value and rule), or it is the same experiment as another because a varied key has no effect on its backend.
 *
 * @param label   the combination, e.g. {@code backend=openai batching.batch_size=4}
 * @param varied  its grid values
 * @param reason  why it is not run
 * @param invalid true when it failed validation; false when it duplicates another experiment
 */
public record SkippedCombination(String label, Map<String, Object> varied, String reason, boolean invalid) {
    /**
     * Copies the grid values, keeping their order.
     *
     * @param label the combination
     * @param varied its grid values
     * @param reason why it is not run
     * @param invalid true when it failed validation; false when it duplicates another experiment
     */
    public SkippedCombination {
        varied = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(varied));
    }

    @Override
    public String toString() {
        return label + ": " + reason;
    }
}
