package dev.lem.config;

/**
 * How tokens are chosen ({@code decoding.*}).
 *
 * @param preset      the preset the values came from
 * @param greedy      take the most likely token every time
 * @param temperature sampling temperature (0 means greedy)
 * @param topK        sample among the k most likely tokens (0: off)
 * @param topP        nucleus sampling mass (1: off)
 * @param ignoreEos   keep generating past end-of-sequence up to the maximum
 */
public record DecodingConfig(
        @Key(doc = "A named set of decoding settings; values set explicitly win over the preset.",
                defaultValue = "deterministic") DecodingPreset preset,
        @Key(doc = "Always take the most likely token (temperature, top-k and top-p unused).", defaultValue = "true")
        boolean greedy,
        @Key(doc = "Sampling temperature (0 means greedy).", defaultValue = "1.0", min = 0, max = 100) double temperature,
        @Key(doc = "Sample among the k most likely tokens (0: off).", defaultValue = "0", min = 0, max = 10_000_000,
                unit = "tokens") int topK,
        @Key(doc = "Nucleus sampling: smallest set of tokens with this probability mass.", defaultValue = "1.0",
                min = 0, max = 1) double topP,
        @Key(doc = "Keep generating past end-of-sequence up to max_output_tokens (fixed-length benchmarks).",
                defaultValue = "true") boolean ignoreEos) {

    /**
     * Greedy decoding, stopping at end-of-sequence unless {@code ignoreEos}.
     *
     * @param ignoreEos whether to keep generating past the end-of-sequence token
     * @return the decoding settings
     */
    public static DecodingConfig greedyDecoding(boolean ignoreEos) {
        return new DecodingConfig(DecodingPreset.DETERMINISTIC, true, 1.0, 0, 1.0, ignoreEos);
    }

    /** {@return true when the next token is always the arg-max (greedy, or temperature 0)} */
    public boolean isGreedy() {
        return greedy || temperature == 0.0;
    }
}
