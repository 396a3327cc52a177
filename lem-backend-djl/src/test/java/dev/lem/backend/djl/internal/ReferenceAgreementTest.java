package dev.lem.backend.djl.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.lem.backend.djl.fixtures.ReferenceModel;
import dev.lem.backend.djl.fixtures.TinyCheckpoint;
import dev.lem.spi.FinishReason;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.ModelInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The backend against {@link ReferenceModel}, an independent double-precision forward pass, on tiny
 * random checkpoints written as real Hugging Face folders. In fp32 every logit must agree within
 * {@value #TOLERANCE} (absolute; the logits are of order 1 to 10), and greedy generations of a
 * left-padded batch must equal the reference's, token for token, for every row.
 */
class ReferenceAgreementTest {
    /** Largest allowed |logit(backend, fp32) − logit(reference, fp64)|. */
    static final double TOLERANCE = 5e-5;
    static final List<String> PROMPTS = List.of(
            "the cat sat on the mat",
            "hello",
            "a big red dog ran to the house and the small blue cat sat on it in the sun");

    @TempDir
    Path dir;

    /** Both executors run every checkpoint: they must compute the same function. */
    static final List<String> EXECUTORS = List.of("compiled", "eager");

    static Stream<Arguments> checkpoints() {
        return models().flatMap(a -> EXECUTORS.stream().map(e -> Arguments.of(a.get()[0], a.get()[1], a.get()[2],
                a.get()[3], e)));
    }

    private static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("Llama, GQA, untied head", (Supplier<TinyCheckpoint>) () -> TinyCheckpoint.llama(1), "F32", 1),
                Arguments.of("Qwen2, q/k/v biases, tied head", (Supplier<TinyCheckpoint>) () -> TinyCheckpoint.qwen2(2), "F32", 1),
                Arguments.of("Llama 3 rope scaling", (Supplier<TinyCheckpoint>) () -> TinyCheckpoint.llama3(3), "F32", 1),
                Arguments.of("bf16 checkpoint (upcast)", (Supplier<TinyCheckpoint>) () -> TinyCheckpoint.qwen2(4), "BF16", 1),
                Arguments.of("f16 checkpoint (upcast)", (Supplier<TinyCheckpoint>) () -> TinyCheckpoint.llama(5), "F16", 1),
                Arguments.of("sharded checkpoint", (Supplier<TinyCheckpoint>) () -> TinyCheckpoint.llama(6), "F32", 3),
                Arguments.of("GPT-2", (Supplier<TinyCheckpoint>) () -> TinyCheckpoint.gpt2(7), "F32", 1),
                Arguments.of("MLP wider than one column block", (Supplier<TinyCheckpoint>) () ->
                        TinyCheckpoint.llamaWideMlp(8), "F32", 1));
    }

    /** The model's logits at every position of one causal sequence, {@code [tokens][vocab]} row-major. */
    @SuppressWarnings("try")
    static float[] allLogits(DecoderModel model, int[] tokens) {
        int n = tokens.length;
        long[] ids = new long[n];
        long[] positions = new long[n];
        float[] mask = new float[n * n];
        for (int q = 0; q < n; q++) {
            ids[q] = tokens[q];
            positions[q] = q;
            for (int k = q + 1; k < n; k++) {
                mask[q * n + k] = DecoderModel.MASK_FP32;
            }
        }
        model.prepare(n);
        try (NDManager m = model.manager.newSubManager(); NDScope scope = new NDScope()) {
            NDArray logits = model.forward(ids, positions, 1, n, mask, model.newCache(m, 1, n), 0, true);
            return logits.toFloatArray();
        }
    }

    /** Largest |actual − expected| over every position and vocabulary entry ({@code actual} row-major). */
    static double largestDifference(float[] actual, double[][] expected) {
        int vocab = expected[0].length;
        double worst = 0;
        for (int p = 0; p < expected.length; p++) {
            for (int v = 0; v < vocab; v++) {
                worst = Math.max(worst, Math.abs(actual[p * vocab + v] - expected[p][v]));
            }
        }
        return worst;
    }

    /** One batch of greedy requests {@code r0, r1, …} for the prompts, {@code n} tokens each, ignoring EOS. */
    private static RecordingListener generateGreedily(DjlBackend backend, List<String> prompts, int n) {
        RecordingListener l = new RecordingListener();
        List<GenerationRequest> batch = new java.util.ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            batch.add(TestBackends.greedy("r" + i, prompts.get(i), n, 0, true));
        }
        backend.generate(batch, l);
        return l;
    }

    @ParameterizedTest(name = "{0} ({4})")
    @MethodSource("checkpoints")
    void logitsAgreeWithTheReference(String name, Supplier<TinyCheckpoint> make, String dtype, int shards,
            String executor) throws Exception {
        TinyCheckpoint ckpt = make.get();
        Path folder = ckpt.write(dir.resolve("model"), dtype, shards);
        int[] tokens = new int[80];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = (i * 7 + 3) % 40;
        }
        double[][] expected = new ReferenceModel(ckpt).logits(tokens);
        try (DjlBackend backend = TestBackends.backend(folder.toString(), Map.of("options.executor", executor))) {
            ModelInfo info = backend.load();
            assertThat(info.details().get("executor")).startsWith(executor + ":");
            assertThat(backend.model().executor().optionValue()).isEqualTo(executor);
            assertThat(info.dtype()).isEqualTo("fp32");
            assertThat(info.syntheticWeights()).isFalse();
            assertThat(info.parameterCount()).contains(ckpt.weights.values().stream()
                    .mapToLong(t -> t.values().length).sum());
            if (!dtype.equals("F32")) {
                assertThat(info.details().get("upcast")).contains(dtype).contains("float32");
            }
            double worst = largestDifference(allLogits(backend.model(), tokens), expected);
            assertThat(worst).as("largest logit difference, " + name).isLessThan(TOLERANCE);
        }
    }

    /**
     * fp16 compute (slow on CPUs, meant for GPUs) follows the reference within {@value #FP16_TOLERANCE}
     * relative to the largest logit: half precision keeps about 3 significant digits.
     */
    static final double FP16_TOLERANCE = 2e-2;

    /** Each architecture once: the fp32 single-file checkpoints. */
    static Stream<Arguments> fp32Checkpoints() {
        return checkpoints().filter(a -> a.get()[2].equals("F32") && a.get()[3].equals(1));
    }

    @ParameterizedTest(name = "{0} in fp16 ({4})")
    @MethodSource("fp32Checkpoints")
    void fp16LogitsFollowTheReference(String name, Supplier<TinyCheckpoint> make, String dtype, int shards,
            String executor) throws Exception {
        TinyCheckpoint ckpt = make.get();
        Path folder = ckpt.write(dir.resolve("model"), dtype, shards);
        int[] tokens = {0, 5, 9, 3, 17, 22, 8, 30, 4, 11, 6, 19};
        double[][] expected = new ReferenceModel(ckpt).logits(tokens);
        try (DjlBackend backend = TestBackends.backend(folder.toString(), Map.of("precision", "fp16",
                "options.executor", executor))) {
            assertThat(backend.load().dtype()).isEqualTo("fp16");
            double worst = largestDifference(allLogits(backend.model(), tokens), expected);
            double scale = java.util.Arrays.stream(expected).flatMapToDouble(java.util.Arrays::stream)
                    .map(Math::abs).max().orElseThrow();
            assertThat(worst / scale).as("largest logit difference / largest logit, fp16, " + name)
                    .isLessThan(FP16_TOLERANCE);
        }
    }

    @ParameterizedTest(name = "{0} ({4})")
    @MethodSource("checkpoints")
    void greedyGenerationsOfAPaddedBatchEqualTheReference(String name, Supplier<TinyCheckpoint> make, String dtype,
            int shards, String executor) throws Exception {
        TinyCheckpoint ckpt = make.get();
        RecordingListener l = greedyBatchEqualsTheReference(name, ckpt, ckpt.write(dir.resolve("model"), dtype, shards),
                executor, PROMPTS, 12);
        for (int i = 0; i < PROMPTS.size(); i++) {
            assertThat(l.completions.get("r" + i).promptTokens()).as("prompt tokens of r" + i)
                    .isEqualTo(ckpt.encode(PROMPTS.get(i)).length);
            assertThat(l.completions.get("r" + i).finishReason()).isEqualTo(FinishReason.LENGTH);
        }
    }

    /**
     * Generates {@code n} tokens for each prompt greedily, as one batch, with the executor, and asserts
     * that every row's tokens equal the reference's; returns the events for further checks.
     */
    private static RecordingListener greedyBatchEqualsTheReference(String name, TinyCheckpoint ckpt, Path folder,
            String executor, List<String> prompts, int n) {
        ReferenceModel ref = new ReferenceModel(ckpt);
        try (DjlBackend backend = TestBackends.backend(folder.toString(), Map.of("options.executor", executor))) {
            backend.load();
            RecordingListener l = generateGreedily(backend, prompts, n);
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(l.tokenArray("r" + i)).as(name + ", row " + i)
                        .containsExactly(ref.greedy(ckpt.encode(prompts.get(i)), n));
            }
            return l;
        }
    }

    /** Llama (GQA) and GPT-2, each with both executors. */
    static Stream<Arguments> wideBatchModels() {
        return checkpoints().filter(a -> a.get()[0].toString().startsWith("Llama, GQA")
                || a.get()[0].toString().equals("GPT-2"));
    }

    /**
     * Ten rows decode through {@code linear} (more than {@value DecoderModel#SMALL_ROWS} rows), not the
     * small-batch {@code W · Xᵀ} path the other tests take: every row's greedy tokens still equal the
     * reference's.
     */
    @ParameterizedTest(name = "{0} ({4})")
    @MethodSource("wideBatchModels")
    void aBatchWiderThanTheSmallRowPathEqualsTheReference(String name, Supplier<TinyCheckpoint> make, String dtype,
            int shards, String executor) throws Exception {
        TinyCheckpoint ckpt = make.get();
        String[] words = PROMPTS.get(2).split(" ");
        List<String> prompts = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            prompts.add(String.join(" ", java.util.Arrays.copyOfRange(words, i % 4, 3 + i)));
        }
        RecordingListener l = greedyBatchEqualsTheReference(name, ckpt, ckpt.write(dir.resolve("model"), dtype, shards),
                executor, prompts, 6);
        assertThat(l.completions).hasSize(10);
    }

    /** Qwen2 (biases, tied head) and GPT-2 (biases everywhere), each with both executors. */
    static Stream<Arguments> biasedModels() {
        return checkpoints().filter(a -> a.get()[0].toString().startsWith("Qwen2")
                || a.get()[0].toString().equals("GPT-2"));
    }

    /**
     * With {@code max_block_columns: 16} every matrix but the tied head (32 or more inputs) is stored as column
     * blocks, biased ones included: the logits still agree with the reference.
     */
    @ParameterizedTest(name = "{0} ({4})")
    @MethodSource("biasedModels")
    void everyMatrixInColumnBlocksStillAgreesWithTheReference(String name, Supplier<TinyCheckpoint> make,
            String dtype, int shards, String executor) throws Exception {
        TinyCheckpoint ckpt = make.get();
        Path folder = ckpt.write(dir.resolve("model"), dtype, shards);
        int[] tokens = {3, 9, 4, 17, 22, 8, 30, 4, 11, 6};
        double[][] expected = new ReferenceModel(ckpt).logits(tokens);
        try (DjlBackend backend = TestBackends.backend(folder.toString(), Map.of("options.executor", executor,
                "options.max_block_columns", 16))) {
            assertThat(backend.load().details()).containsEntry("max_block_columns", "16");
            assertThat(backend.model().programSource()).as("the program applies blocks").contains("split_with_sizes")
                    .contains(backend.model().decodeKernel() ? "ops.lem.small_linear" : "torch.addmm");
            double worst = largestDifference(allLogits(backend.model(), tokens), expected);
            assertThat(worst).as("largest logit difference, " + name).isLessThan(TOLERANCE);
        }
    }
}
