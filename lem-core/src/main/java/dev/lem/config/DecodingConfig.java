package dev.lem.config;

/**
 * How tokens are chosen ({@code decoding.*}).
 *
 * @param preset      the preset the values came from: deterministic, standard, creative or factual
 * @param greedy      take the most likely token every time
 * @param temperature sampling temperature (0 means greedy)
 * @param topK        sample among the k most likely tokens (0: off)
 * @param topP        nucleus sampling mass (1: off)
 * @param ignoreEos   keep generating past end-of-sequence up to the maximum
 */
public record DecodingConfig(String preset, boolean greedy, double temperature, int topK, double topP,
        boolean ignoreEos) {

    /** Greedy decoding that stops at end-of-sequence. */
    public static DecodingConfig greedyDecoding(boolean ignoreEos) {
        return new DecodingConfig("deterministic", true, 1.0, 0, 1.0, ignoreEos);
    }

    /** True when the next token is always the arg-max (greedy, or temperature 0). */
    public boolean isGreedy() {
        return greedy || temperature == 0.0;
    }
}
