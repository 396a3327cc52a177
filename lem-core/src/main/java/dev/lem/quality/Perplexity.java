package dev.lem.quality;

import dev.lem.config.QualityConfig;
import dev.lem.spi.TokenScorer;
import dev.lem.spi.TokenScoringException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Perplexity by a sliding window, the method of Hugging Face's "Perplexity of fixed-length models": the text is
 * tokenised once and cut to its first {@code max_tokens} tokens; windows of {@code window} tokens end {@code stride}
 * tokens apart ({@link #plan}); each window scores only the tokens after the previous window's end, so every token but
 * the first is scored exactly once, each with the window's tokens before it as context — at least
 * {@code window − stride} of them once the first window has passed (the last window too, which ends at the text's
 * end and reaches back a whole window).
 * Perplexity is exp of the token-weighted mean negative log-likelihood ({@link PerplexityResult}).
 */
public final class Perplexity {
    /** The largest log-probability above 0 taken as 0 (rounding of a near-certain token). */
    static final double ROUNDING = 1e-4;
    private Perplexity() {
    }

    /**
     * One window of the plan.
     *
     * @param start its first token's position
     * @param end   one past its last token's position
     * @param from  the first position it scores, relative to {@code start} (at least 1)
     */
    public record Span(int start, int end, int from) {
        /** {@return how many tokens the window scores} */
        public int scored() {
            return end - start - from;
        }
    }

    /**
     * The windows over a text of {@code tokens} tokens: the first is {@code [0, min(window, tokens))} and scores from
     * position 1; each next one ends {@code stride} tokens later (or at the text's end), starts {@code window} tokens
     * before its end, and scores the tokens after the previous window's end. Every scored token after the first window
     * thus has at least {@code window − stride} tokens of context — the last window too.
     *
     * @param tokens the text's length, tokens (at least 2)
     * @param window the window, tokens (at least 2)
     * @param stride the stride, tokens (1 to window − 1)
     * @return the windows, in order; together they score tokens 1 to {@code tokens − 1} exactly once
     * @throws IllegalArgumentException when an argument is out of range
     */
    public static List<Span> plan(int tokens, int window, int stride) {
        if (tokens < 2 || window < 2 || stride < 1 || stride >= window) {
            throw new IllegalArgumentException("tokens (" + tokens + ") and window (" + window
                    + ") must be >= 2 and stride (" + stride + ") between 1 and the window - 1");
        }
        List<Span> out = new ArrayList<>();
        int end = Math.min(window, tokens);
        out.add(new Span(0, end, 1));
        while (end < tokens) {
            int next = Math.min(end + stride, tokens);
            int start = Math.max(0, next - window);
            out.add(new Span(start, next, end - start));
            end = next;
        }
        return out;
    }

    /**
     * Measures perplexity on a text through a scorer.
     *
     * @param scorer   the backend's log-probabilities
     * @param text     the text
     * @param settings window, stride and the most tokens
     * @return the result, with every window
     * @throws TokenScoringException when the scorer cannot give log-probabilities (the reason is its message), when
     *                               the text has fewer than 2 tokens, or when the window exceeds the model's context
     */
    public static PerplexityResult measure(TokenScorer scorer, QualityText text, QualityConfig.Perplexity settings) {
        int[] all = scorer.tokenize(text.text());
        if (all.length < 2) {
            throw new TokenScoringException("the text " + text.name() + " has " + all.length + " token(s): perplexity "
                    + "needs at least 2");
        }
        int[] ids = all.length > settings.maxTokens() ? Arrays.copyOf(all, settings.maxTokens()) : all;
        int max = scorer.maxWindowTokens();
        if (settings.window() > max && ids.length > max) {
            throw new TokenScoringException("quality.perplexity.window (" + settings.window() + " tokens) is longer "
                    + "than the model's context (" + max + " tokens): set quality.perplexity.window to at most " + max);
        }
        List<PerplexityResult.Window> windows = new ArrayList<>();
        for (Span s : plan(ids.length, settings.window(), Math.min(settings.stride(), settings.window() - 1))) {
            double[] lp = scorer.logProbabilities(Arrays.copyOfRange(ids, s.start(), s.end()), s.from());
            if (lp.length != s.scored()) {
                throw new TokenScoringException("the scorer returned " + lp.length + " log-probabilities for a window "
                        + "that scores " + s.scored() + " tokens (" + scorer.method() + ")");
            }
            double nll = 0;
            for (double v : lp) {
                // float32 arithmetic may leave a certain token a hair above 0; anything else is a broken scorer
                if (!(v <= ROUNDING) || Double.isInfinite(v)) {
                    throw new TokenScoringException("the scorer returned a log-probability of " + v + " (not a finite "
                            + "value <= 0) in the window at token " + s.start() + " (" + scorer.method() + ")");
                }
                nll -= Math.min(v, 0);
            }
            windows.add(new PerplexityResult.Window(s.start(), s.end(), s.scored(), nll));
        }
        return new PerplexityResult(text.name(), scorer.method(), settings.window(), settings.stride(), all.length,
                ids.length, windows);
    }
}
