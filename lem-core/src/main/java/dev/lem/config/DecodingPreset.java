package dev.lem.config;

/** A named set of decoding settings ({@code decoding.preset}); values set explicitly win over it. */
public enum DecodingPreset implements Choice {
    /** Greedy decoding. */
    @Doc("greedy")
    DETERMINISTIC,
    /** Temperature 0.7, top-p 0.9, top-k 50. */
    @Doc("temperature 0.7, top-p 0.9, top-k 50")
    STANDARD,
    /** Temperature 1.0, top-p 0.95. */
    @Doc("temperature 1.0, top-p 0.95")
    CREATIVE,
    /** Temperature 0.3, top-p 0.8, top-k 40. */
    @Doc("temperature 0.3, top-p 0.8, top-k 40")
    FACTUAL;

    @Override
    public String toString() {
        return Choice.word(this);
    }
}
