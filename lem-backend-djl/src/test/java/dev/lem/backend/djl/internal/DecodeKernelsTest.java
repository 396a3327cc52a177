package dev.lem.backend.djl.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.IValue;
import dev.lem.config.ConfigException;
import dev.lem.spi.EngineSetting;
import dev.lem.spi.ModelInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * LEM's decode kernel ({@code lem::small_linear}, src/main/c/lem_kernels.c) against libtorch's float64 product on the
 * same values, for every instruction set this CPU runs, thread counts, row counts, ragged sizes and strided inputs;
 * and how the backend chooses it and records the choice.
 */
class DecodeKernelsTest {
    private static final String PROBE = """
            class KernelCheck(Module):
              __parameters__ = []
              __buffers__ = []
              training : bool
              def forward(self: __torch__.KernelCheck, m: int, k: int, n: int, threads: int, isa: int, bf16: bool,
                  strided: bool, round_x: bool) -> Tensor:
                width = k + 7 if strided else k
                wide = torch.reshape(torch.sin(torch.add(torch.mul(torch.to(torch.arange(m * width), 6), 0.37), 0.1)),
                    [m, width])
                x = torch.slice(wide, 1, 3, 3 + k) if strided else wide
                w = torch.reshape(torch.cos(torch.mul(torch.to(torch.arange(n * k), 6), 0.11)), [n, k])
                if bf16:
                  w = torch.to(w, 15)
                xr = torch.to(torch.to(x, 15), 7) if round_x else torch.to(x, 7)
                reference = torch.mm(xr, torch.t(torch.to(w, 7)))
                got = ops.lem.small_linear_with(x, w, threads, isa)
                return torch.stack([torch.max(torch.abs(torch.to(got, 7) - reference)),
                    torch.max(torch.abs(reference)), torch.tensor(float(torch.size(got, 0) * 1000000 + torch.size(got, 1)), dtype=7)])
              def wrong_dtype(self: __torch__.KernelCheck) -> Tensor:
                return ops.lem.small_linear_with(torch.ones([2, 4], dtype=7), torch.ones([3, 4]), 1, 3)
              def packed(self: __torch__.KernelCheck, m: int, k: int, n: int, strided: bool, pairs: bool) -> Tensor:
                width = k + 7 if strided else k
                wide = torch.reshape(torch.sin(torch.add(torch.mul(torch.to(torch.arange(m * width), 6), 0.37), 0.1)),
                    [m, width])
                x = torch.slice(wide, 1, 3, 3 + k) if strided else wide
                w = torch.reshape(torch.cos(torch.mul(torch.to(torch.arange(n * k), 6), 0.11)), [n, k])
                if strided:
                  w = torch.t(torch.contiguous(torch.t(w)))
                reference = torch.mm(torch.to(x, 7), torch.t(torch.to(w, 7)))
                if pairs:
                  # x and W rounded to bf16 as libtorch rounds them, then multiplied exactly
                  reference = torch.mm(torch.to(torch.to(x, 15), 7), torch.t(torch.to(torch.to(w, 15), 7)))
                  got = ops.lem.packed_linear(x, ops.lem.pack_bf16_pairs(w), n)
                else:
                  reference = torch.mm(torch.to(x, 7), torch.t(torch.to(w, 7)))
                  got = ops.lem.packed_linear(x, ops.lem.pack_columns(w), n)
                return torch.stack([torch.max(torch.abs(torch.to(got, 7) - reference)),
                    torch.max(torch.abs(reference)), torch.tensor(float(torch.size(got, 0) * 1000 + torch.size(got, 1)), dtype=7)])
              def packed_wrong(self: __torch__.KernelCheck) -> Tensor:
                return ops.lem.packed_linear(torch.ones([2, 4]), ops.lem.pack_columns(torch.ones([3, 5])), 3)
              def attention(self: __torch__.KernelCheck, b: int, kvh: int, group: int, hd: int, cap: int, start: int,
                  masked: bool, rotate: bool) -> Tensor:
                heads = kvh * group
                length = start + 1
                # q, k, v as the program passes them: column slices of one wider row-major tensor
                qkv = torch.sin(torch.reshape(torch.mul(torch.to(torch.arange(b * (heads + 2 * kvh + 3) * hd), 6), 0.77),
                    [b, (heads + 2 * kvh + 3) * hd]))
                q = torch.slice(qkv, 1, 0, heads * hd)
                k = torch.slice(qkv, 1, heads * hd, (heads + kvh) * hd)
                v = torch.slice(qkv, 1, (heads + kvh) * hd, (heads + 2 * kvh) * hd)
                kc = torch.cos(torch.reshape(torch.mul(torch.to(torch.arange(b * kvh * hd * cap), 6), 0.13), [b, kvh, hd, cap]))
                vc = torch.sin(torch.reshape(torch.mul(torch.to(torch.arange(b * kvh * cap * hd), 6), 0.29), [b, kvh, cap, hd]))
                mask = torch.zeros([b, 1, 1, length])
                if masked:
                  # the first row's first two slots are padding (when it has more than two)
                  pad = 2 if length > 2 else 0
                  mask = torch.reshape(torch.cat([torch.full([pad], -1e9), torch.zeros([b * length - pad])]), [b, 1, 1, length])
                # rotary tables at the rows' positions: [b, hd], arbitrary values
                cos = torch.cos(torch.reshape(torch.mul(torch.to(torch.arange(b * hd), 6), 0.05), [b, hd]))
                sin = torch.sin(torch.reshape(torch.mul(torch.to(torch.arange(b * hd), 6), 0.07), [b, hd]))
                # reference in float64, as the program's torch form computes it (RoPE: the two halves of a head swap)
                q64 = torch.to(q, 7)
                k64 = torch.to(k, 7)
                if rotate:
                  c = torch.reshape(torch.to(cos, 7), [b, 1, 2, hd // 2])
                  s = torch.reshape(torch.to(sin, 7), [b, 1, 2, hd // 2])
                  qh = torch.reshape(q64, [b, heads, 2, hd // 2])
                  kh = torch.reshape(k64, [b, kvh, 2, hd // 2])
                  q64 = torch.reshape(qh * c + torch.flip(qh, [2]) * s, [b, heads * hd])
                  k64 = torch.reshape(kh * c + torch.flip(kh, [2]) * s, [b, kvh * hd])
                kr = torch.to(torch.clone(kc), 7)
                vr = torch.to(torch.clone(vc), 7)
                torch.copy_(torch.select(kr, 3, start), torch.reshape(k64, [b, kvh, hd]))
                torch.copy_(torch.select(vr, 2, start), torch.reshape(torch.to(v, 7), [b, kvh, hd]))
                scores = torch.matmul(torch.reshape(q64, [b, kvh, group, hd]), torch.slice(kr, 3, 0, length))
                if masked:
                  scores = scores + torch.to(mask, 7)
                reference = torch.reshape(torch.matmul(torch.softmax(scores, -1), torch.slice(vr, 2, 0, length)),
                    [b, heads * hd])
                got = ops.lem.decode_attention(q, k, v, kc, vc, start, mask if masked else torch.zeros([1], dtype=4),
                    1 if masked else 0, cos, sin, 1 if rotate else 0)
                return torch.stack([torch.max(torch.abs(torch.to(got, 7) - reference)),
                    torch.max(torch.abs(reference)),
                    torch.max(torch.abs(torch.to(kc, 7) - kr)) + torch.max(torch.abs(torch.to(vc, 7) - vr)),
                    torch.tensor(float(torch.size(got, 0) * 1000 + torch.size(got, 1)), dtype=7)])
              def attention_wrong(self: __torch__.KernelCheck) -> Tensor:
                # a start beyond the cache
                return ops.lem.decode_attention(torch.ones([2, 3]), torch.ones([2, 3]), torch.ones([2, 3]),
                    torch.zeros([2, 1, 3, 4]), torch.zeros([2, 1, 4, 3]), 4, torch.zeros([1]), 0, torch.zeros([1]),
                    torch.zeros([1]), 0)
              def pairs_wrong(self: __torch__.KernelCheck) -> Tensor:
                return ops.lem.packed_linear(torch.ones([2, 4]), ops.lem.pack_bf16_pairs(torch.ones([3, 5])), 3)
            """;

    @BeforeAll
    static void engine() {
        NativeEngine.start();
    }

    private static DecodeKernels.Status available() {
        DecodeKernels.Status status = DecodeKernels.status();
        assumeTrue(DecodeKernels.class.getResource(DecodeKernels.RESOURCE) != null,
                "this build has no decode kernel library (no C compiler when lem-backend-djl was built)");
        assertThat(status.available()).as(status.describe()).isTrue();
        return status;
    }

    @Test
    void theKernelMatchesAFloat64ProductForEveryInstructionSetRowCountAndShape() {
        DecodeKernels.Status status = available();
        int best = switch (status.isa()) {
            case "AVX-512 with BF16" -> 4;
            case "AVX-512" -> 3;
            case "AVX2" -> 2;
            default -> 1;
        };
        List<String> checked = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager();
                TorchScriptModule module = TorchScriptModule.compile("KernelCheck", PROBE, m)) {
            for (int isa = 1; isa <= best; isa++) {
                for (int rows = 1; rows <= 9; rows++) {
                    for (int[] kn : new int[][] {{64, 130}, {37, 5}, {16, 1}, {100, 67}, {96, 9}}) {
                        for (boolean bf16 : new boolean[] {false, true}) {
                            int threads = 1 + (rows + kn[1]) % 3;
                            boolean strided = rows % 2 == 0;
                            // with bf16 weights, 2 to 8 rows and AVX512_BF16, x is rounded to bf16 (as oneDNN does)
                            boolean roundX = isa == 4 && bf16 && rows >= 2 && rows <= 8;
                            float[] r = check(module, m, rows, kn[0], kn[1], threads, isa, bf16, strided, roundX);
                            String what = "isa " + isa + ", " + rows + " × " + kn[0] + " · (" + kn[1] + " × " + kn[0]
                                    + ")ᵀ, " + (bf16 ? "bf16" : "fp32") + ", " + threads + " threads"
                                    + (strided ? ", strided x" : "") + (roundX ? ", x rounded to bf16" : "");
                            assertThat((long) r[2]).as(what + ": shape").isEqualTo(rows * 1_000_000L + kn[1]);
                            // float32 accumulation of up to 100 products of values ≤ 1
                            assertThat(r[0] / r[1]).as(what + ": largest error / largest value").isLessThan(2e-6f);
                            checked.add(what);
                        }
                    }
                }
            }
            assertAllNaN(module, m, "wrong_dtype", "a float64 x is not computed");
        }
        assertThat(checked).hasSize(best * 9 * 5 * 2);
    }

    @Test
    void thePackedProductMatchesAFloat64ProductForAnyRowCountAndRaggedShapes() {
        available();
        assertThat(packedChecks(false)).hasSize(8 * 6 * 2);
    }

    @Test
    void theBf16PairsProductMatchesAFloat64ProductOfTheRoundedValuesForAnyRowCountAndRaggedShapes() {
        available();
        // on CPUs without AVX512_BF16 this checks the plain C loop, which the programs do not use there
        assertThat(packedChecks(true)).hasSize(8 * 6 * 2);
    }

    @Test
    void decodeAttentionMatchesTheTorchFormInFloat64WithAndWithoutRopeAndWritesTheCache() {
        available();
        List<String> checked = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager();
                TorchScriptModule module = TorchScriptModule.compile("KernelCheck", PROBE, m)) {
            // {b, kvh, group, hd, cap, start}: one slot, grouped and plain heads, ragged head sizes, the last slot, and
            // sizes that take both threads
            for (int[] c : new int[][] {{1, 1, 1, 4, 3, 0}, {1, 3, 3, 64, 40, 17}, {2, 2, 1, 8, 9, 8}, {3, 1, 4, 34, 20, 5},
                {8, 3, 3, 64, 300, 259}, {2, 4, 8, 16, 64, 63}}) {
                for (int variant = 0; variant < 4; variant++) {
                    boolean masked = variant % 2 == 1;
                    boolean rotate = variant >= 2;
                    try (IValue out = module.run("attention", IValue.from((long) c[0]), IValue.from((long) c[1]),
                            IValue.from((long) c[2]), IValue.from((long) c[3]), IValue.from((long) c[4]),
                            IValue.from((long) c[5]), IValue.from(masked), IValue.from(rotate))) {
                        double[] r = out.toTensor((PtNDManager) m).toDoubleArray();
                        String what = "b " + c[0] + ", " + c[1] + " kv heads × " + c[2] + ", head " + c[3] + ", slot "
                                + c[5] + " of " + c[4] + (masked ? ", masked" : "") + (rotate ? ", rotated" : "");
                        assertThat((long) r[3]).as(what + ": shape").isEqualTo(c[0] * 1000L + (long) c[1] * c[2] * c[3]);
                        // float32 sums of up to 300 terms and a float32 exponential
                        assertThat(r[0] / r[1]).as(what + ": largest error / largest value").isLessThan(2e-6);
                        assertThat(r[2]).as(what + ": the new key and value written into the caches, nothing else")
                                .isLessThan(rotate ? 1e-6 : 1e-7);
                        checked.add(what);
                    }
                }
            }
            assertAllNaN(module, m, "attention_wrong", "a slot beyond the cache");
        }
        assertThat(checked).hasSize(24);
    }

    /** The packed product (float32, or bf16 pairs) against libtorch's float64 one for rows, ragged sizes and strides. */
    private static List<String> packedChecks(boolean pairs) {
        List<String> checked = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager();
                TorchScriptModule module = TorchScriptModule.compile("KernelCheck", PROBE, m)) {
            for (int rows : new int[] {1, 2, 3, 7, 8, 9, 16, 21}) {
                // odd input counts (37, 33) leave the last bf16 pair half empty
                for (int[] kn : new int[][] {{64, 130}, {37, 5}, {16, 1}, {100, 67}, {96, 64}, {33, 33}}) {
                    for (boolean strided : new boolean[] {false, true}) {
                        float[] r = run(module, m, "packed", IValue.from((long) rows), IValue.from((long) kn[0]),
                                IValue.from((long) kn[1]), IValue.from(strided), IValue.from(pairs));
                        String what = (pairs ? "bf16 pairs, " : "float32, ") + rows + " × " + kn[0] + " · (" + kn[1]
                                + " × " + kn[0] + ")ᵀ" + (strided ? ", strided x and W" : "");
                        assertThat((long) r[2]).as(what + ": shape").isEqualTo(rows * 1_000L + kn[1]);
                        // bf16 × bf16 products are exact in float32: what is left is float32 accumulation
                        assertThat(r[0] / r[1]).as(what + ": largest error / largest value").isLessThan(2e-6f);
                        checked.add(what);
                    }
                }
            }
            assertAllNaN(module, m, pairs ? "pairs_wrong" : "packed_wrong", "a packed matrix of the wrong width");
        }
        return checked;
    }

    private static float[] check(TorchScriptModule module, NDManager m, int rows, int k, int n, int threads, int isa,
            boolean bf16, boolean strided, boolean roundX) {
        return run(module, m, "forward", IValue.from((long) rows), IValue.from((long) k), IValue.from((long) n),
                IValue.from((long) threads), IValue.from((long) isa), IValue.from(bf16), IValue.from(strided),
                IValue.from(roundX));
    }

    /** Asserts that a probe method's 2 × 3 result is all NaN: refused input, never a plausible number. */
    private static void assertAllNaN(TorchScriptModule module, NDManager m, String method, String what) {
        try (IValue bad = module.run(method)) {
            float[] v = bad.toTensor((PtNDManager) m).toFloatArray();
            assertThat(v).as(what + ": NaN, never a plausible number").hasSize(6).containsOnly(Float.NaN);
        }
    }

    /** Runs a check method of the probe and returns its {largest error, largest value, rows·k + n} (args closed). */
    private static float[] run(TorchScriptModule module, NDManager m, String method, IValue... args) {
        try (IValue out = module.run(method, args)) {
            double[] d = out.toTensor((PtNDManager) m).toDoubleArray();
            return new float[] {(float) d[0], (float) d[1], (float) d[2]};
        } finally {
            for (IValue a : args) {
                a.close();
            }
        }
    }

    @Test
    void aCompiledModelOnTheCpuUsesTheKernelForDecodeAndRecordsIt() {
        available();
        try (DjlBackend b = TestBackends.backend("synthetic:tiny-llama", Map.of())) {
            ModelInfo info = b.load();
            assertThat(b.model().decodeKernel()).isTrue();
            assertThat(b.model().programSource()).contains("if few:").contains("ops.lem.small_linear(");
            assertThat(b.environment().get("djl.decode_kernel")).startsWith("lem::small_linear (");
            if (DecodeKernels.status().decodeAttention()) {
                assertThat(b.model().programSource()).contains("att = ops.lem.decode_attention(");
                assertThat(b.environment().get("djl.decode_kernel")).contains("in one call: lem::decode_attention");
            }
            EngineSetting s = info.engineSetting("decode_kernel").orElseThrow();
            assertThat(s.value()).isEqualTo("lem");
            assertThat(s.source()).isEqualTo(EngineSetting.Source.ENGINE_DEFAULT);
        }
    }

    @Test
    void libtorchsProductsGiveTheSameLogitsAndTheChoiceIsRecorded() {
        available();
        float[][] withKernel = logits(Map.of());
        float[][] withLibtorch = logits(Map.of("options.decode_kernel", "libtorch"));
        for (int step = 0; step < withKernel.length; step++) {
            float big = 0;
            float diff = 0;
            for (int v = 0; v < withKernel[step].length; v++) {
                big = Math.max(big, Math.abs(withLibtorch[step][v]));
                diff = Math.max(diff, Math.abs(withKernel[step][v] - withLibtorch[step][v]));
            }
            assertThat(diff / big).as(step == 0 ? "one row" : "three rows")
                    .isLessThan(1e-4f);
        }
        try (DjlBackend b = TestBackends.backend("synthetic:tiny-llama", Map.of("options.decode_kernel", "libtorch"))) {
            ModelInfo info = b.load();
            assertThat(b.model().programSource()).doesNotContain("ops.lem.");
            assertThat(b.environment().get("djl.decode_kernel"))
                    .isEqualTo("libtorch's products: options.decode_kernel is libtorch");
            assertThat(info.engineSetting("decode_kernel").orElseThrow().source())
                    .isEqualTo(EngineSetting.Source.SET_BY_LEM);
        }
    }

    /** Logits of one row, then of a batch of three rows (decode-sized products), with the given options. */
    private static float[][] logits(Map<String, Object> options) {
        try (DjlBackend b = TestBackends.backend("synthetic:tiny-llama", options)) {
            b.load();
            DecoderModel model = b.model();
            int vocab = model.arch.vocabSize();
            float[] one = new float[vocab];
            float[] three = new float[3 * vocab];
            model.prepare(16);
            try (NDManager m = model.manager.newSubManager()) {
                model.nextTokenLogits(new long[] {4}, new long[] {0}, 1, 1, null, model.newCache(m, 1, 16), 0, 1, one);
                model.nextTokenLogits(new long[] {4, 8, 15}, new long[] {0, 0, 0}, 3, 1, null, model.newCache(m, 3, 16),
                        0, 3, three);
            }
            return new float[][] {one, three};
        }
    }

    @Test
    void bf16MatricesServeLoneRowsWithTheKernelAndMoveToOneDnnsLayoutAtTheFirstBatch() throws Exception {
        available();
        assumeTrue(MatrixFormat.ONEDNN_BF16, "this CPU has no bf16 arithmetic: oneDNN's prepacked bf16 layout is not used");
        // on CPUs with AVX512_BF16 the matrices take LEM's pairs layout at load instead: the plain path is checked too
        try (AutoCloseable plain = DecodeKernels.plainLayoutsOnly()) {
            // the kernel multiplies float32 activations by bf16 weights, oneDNN rounds the activations to bf16
            lonesThenABatchMoveTheMatrices(Map.of("precision", "bf16"), 2e-2f);
        }
    }

    @Test
    void float32MatricesServeLoneRowsWithTheKernelAndMoveToOneDnnsLayoutAtTheFirstBatch() throws Exception {
        available();
        // on AVX-512 CPUs the matrices take LEM's packed layout at load instead: the plain path is checked too
        try (AutoCloseable plain = DecodeKernels.plainLayoutsOnly()) {
            lonesThenABatchMoveTheMatrices(Map.of(), 1e-4f);
        }
    }

    @Test
    void float32MatricesArePackedAtLoadAndServeEveryProduct() {
        available();
        assumeTrue(DecodeKernels.status().packedLayout(), "LEM's packed layout needs AVX-512; this CPU runs "
                + DecodeKernels.status().isa());
        packedAtLoadServesEveryProduct(Map.of(), "ops.lem.pack_columns(w[i])", "float32 product matrices packed", 1e-4f);
    }

    @Test
    void bf16MatricesArePackedInPairsAtLoadAndServeEveryProduct() {
        available();
        assumeTrue(DecodeKernels.status().bf16PairsLayout(), "LEM's bf16 pairs layout needs AVX512_BF16; this CPU runs "
                + DecodeKernels.status().isa());
        // against oneDNN's bf16 product, which also rounds the activations to bf16 but also each product's result
        // (LEM's keeps it float32): see BF16_AGAINST_ONEDNN
        packedAtLoadServesEveryProduct(Map.of("precision", "bf16"), "ops.lem.pack_bf16_pairs(w[i])",
                "bf16 product matrices packed", BF16_AGAINST_ONEDNN);
    }

    /**
     * Largest |logit(LEM's bf16 pairs) − logit(oneDNN's bf16)| / largest |logit|, one row of synthetic:tiny-llama:
     * measured 0.44 % on the development machine, from oneDNN rounding each product's result to bf16 (2⁻⁹ ≈ 0.2 % a
     * value); against float64 both stay within ConvertedMatricesTest's bound.
     */
    static final float BF16_AGAINST_ONEDNN = 1e-2f;

    /**
     * A model whose product matrices are packed at load ({@code packing} in its program) gives the logits libtorch's
     * products give with the same options within {@code tolerance} of the largest, generates a lone request as one row,
     * the same tokens as the first row of a batch, and never moves its matrices again.
     */
    private static void packedAtLoadServesEveryProduct(Map<String, Object> options, String packing, String recorded,
            float tolerance) {
        float[] plain;
        Map<String, Object> libtorch = new java.util.HashMap<>(options);
        libtorch.put("options.decode_kernel", "libtorch");
        try (DjlBackend b = TestBackends.backend("synthetic:tiny-llama", libtorch)) {
            b.load();
            plain = lastLogits(b.model());
        }
        try (DjlBackend b = TestBackends.backend("synthetic:tiny-llama", options)) {
            ModelInfo info = b.load();
            DecoderModel model = b.model();
            assertThat(model.lemPacked()).isTrue();
            // the packed products read a wide matrix as fast as a narrow one: no column blocks unless asked for
            assertThat(info.details().get("max_block_columns"))
                    .isEqualTo("none: LEM's default: whole matrices with LEM's packed layouts");
            assertThat(info.engineSetting("max_block_columns").orElseThrow().value()).isEqualTo("none");
            assertThat(model.switchesForBatches()).as("nothing left to move at the first batch").isFalse();
            assertThat(model.programSource()).contains(packing).contains("ops.lem.packed_linear(");
            assertThat(b.environment().get("djl.decode_kernel")).contains(recorded + " at load in LEM's layout");
            float[] packed = lastLogits(model);
            float big = 0;
            float diff = 0;
            for (int v = 0; v < packed.length; v++) {
                big = Math.max(big, Math.abs(plain[v]));
                diff = Math.max(diff, Math.abs(plain[v] - packed[v]));
            }
            System.out.printf("%s: largest |logit difference| / largest |logit| against libtorch's products %.3g%n",
                    recorded, diff / big);
            assertThat(diff / big).as("logits of LEM's packed products against libtorch's").isLessThan(tolerance);
            RecordingListener lone = new RecordingListener();
            b.generate(List.of(TestBackends.greedy("a", "x y z", 4, 0, true)), lone);
            assertThat(model.kernelForOneRow()).isTrue();
            assertThat(lone.counters.get("tokens.padding")).as("a lone request is decoded as one row").isEqualTo(0.0);
            RecordingListener pair = new RecordingListener();
            b.generate(List.of(TestBackends.greedy("a", "x y z", 4, 0, true), TestBackends.greedy("b", "y z", 4, 0,
                    true)), pair);
            assertThat(pair.tokens.get("a")).as("the batch's first row generates what it generated alone")
                    .isEqualTo(lone.tokens.get("a"));
            assertThat(b.environment().get("djl.decode_kernel")).doesNotContain("moved");
            assertThat(model.packForBatches()).as("packed once, at load").isFalse();
        }
    }

    private static void lonesThenABatchMoveTheMatrices(Map<String, Object> options, float tolerance) {
        try (DjlBackend b = TestBackends.backend("synthetic:tiny-llama", options)) {
            assertThat(b.load().details().get("max_block_columns")).as("the plain layout keeps the column blocks")
                    .isEqualTo(Integer.toString(Linear.DEFAULT_MAX_BLOCK_COLUMNS));
            DecoderModel model = b.model();
            assertThat(model.switchesForBatches()).isTrue();
            assertThat(model.programSource()).contains("def repack(").contains("few = few and not packed");
            assertThat(b.environment().get("djl.decode_kernel")).contains("first batch of 2 or more requests");
            float[] before = lastLogits(model);
            RecordingListener lone = new RecordingListener();
            b.generate(List.of(TestBackends.greedy("a", "x y z", 4, 0, true)), lone);
            assertThat(model.kernelForOneRow()).as("a lone request leaves the layout alone").isTrue();
            assertThat(lone.counters.get("tokens.padding")).as("and is decoded as one row").isEqualTo(0.0);

            RecordingListener pair = new RecordingListener();
            b.generate(List.of(TestBackends.greedy("a", "x y z", 4, 0, true), TestBackends.greedy("b", "y z", 4, 0,
                    true)), pair);
            assertThat(pair.tokens.get("a")).as("the batch's first row generates what it generated alone")
                    .isEqualTo(lone.tokens.get("a"));
            assertThat(model.kernelForOneRow()).as("a batch of two moved the matrices").isFalse();
            assertThat(b.environment().get("djl.decode_kernel")).contains("moved to oneDNN's prepacked layout at the "
                    + "first batch of 2 requests");
            float[] after = lastLogits(model);
            float big = 0;
            float diff = 0;
            for (int v = 0; v < before.length; v++) {
                big = Math.max(big, Math.abs(before[v]));
                diff = Math.max(diff, Math.abs(before[v] - after[v]));
            }
            assertThat(diff / big).as("logits before and after the move").isLessThan(tolerance);
            RecordingListener loneAfter = new RecordingListener();
            b.generate(List.of(TestBackends.greedy("a", "x y z", 4, 0, true)), loneAfter);
            assertThat(loneAfter.counters.get("tokens.padding")).as("lone rows are widened to two again").isEqualTo(3.0);
            assertThat(loneAfter.tokens.get("a")).isEqualTo(lone.tokens.get("a"));
            assertThat(model.packForBatches()).as("once only").isFalse();
        }
    }

    private static float[] lastLogits(DecoderModel model) {
        float[] out = new float[model.arch.vocabSize()];
        model.prepare(16);
        try (NDManager m = model.manager.newSubManager()) {
            model.nextTokenLogits(new long[] {4}, new long[] {0}, 1, 1, null, model.newCache(m, 1, 16), 0, 1, out);
        }
        return out;
    }

    @Test
    void askingForTheKernelWhereItCannotRunIsAConfigurationErrorNamingTheWayOut() {
        assertThatThrownBy(() -> TestBackends.backend("synthetic:tiny-llama", Map.of("options.decode_kernel", "lem",
                "options.executor", "eager")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("options.decode_kernel")
                .hasMessageContaining("executor is eager")
                .hasMessageContaining("options.decode_kernel: auto");
        assertThatThrownBy(() -> TestBackends.backend("synthetic:tiny-llama", Map.of("options.decode_kernel", "lem",
                "options.quantization", "int8")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("options.quantization is int8");
        assertThatThrownBy(() -> TestBackends.backend("synthetic:tiny-llama", Map.of("options.decode_kernel", "fast")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("options.decode_kernel")
                .hasMessageContaining("auto, lem, libtorch");
    }
}
