package dev.lem.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lem.Metric;
import dev.lem.config.QualityConfig;
import dev.lem.spi.TokenScorer;
import dev.lem.spi.TokenScoringException;
import dev.lem.stats.CiMethod;
import dev.lem.stats.Estimate;
import dev.lem.stats.IntervalSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The sliding window and the perplexity figure, on scorers whose log-probabilities are scripted. */
class PerplexityTest {
    private static final IntervalSettings T95 = new IntervalSettings(0.95, 1000, CiMethod.AUTO);

    /** A scorer over whitespace words whose token i (by position in the text) has log-probability lp(i). */
    static final class Scripted implements TokenScorer {
        final java.util.function.IntToDoubleFunction lp;
        final int context;
        final List<int[]> calls = new ArrayList<>();

        Scripted(java.util.function.IntToDoubleFunction lp, int context) {
            this.lp = lp;
            this.context = context;
        }

        @Override
        public int[] tokenize(String text) {
            // token id = position, so the scorer knows which token it scores
            int n = text.isBlank() ? 0 : text.trim().split("\\s+").length;
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) {
                ids[i] = i;
            }
            return ids;
        }

        @Override
        public double[] logProbabilities(int[] tokens, int from) {
            calls.add(new int[] {tokens[0], tokens.length, from});
            double[] out = new double[tokens.length - from];
            for (int i = from; i < tokens.length; i++) {
                out[i - from] = lp.applyAsDouble(tokens[i]);
            }
            return out;
        }

        @Override
        public int maxWindowTokens() {
            return context;
        }

        @Override
        public String method() {
            return "scripted";
        }
    }

    static QualityText words(int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append("w").append(i).append(' ');
        }
        return new QualityText("words", s.toString());
    }

    static QualityConfig.Perplexity settings(int maxTokens, int window, int stride) {
        return new QualityConfig.Perplexity(Optional.of("builtin"), "text", maxTokens, window, stride);
    }

    @Test
    void theWindowsScoreEveryTokenButTheFirstExactlyOnce() {
        for (int[] c : new int[][] {{100, 16, 8}, {100, 16, 15}, {100, 16, 1}, {17, 16, 8}, {5, 16, 8}, {2, 2, 1}}) {
            List<Perplexity.Span> plan = Perplexity.plan(c[0], c[1], c[2]);
            boolean[] scored = new boolean[c[0]];
            for (Perplexity.Span s : plan) {
                assertThat(s.end() - s.start()).isLessThanOrEqualTo(c[1]);
                assertThat(s.from()).isGreaterThanOrEqualTo(1);
                for (int i = s.start() + s.from(); i < s.end(); i++) {
                    assertThat(scored[i]).as("token " + i + " scored twice").isFalse();
                    scored[i] = true;
                }
            }
            assertThat(scored[0]).isFalse();
            for (int i = 1; i < c[0]; i++) {
                assertThat(scored[i]).as("token " + i + " of " + c[0]).isTrue();
            }
        }
        // after the first window, every scored token has at least window - stride tokens of context
        for (Perplexity.Span s : Perplexity.plan(100, 16, 4)) {
            if (s.start() > 0) {
                assertThat(s.from()).isGreaterThanOrEqualTo(12);
            }
        }
    }

    @Test
    void aConstantProbabilityHalfGivesPerplexityTwoWithAZeroWidthInterval() {
        Scripted scorer = new Scripted(i -> Math.log(0.5), 1000);
        PerplexityResult p = Perplexity.measure(scorer, words(50), settings(1000, 16, 8));
        assertThat(p.perplexity()).isCloseTo(2.0, within(1e-12));
        assertThat(p.bitsPerToken()).isCloseTo(1.0, within(1e-12));
        assertThat(p.scoredTokens()).isEqualTo(49);
        Estimate e = p.estimate(T95, 1);
        assertThat(e.mean()).isCloseTo(2.0, within(1e-12));
        assertThat(e.interval()).hasValueSatisfying(i -> assertThat(i.low()).isCloseTo(2.0, within(1e-12)));
        assertThat(e.unit()).isEqualTo(Metric.PERPLEXITY.unit());
        assertThat(e.basis()).isEqualTo("measured: scripted");
    }

    @Test
    void perplexityIsExpOfTheTokenWeightedMeanAndItsIntervalTheExpOfThatMeansInterval() {
        // log-probabilities that differ by position: a harder second half
        Scripted scorer = new Scripted(i -> i < 40 ? -1.0 : -3.0, 1000);
        PerplexityResult p = Perplexity.measure(scorer, words(81), settings(1000, 20, 10));
        // tokens 1..39 at 1 nat, 40..80 at 3 nats: (39 + 41·3) / 80
        assertThat(p.meanNegLogLikelihood()).isCloseTo((39 + 123) / 80.0, within(1e-12));
        assertThat(p.perplexity()).isCloseTo(Math.exp(162 / 80.0), within(1e-9));
        Estimate e = p.estimate(T95, 1);
        assertThat(e.n()).isEqualTo(p.windows().size());
        assertThat(e.interval()).hasValueSatisfying(i -> {
            assertThat(i.method()).isEqualTo("t_delta");
            assertThat(i.low()).isLessThan(e.mean());
            assertThat(i.high()).isGreaterThan(e.mean());
            // exponentiated bounds of the mean NLL's interval: symmetric on the log scale
            assertThat(Math.log(e.mean()) - Math.log(i.low()))
                    .isCloseTo(Math.log(i.high()) - Math.log(e.mean()), within(1e-9));
        });
        assertThat(e.note()).contains("windows of the text");
    }

    @Test
    void maxTokensCutsTheTextAndTheScorerSeesEachWindowOnce() {
        Scripted scorer = new Scripted(i -> -2.0, 1000);
        PerplexityResult p = Perplexity.measure(scorer, words(500), settings(64, 32, 16));
        assertThat(p.textTokens()).isEqualTo(500);
        assertThat(p.evaluatedTokens()).isEqualTo(64);
        assertThat(p.scoredTokens()).isEqualTo(63);
        // windows [0,32) from 1, [16,48) from 16, [32,64) from 16
        assertThat(scorer.calls).containsExactly(new int[] {0, 32, 1}, new int[] {16, 32, 16}, new int[] {32, 32, 16});
    }

    @Test
    void aWindowLongerThanTheContextOrABrokenScorerIsAClearUnavailableReason() {
        assertThatThrownBy(() -> Perplexity.measure(new Scripted(i -> -1, 64), words(200), settings(1000, 128, 64)))
                .isInstanceOf(TokenScoringException.class).hasMessageContaining("quality.perplexity.window (128 tokens)")
                .hasMessageContaining("at most 64");
        assertThatThrownBy(() -> Perplexity.measure(new Scripted(i -> 0.5, 64), words(20), settings(1000, 8, 4)))
                .isInstanceOf(TokenScoringException.class).hasMessageContaining("log-probability of 0.5");
        assertThatThrownBy(() -> Perplexity.measure(new Scripted(i -> -1, 64), words(1), settings(1000, 8, 4)))
                .isInstanceOf(TokenScoringException.class).hasMessageContaining("needs at least 2");
    }

    @Test
    void oneWindowHasNoInterval() {
        PerplexityResult p = Perplexity.measure(new Scripted(i -> -1.5, 1000), words(10), settings(1000, 16, 8));
        Estimate e = p.estimate(T95, 1);
        assertThat(e.interval()).isEmpty();
        assertThat(e.note()).contains("one window");
    }
}
