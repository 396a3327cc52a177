package dev.lem.model;

import java.util.Objects;

/**
 * Rotary-embedding frequency scaling from a Hugging Face {@code rope_scaling} entry.
 *
 * @param type                          {@code "llama3"}, {@code "linear"} or {@code "dynamic"}
 * @param factor                        scaling factor
 * @param lowFreqFactor                 llama3 only (1.0 otherwise)
 * @param highFreqFactor                llama3 only (4.0 otherwise)
 * @param originalMaxPositionEmbeddings llama3 only: the context the model was pre-trained at
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
        int originalMaxPositionEmbeddings) {
    /**
     * Checks that the type is set.
     *
     * @param type {@code "llama3"}, {@code "linear"} or {@code "dynamic"}
     * @param factor scaling factor
     * @param lowFreqFactor llama3 only (1.0 otherwise)
     * @param highFreqFactor llama3 only (4.0 otherwise)
     * @param originalMaxPositionEmbeddings llama3 only: the context the model was pre-trained at
     */
    public RopeScaling {
        Objects.requireNonNull(type, "type");
    }
}
