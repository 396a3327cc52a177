package dev.lem.spi;

/**
 * Log-probabilities of a given text under the loaded model, for perplexity ({@code quality.perplexity.*}). Offered
 * by a backend through {@link InferenceBackend#tokenScorer()}; the core cuts the text into windows and calls
 * {@link #logProbabilities} once per window, outside the cycles' energy windows (docs/quality.md).
 *
 * <p>Called from one thread at a time, after {@link InferenceBackend#load()}.
 */
public interface TokenScorer {

    /**
     * The token ids the model's tokenizer makes of {@code text}, with the special tokens it adds to the start of a
     * text (a BOS token), as a prompt would be encoded.
     *
     * @param text the text
     * @return the token ids
     * @throws TokenScoringException when the backend cannot tokenize text (e.g. a server without a tokenize
     *                               endpoint); its message says why
     */
    int[] tokenize(String text);

    /**
     * The natural-log probability of each token of {@code tokens} from position {@code from} on, given every token
     * before it in {@code tokens} (the window): element {@code i - from} is ln P(tokens[i] | tokens[0..i)).
     *
     * @param tokens the window's token ids
     * @param from   the first position scored, at least 1 (the first token has no context)
     * @return {@code tokens.length - from} log-probabilities, each at most 0
     * @throws TokenScoringException when the backend or server does not offer them; its message says why
     */
    double[] logProbabilities(int[] tokens, int from);

    /** {@return the longest window this scorer accepts, tokens (the model's context)} */
    int maxWindowTokens();

    /**
     * How the log-probabilities are obtained, one line for results, e.g. {@code "djl forward pass (float32 logits),
     * log-softmax in float64"} or {@code "server prompt_logprobs (vLLM)"}.
     *
     * @return the method
     */
    String method();
}
