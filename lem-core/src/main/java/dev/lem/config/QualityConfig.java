package dev.lem.config;

import java.util.Optional;

/**
 * Quality measured beside the cycles ({@code quality.*}): perplexity on a text, once per experiment, outside the
 * cycles' energy windows and in an energy window of its own (docs/quality.md).
 *
 * @param perplexity perplexity on a text
 */
public record QualityConfig(
        @Key(doc = "Perplexity of the model on a text, measured once per experiment after its cycles (in its own "
                + "energy window, never inside a cycle's).") Perplexity perplexity) {

    /**
     * Perplexity on a text ({@code quality.perplexity.*}): a sliding window of {@code window} tokens moved by
     * {@code stride}; each window scores the tokens the previous one did not; perplexity is exp of the
     * token-weighted mean negative log-likelihood, with an interval across the windows.
     *
     * @param dataset   {@code builtin}, or a .txt or .jsonl file (absolute once resolved); empty: no perplexity
     * @param field     the JSON field of each text in a .jsonl file
     * @param maxTokens the most tokens of the text evaluated (its first ones)
     * @param window    the longest context of one forward pass
     * @param stride    how far the window moves
     */
    public record Perplexity(
            @Key(doc = "The text: builtin (chapters 1-3 of Herman Melville's Moby-Dick, public domain, shipped with "
                    + "LEM), or a .jsonl file (one JSON object per line, the text in quality.perplexity.field; texts "
                    + "joined by a blank line), or any other text file (the whole file is one text, UTF-8); relative paths resolve against the "
                    + "config file. Unset: no perplexity.", path = true) Optional<String> dataset,
            @Key(doc = "The JSON field holding each text of a .jsonl dataset.", defaultValue = "text") String field,
            @Key(doc = "The most tokens of the text evaluated (its first ones, as the model's tokenizer counts).",
                    defaultValue = "2048", min = 2, max = 100_000_000, unit = "tokens") int maxTokens,
            @Key(doc = "The sliding window: the longest context of one forward pass (at most the model's context).",
                    defaultValue = "512", min = 2, max = 1_048_576, unit = "tokens") int window,
            @Key(doc = "How far the window moves; each window scores only the tokens the one before did not, so every "
                    + "token after the first window has at least window - stride tokens of context.",
                    defaultValue = "256", min = 1, max = 1_048_576, unit = "tokens") int stride) {

        /** The word naming the text shipped with LEM. */
        public static final String BUILTIN = "builtin";

        /** {@return whether perplexity is asked for} */
        public boolean enabled() {
            return dataset.isPresent() && !dataset.get().isBlank() && !dataset.get().equals("none");
        }
    }
}
