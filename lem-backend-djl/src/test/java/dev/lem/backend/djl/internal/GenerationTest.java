package dev.lem.backend.djl.internal;

import dev.lem.config.DecodingPreset;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.backend.djl.fixtures.ReferenceModel;
import dev.lem.backend.djl.fixtures.TinyCheckpoint;
import dev.lem.config.DecodingConfig;
import dev.lem.spi.BackendException;
import dev.lem.spi.FinishReason;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.ModelInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generation behaviour on the synthetic tiny Llama (one backend for the class). */
class GenerationTest {
    private static DjlBackend backend;
    private static ModelInfo info;

    @BeforeAll
    static void load() {
        backend = TestBackends.backend("synthetic:tiny-llama", Map.of("max_input_tokens", 40));
        info = backend.load();
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    @TempDir
    Path dir;

    @Test
    void syntheticModelsSayTheirWeightsAreSyntheticAndUseTheBuiltInTokenizer() {
        assertThat(info.syntheticWeights()).isTrue();
        assertThat(info.source()).isEqualTo("synthetic");
        assertThat(info.dtype()).isEqualTo("fp32");
        assertThat(info.details().get("weights")).contains("seeded random");
        assertThat(info.details().get("tokenizer")).contains("GPT-2");
        // GPT-2's "Hello world," is 15496, 995, 11; the tiny Llama puts its BOS (50256) in front
        RecordingListener l = new RecordingListener();
        backend.generate(List.of(TestBackends.greedy("h", "Hello world,", 1, 0, true)), l);
        assertThat(l.completions.get("h").promptTokens()).isEqualTo(4);
        assertThat(backend.countTokens("Hello world,")).contains(4);
    }

    @Test
    void syntheticTokenIdsAreMappedIntoSmallVocabularies() {
        TextTokenizer t = TextTokenizer.synthetic(1000, java.util.Optional.empty());
        try (t) {
            assertThat(t.encode("Hello world,")).containsExactly(15496 % 1000, 995, 11);
            assertThat(t.decode(new int[] {995, 11}, 0, 2)).isEqualTo(" world,");
        }
    }

    @Test
    void ignoreEosGivesExactlyMaxTokensWithEventsAndPhases() {
        RecordingListener l = new RecordingListener();
        backend.generate(List.of(TestBackends.greedy("a", "one two three", 6, 0, true),
                TestBackends.greedy("b", "a longer prompt than the first one is", 3, 0, true)), l);
        assertThat(l.tokens.get("a")).hasSize(6);
        assertThat(l.tokens.get("b")).hasSize(3);
        assertThat(l.completions.get("a").finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(l.completions.get("b").outputTokens()).isEqualTo(3);
        assertThat(l.phases).containsExactly("+prefill", "-prefill", "+decode", "-decode");
        assertThat(l.stamps).isSorted();
        assertThat(l.text.get("a").toString()).isNotEmpty();
    }

    @Test
    void oneNewTokenNeedsNoDecodePhase() {
        RecordingListener l = new RecordingListener();
        backend.generate(List.of(TestBackends.greedy("a", "one", 1, 0, true)), l);
        assertThat(l.phases).containsExactly("+prefill", "-prefill");
        assertThat(l.counters.get("flops.decode")).isZero();
    }

    @Test
    void seededSamplingIsReproducibleAndIndependentOfTheBatch() {
        DecodingConfig sampling = new DecodingConfig(DecodingPreset.CREATIVE, false, 1.0, 0, 1.0, true);
        GenerationRequest r = new GenerationRequest("s", "the same prompt", null, 8, 0, sampling, 1234, false);
        GenerationRequest other = new GenerationRequest("o", "other", null, 8, 0, sampling, 99, false);
        RecordingListener alone = new RecordingListener();
        backend.generate(List.of(r), alone);
        RecordingListener again = new RecordingListener();
        backend.generate(List.of(r), again);
        RecordingListener batched = new RecordingListener();
        backend.generate(List.of(other, r), batched);
        assertThat(again.tokens.get("s")).isEqualTo(alone.tokens.get("s"));
        assertThat(batched.tokens.get("s")).isEqualTo(alone.tokens.get("s"));
        RecordingListener otherSeed = new RecordingListener();
        backend.generate(List.of(new GenerationRequest("s", "the same prompt", null, 8, 0, sampling, 4321, false)),
                otherSeed);
        assertThat(otherSeed.tokens.get("s")).isNotEqualTo(alone.tokens.get("s"));
    }

    @Test
    void promptsAreTruncatedToMaxInputTokensKeepingTheEnd() {
        String longPrompt = "word ".repeat(100);
        RecordingListener l = new RecordingListener();
        backend.generate(List.of(TestBackends.greedy("t", longPrompt, 2, 0, true)), l);
        assertThat(l.completions.get("t").promptTokens()).isEqualTo(40);
        assertThat(backend.countTokens(longPrompt)).contains(40);
    }

    @Test
    void promptsThatCannotFitTheContextFailAloneWithAReason() {
        RecordingListener l = new RecordingListener();
        GenerationRequest tooLong = TestBackends.greedy("x", "short", 600, 0, true);
        backend.generate(List.of(tooLong, TestBackends.greedy("ok", "short", 2, 0, true)), l);
        assertThat(l.failures.get("x")).contains("exceeds the model's context of 512 tokens")
                .contains("max_output_tokens");
        assertThat(l.completions).containsOnlyKeys("ok");
        GenerationRequest badIds = new GenerationRequest("ids", "", List.of(1, 60000), 2, 0,
                DecodingConfig.greedyDecoding(true), 1, false);
        backend.generate(List.of(badIds), l);
        assertThat(l.failures.get("ids")).contains("60000").contains("outside the model's vocabulary");
    }

    @Test
    void countedFlopsAndPaddingEqualAnIndependentCount() {
        String p1 = "a b";
        String p2 = "a much longer prompt with many more words";
        int len1 = backend.countTokens(p1).orElseThrow();
        int len2 = backend.countTokens(p2).orElseThrow();
        int n = 5;
        RecordingListener l = new RecordingListener();
        backend.generate(List.of(TestBackends.greedy("1", p1, n, 0, true), TestBackends.greedy("2", p2, n, 0, true)), l);

        // tiny-llama: d=64, 2 layers, 4 query heads and 2 KV heads of 16, MLP 128, vocabulary 50257
        int b = 2;
        int width = Math.max(len1, len2);
        double prefill = 0;
        double decode = 0;
        for (int step = 0; step < n; step++) {
            int t = step == 0 ? width : 1;
            int keys = step == 0 ? width : width + step;
            double f = 0;
            for (int layer = 0; layer < 2; layer++) {
                f += mm(b * t, 64, 64) + mm(b * t, 64, 32) + mm(b * t, 64, 32); // q, k, v
                for (int head = 0; head < 4; head++) {
                    f += b * (mm(t, 16, keys) + mm(t, keys, 16));          // scores and weighted values
                }
                f += mm(b * t, 64, 64);                                     // o
                f += mm(b * t, 64, 128) * 2 + mm(b * t, 128, 64);           // gate, up, down
            }
            f += mm(b, 64, 50257);                                          // LM head, last position only
            if (step == 0) {
                prefill += f;
            } else {
                decode += f;
            }
        }
        assertThat(l.counters.get("flops.prefill")).isEqualTo(prefill);
        assertThat(l.counters.get("flops.decode")).isEqualTo(decode);
        assertThat(l.counters.get("tokens.padding")).isEqualTo((double) Math.abs(len2 - len1));
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }

    /** FLOPs of an (m×k)·(k×n) product. */
    private static double mm(long m, long k, long n) {
        return 2.0 * m * k * n;
    }

    @Test
    void finishedRowsCountAsPaddingUntilTheBatchEnds() {
        RecordingListener l = new RecordingListener();
        backend.generate(List.of(TestBackends.greedy("1", "x y", 2, 0, true), TestBackends.greedy("2", "x y", 6, 0, true)),
                l);
        // row 1 is done after 2 tokens; it rides along for the 4 remaining decode steps
        assertThat(l.counters.get("tokens.padding")).isEqualTo(4.0);
    }

    @Test
    void nativeMemoryStaysFlatAcrossBatches() {
        DecoderModel model = backend.model();
        backend.generate(List.of(TestBackends.greedy("w", "warm up", 4, 0, true)), new RecordingListener());
        int before = model.manager.getManagedArrays().size();
        for (int i = 0; i < 20; i++) {
            backend.generate(List.of(TestBackends.greedy("a" + i, "the first prompt", 5, 0, true),
                    TestBackends.greedy("b" + i, "and a second, longer prompt " + i, 5, 0, true)), new RecordingListener());
        }
        assertThat(model.manager.getManagedArrays().size()).as("arrays owned by the model after 20 batches")
                .isEqualTo(before);
    }

    @Test
    void stopsAtEndOfSequenceAfterMinTokensAndUnloadFreesTheModel() throws Exception {
        TinyCheckpoint ckpt = TinyCheckpoint.llama(31);
        Path folder = ckpt.write(dir.resolve("m"), "F32", 1);
        int[] prompt = ckpt.encode("the cat sat");
        int[] greedy = new ReferenceModel(ckpt).greedy(prompt, 6);
        // make a greedy token that first appears at step k >= 2 the end-of-sequence token
        int k = 2;
        while (k < greedy.length && indexOf(greedy, greedy[k]) < k) {
            k++;
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(k < 5, "the fixture's greedy output has no new token at"
                + " steps 2 to 4; pick another seed");
        int eos = greedy[k];
        TinyCheckpoint.writeGenerationConfig(folder, eos);
        try (DjlBackend b = TestBackends.backend(folder.toString(), Map.of())) {
            assertThat(b.load().details().get("eos_token_ids")).isEqualTo("[" + eos + "]");
            RecordingListener l = new RecordingListener();
            b.generate(List.of(TestBackends.greedy("stop", "the cat sat", 6, 0, false),
                    TestBackends.greedy("min", "the cat sat", 6, 4, false),
                    TestBackends.greedy("ignore", "the cat sat", 6, 0, true)), l);
            assertThat(l.completions.get("stop").finishReason()).isEqualTo(FinishReason.STOP);
            assertThat(l.tokenArray("stop")).containsExactly(java.util.Arrays.copyOf(greedy, k + 1));
            assertThat(l.completions.get("min").outputTokens()).isBetween(4, 6);
            assertThat(l.tokens.get("min").subList(0, 4)).doesNotContain(eos);
            assertThat(l.tokenArray("ignore")).containsExactly(greedy);
            assertThat(l.completions.get("ignore").finishReason()).isEqualTo(FinishReason.LENGTH);

            DecoderModel model = b.model();
            b.unload();
            assertThat(model.manager.isOpen()).isFalse();
            assertThatThrownBy(() -> b.generate(List.of(TestBackends.greedy("x", "the", 1, 0, true)),
                    new RecordingListener())).isInstanceOf(BackendException.class).hasMessageContaining("load()");
            assertThat(b.countTokens("the")).isEmpty();
            b.load();
            RecordingListener again = new RecordingListener();
            b.generate(List.of(TestBackends.greedy("ignore", "the cat sat", 6, 0, true)), again);
            assertThat(again.tokenArray("ignore")).containsExactly(greedy);
        }
    }
}
