package dev.lem.quality;

import dev.lem.stats.CrossCycleStatistics;
import dev.lem.stats.CycleSample;
import dev.lem.stats.Estimate;
import dev.lem.stats.Interval;
import dev.lem.stats.IntervalSettings;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Perplexity of a model on a text, as measured ({@link Perplexity#measure}): every window's scored tokens and their
 * summed negative log-likelihood, kept raw so that the estimate can be recomputed with any interval settings (late
 * aggregation, as for cycles).
 *
 * <p>Perplexity = exp(Σ NLL / Σ tokens) over the windows: the token-weighted mean negative log-likelihood, the same
 * figure as scoring every token once. Its interval ({@link #estimate}) is the interval of that mean — a ratio of sums
 * over the windows, exactly as ratio metrics are over cycles (docs/statistics.md) — exponentiated.
 *
 * @param dataset         the text, as {@link QualityText#name()} names it
 * @param scorer          how the log-probabilities were obtained ({@link dev.lem.spi.TokenScorer#method()})
 * @param window          the window, tokens
 * @param stride          the stride, tokens
 * @param textTokens      tokens of the whole text, as the model's tokenizer counts
 * @param evaluatedTokens tokens taken from the start of the text ({@code min(textTokens, max_tokens)})
 * @param windows         each window, in order
 */
public record PerplexityResult(String dataset, String scorer, int window, int stride, int textTokens,
        int evaluatedTokens, List<Window> windows) {

    /**
     * One window of the text.
     *
     * @param start            its first token's position in the text
     * @param end              one past its last token's position
     * @param scored           tokens whose log-probability it contributed (those the previous window did not score)
     * @param negLogLikelihood Σ −ln P(token | context) over the scored tokens, nats
     */
    public record Window(int start, int end, int scored, double negLogLikelihood) {
    }

    /**
     * Checks the components and copies the windows.
     *
     * @param dataset the text
     * @param scorer how the log-probabilities were obtained
     * @param window the window, tokens
     * @param stride the stride, tokens
     * @param textTokens tokens of the whole text
     * @param evaluatedTokens tokens taken from the start of the text
     * @param windows each window, in order
     * @throws IllegalArgumentException when there is no window or no token was scored
     */
    public PerplexityResult {
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(scorer, "scorer");
        windows = List.copyOf(windows);
        if (windows.isEmpty() || windows.stream().mapToLong(Window::scored).sum() == 0) {
            throw new IllegalArgumentException("a perplexity needs at least one scored token");
        }
    }

    /** {@return Σ scored tokens over the windows} */
    public long scoredTokens() {
        return windows.stream().mapToLong(Window::scored).sum();
    }

    /** {@return the token-weighted mean negative log-likelihood, nats per token} */
    public double meanNegLogLikelihood() {
        return windows.stream().mapToDouble(Window::negLogLikelihood).sum() / scoredTokens();
    }

    /** {@return exp of the token-weighted mean negative log-likelihood} */
    public double perplexity() {
        return Math.exp(meanNegLogLikelihood());
    }

    /** {@return bits per token: the mean negative log-likelihood in bits} */
    public double bitsPerToken() {
        return meanNegLogLikelihood() / Math.log(2);
    }

    /**
     * Perplexity with its interval: the interval of the mean negative log-likelihood per token (Σ NLL / Σ tokens
     * over the windows, with {@code settings}' method: the delta-method t interval below 100 windows, as for ratio
     * metrics over cycles), exponentiated. The windows of one text are treated as independent observations; adjacent
     * windows share context and text, so the interval is an indication of how much the figure depends on which
     * passage was read, not a sampling guarantee. The standard deviation and CV are those of the windows' own
     * perplexities.
     *
     * @param settings the interval's method and level
     * @param seed the seed of a bootstrap's resampling
     * @return the estimate, {@code n} = windows, unit {@code perplexity}
     */
    public Estimate estimate(IntervalSettings settings, long seed) {
        int n = windows.size();
        double[] nll = new double[n];
        double[] tokens = new double[n];
        double[] ppl = new double[n];
        for (int i = 0; i < n; i++) {
            Window w = windows.get(i);
            nll[i] = w.negLogLikelihood();
            tokens[i] = w.scored();
            ppl[i] = w.scored() == 0 ? Double.NaN : Math.exp(w.negLogLikelihood() / w.scored());
        }
        double mean = perplexity();
        Optional<Double> std = Optional.empty();
        double[] finite = java.util.Arrays.stream(ppl).filter(Double::isFinite).toArray();
        if (finite.length >= 2) {
            std = dev.lem.stats.Descriptive.of(finite).std();
        }
        Optional<Double> cv = std.map(s -> s / mean);
        String basis = "measured: " + scorer;
        if (n < 2) {
            return new Estimate(n, mean, std, cv, Optional.empty(), settings.level(), "one window: no interval (use "
                    + "more tokens, quality.perplexity.max_tokens, or a smaller quality.perplexity.stride)", List.of(),
                    "perplexity", basis);
        }
        Estimate e = CrossCycleStatistics.estimate(CycleSample.ratioOfSums(nll, tokens), settings, seed, false);
        Optional<Interval> interval = e.interval().map(i -> new Interval(Math.exp(i.low()), Math.exp(i.high()),
                i.method()));
        String note = String.format(Locale.ROOT, "exp of the %s interval of the mean negative log-likelihood per token "
                + "over %d windows of the text (%d tokens scored); windows treated as independent",
                e.method(), n, scoredTokens());
        return new Estimate(n, mean, std, cv, interval, settings.level(), note, List.of(), "perplexity", basis);
    }

    /** One line, e.g. {@code perplexity 23.41 over 2047 tokens of builtin: ... (7 windows of 512, stride 256)}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "perplexity %.4g over %d tokens of %s (%d windows of %d, stride %d; %s)",
                perplexity(), scoredTokens(), dataset, windows.size(), window, stride, scorer);
    }
}
