package dev.lem.backend.djl.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.lem.backend.djl.fixtures.TinyCheckpoint;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link DecoderModel#nextTokenLogits}, the generator's zero-allocation read of each step's logits,
 * against {@link DecoderModel#forward}: the same numbers, row-major, for every batch width — one row,
 * the vocabulary-major {@code W · Xᵀ} widths (2 to {@value DecoderModel#SMALL_ROWS} rows) and wider —
 * and for a leading subset of the rows (a lone request decoded as two rows reads only the first).
 */
class NextTokenLogitsTest {
    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> cases = Stream.builder();
        for (String executor : ReferenceAgreementTest.EXECUTORS) {
            for (int[] widthAndRows : new int[][] {{1, 1}, {2, 1}, {2, 2}, {3, 3}, {8, 5}, {10, 10}, {10, 4}}) {
                cases.add(Arguments.of("Llama, untied head", (Supplier<TinyCheckpoint>) () -> TinyCheckpoint.llama(11),
                        executor, widthAndRows[0], widthAndRows[1]));
            }
            cases.add(Arguments.of("GPT-2, tied head", (Supplier<TinyCheckpoint>) () -> TinyCheckpoint.gpt2(12),
                    executor, 3, 2));
            cases.add(Arguments.of("Llama, head in column blocks",
                    (Supplier<TinyCheckpoint>) () -> TinyCheckpoint.llama(13), executor + ",max_block_columns=16",
                    2, 2));
        }
        return cases.build();
    }

    @ParameterizedTest(name = "{0}, {2}: {3} rows, first {4} read")
    @MethodSource("cases")
    @SuppressWarnings("try")
    void equalTheForwardPassLogitsRowMajor(String name, Supplier<TinyCheckpoint> make, String options, int b, int rows)
            throws Exception {
        Path folder = make.get().write(dir.resolve("model"), "F32", 1);
        String[] parts = options.split(",");
        Map<String, Object> settings = parts.length == 1 ? Map.of("options.executor", parts[0])
                : Map.of("options.executor", parts[0], "options.max_block_columns", Integer.parseInt(parts[1].split("=")[1]));
        try (DjlBackend backend = TestBackends.backend(folder.toString(), settings)) {
            backend.load();
            DecoderModel model = backend.model();
            int vocab = model.arch.vocabSize();
            int t = 4;
            long[] ids = new long[b * t];
            long[] positions = new long[b * t];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = 3 + (i * 7) % (vocab - 3);
                positions[i] = i % t;
            }
            long[] next = new long[b];
            long[] nextPositions = new long[b];
            for (int i = 0; i < b; i++) {
                next[i] = 4 + (i * 5) % (vocab - 4);
                nextPositions[i] = t;
            }
            model.prepare(t + 1);
            try (NDManager m = model.manager.newSubManager(); NDScope scope = new NDScope()) {
                KvCache cache = model.newCache(m, b, t + 1);
                model.forward(ids, positions, b, t, null, cache, 0, false);
                float[] expected = model.forward(next, nextPositions, b, 1, null, cache, t, false).toFloatArray();
                float[] actual = new float[rows * vocab + 3];
                Arrays.fill(actual, Float.NaN);
                model.nextTokenLogits(next, nextPositions, b, 1, null, cache, t, rows, actual);
                assertThat(Arrays.copyOf(actual, rows * vocab)).containsExactly(Arrays.copyOf(expected, rows * vocab));
                assertThat(Arrays.copyOfRange(actual, rows * vocab, actual.length)).containsOnly(Float.NaN);
            }
        }
    }

    @Test
    @SuppressWarnings("try")
    void refusesMoreRowsThanTheBatchOrTooSmallABuffer() throws Exception {
        Path folder = TinyCheckpoint.llama(14).write(dir.resolve("model"), "F32", 1);
        try (DjlBackend backend = TestBackends.backend(folder.toString(), Map.of())) {
            backend.load();
            DecoderModel model = backend.model();
            int vocab = model.arch.vocabSize();
            model.prepare(2);
            try (NDManager m = model.manager.newSubManager(); NDScope scope = new NDScope()) {
                KvCache cache = model.newCache(m, 2, 2);
                long[] two = {5, 6};
                long[] zero = {0, 0};
                assertThatThrownBy(() -> model.nextTokenLogits(two, zero, 2, 1, null, cache, 0, 3,
                        new float[3 * vocab]))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rows 3 of 2");
                assertThatThrownBy(() -> model.nextTokenLogits(two, zero, 2, 1, null, cache, 0, 2, new float[vocab]))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out has " + vocab);
            }
        }
    }
}
