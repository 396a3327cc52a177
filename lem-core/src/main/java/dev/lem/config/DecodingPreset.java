package dev.lem.config;

/** A named set of decoding settings ({@code decoding.preset}); values set explicitly win over it. */
public enum DecodingPreset implements Choice {
    /** Greedy decoding. */
    DETERMINISTIC("greedy"),
    /** Temperature 0.7, top-p 0.9, top-k 50. */
    STANDARD("temperature 0.7, top-p 0.9, top-k 50"),
    /** Temperature 1.0, top-p 0.95. */
    CREATIVE("temperature 1.0, top-p 0.95"),
    /** Temperature 0.3, top-p 0.8, top-k 40. */
    FACTUAL("temperature 0.3, top-p 0.8, top-k 40");

    private final String description;

    DecodingPreset(String description) {
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
