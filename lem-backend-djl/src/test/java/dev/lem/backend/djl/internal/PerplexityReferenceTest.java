package dev.lem.backend.djl.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.backend.djl.fixtures.ReferenceModel;
import dev.lem.backend.djl.fixtures.TinyAdapter;
import dev.lem.backend.djl.fixtures.TinyCheckpoint;
import dev.lem.config.QualityConfig;
import dev.lem.quality.Perplexity;
import dev.lem.quality.PerplexityResult;
import dev.lem.quality.QualityText;
import dev.lem.spi.TokenScorer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The djl backend's log-probabilities (its {@link TokenScorer}) against the float64 reference forward pass: each
 * token's ln P within {@value #TOLERANCE} (absolute, nats), and the perplexity of a text by the sliding window within
 * {@value #PPL_RELATIVE} relative — for Llama, Qwen2 and GPT-2 with each executor, and with an unmerged adapter.
 */
class PerplexityReferenceTest {
    /** Largest allowed |ln P(backend) − ln P(reference)|, nats (observed at most 4.6e-6). */
    static final double TOLERANCE = 2e-5;
    /** Largest allowed relative difference of a perplexity (observed at most 1.7e-7). */
    static final double PPL_RELATIVE = 1e-6;
    static final String TEXT = "the cat sat on the mat and the dog ran to the house . a big red dog sat on it in the "
            + "sun and the small blue cat ran up the tree to see the moon over the river of stone";

    @TempDir
    Path dir;

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("Llama", (Supplier<TinyCheckpoint>) () -> TinyCheckpoint.llama(31)),
                Arguments.of("Qwen2", (Supplier<TinyCheckpoint>) () -> TinyCheckpoint.qwen2(32)),
                Arguments.of("GPT-2", (Supplier<TinyCheckpoint>) () -> TinyCheckpoint.gpt2(33)))
                .flatMap(a -> ReferenceAgreementTest.EXECUTORS.stream().map(e -> Arguments.of(a.get()[0], a.get()[1], e)));
    }

    /** ln P(tokens[i] | tokens[0..i)) for i >= from, from the reference's float64 logits. */
    static double[] referenceLogProbabilities(ReferenceModel ref, int[] tokens, int from) {
        double[][] logits = ref.logits(tokens);
        double[] out = new double[tokens.length - from];
        for (int i = from; i < tokens.length; i++) {
            double[] row = logits[i - 1];
            double max = Double.NEGATIVE_INFINITY;
            for (double v : row) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (double v : row) {
                sum += Math.exp(v - max);
            }
            out[i - from] = row[tokens[i]] - max - Math.log(sum);
        }
        return out;
    }

    /** The reference's perplexity by the same windows. */
    static double referencePerplexity(ReferenceModel ref, int[] tokens, int window, int stride) {
        double nll = 0;
        long n = 0;
        for (Perplexity.Span s : Perplexity.plan(tokens.length, window, stride)) {
            double[] lp = referenceLogProbabilities(ref, java.util.Arrays.copyOfRange(tokens, s.start(), s.end()),
                    s.from());
            for (double v : lp) {
                nll -= v;
                n++;
            }
        }
        return Math.exp(nll / n);
    }

    static QualityConfig.Perplexity settings(int window, int stride) {
        return new QualityConfig.Perplexity(Optional.of("builtin"), "text", 1000, window, stride);
    }

    @ParameterizedTest(name = "{0} ({2})")
    @MethodSource("models")
    void logProbabilitiesAndPerplexityEqualTheReference(String name, Supplier<TinyCheckpoint> make, String executor)
            throws Exception {
        TinyCheckpoint ckpt = make.get();
        Path folder = ckpt.write(dir.resolve("model"), "F32", 1);
        ReferenceModel ref = new ReferenceModel(ckpt);
        try (DjlBackend backend = TestBackends.backend(folder.toString(), Map.of("options.executor", executor))) {
            backend.load();
            TokenScorer scorer = backend.tokenScorer().orElseThrow();
            int[] tokens = scorer.tokenize(TEXT);
            assertThat(tokens).containsExactly(ckpt.encode(TEXT));
            assertThat(scorer.maxWindowTokens()).isEqualTo(128);
            assertThat(scorer.method()).contains("djl forward pass").contains(executor).contains("float64");
            double[] expected = referenceLogProbabilities(ref, tokens, 1);
            double[] actual = scorer.logProbabilities(tokens, 1);
            assertThat(actual).hasSameSizeAs(expected);
            double worst = 0;
            for (int i = 0; i < actual.length; i++) {
                worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
            }
            assertThat(worst).as("largest log-probability difference, " + name).isLessThan(TOLERANCE);
            // a window scored from the middle, in segments smaller than the window: the same numbers
            double[] segmented = backend.model().logProbabilities(tokens, 17, 5);
            for (int i = 0; i < segmented.length; i++) {
                assertThat(segmented[i]).isCloseTo(actual[i + 16], org.assertj.core.data.Offset.offset(1e-5));
            }
            PerplexityResult p = Perplexity.measure(scorer, new QualityText("test", TEXT), settings(16, 8));
            double want = referencePerplexity(ref, tokens, 16, 8);
            assertThat(Math.abs(p.perplexity() - want) / want).as("relative perplexity difference, " + name)
                    .isLessThan(PPL_RELATIVE);
            assertThat(p.scoredTokens()).isEqualTo(tokens.length - 1);
            assertThat(p.windows()).hasSizeGreaterThan(4);
        }
    }

    @Test
    void withAnUnmergedAdapterTheLogProbabilitiesAreTheAdaptedModels() throws Exception {
        TinyCheckpoint base = TinyCheckpoint.llama(34);
        Path model = base.write(dir.resolve("model"), "F32", 1);
        TinyAdapter adapter = TinyAdapter.lora(base, List.of("q_proj", "v_proj", "up_proj"), 4, 8, false, 5, 0.2);
        ReferenceModel ref = new ReferenceModel(adapter.applyTo(base));
        try (DjlBackend backend = TestBackends.backend(model.toString(), Map.of("adapter.path",
                adapter.write(dir.resolve("adapter")).toString(), "options.adapter_mode", "unmerged"))) {
            backend.load();
            TokenScorer scorer = backend.tokenScorer().orElseThrow();
            int[] tokens = scorer.tokenize(TEXT);
            double[] expected = referenceLogProbabilities(ref, tokens, 1);
            double[] actual = scorer.logProbabilities(tokens, 1);
            for (int i = 0; i < actual.length; i++) {
                assertThat(actual[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(TOLERANCE));
            }
        }
    }

    @Test
    void noScorerBeforeLoad() {
        try (DjlBackend backend = TestBackends.backend("synthetic:tiny-llama", Map.of())) {
            assertThat(backend.tokenScorer()).isEmpty();
        }
    }
}
