package dev.lem.backend.djl.internal;

/**
 * The format of the matrices of a compiled program's products ({@code precision: bf16},
 * {@code options.quantization: int8}). Conversions happen inside the program (its {@code prepare} method, see
 * {@link ProgramBuilder}): DJL only ever holds the float32 weights as loaded and opaque references to the
 * converted list, so no bf16 or quantised tensor crosses into DJL (a bf16 NDArray aborts the JVM).
 */
enum MatrixFormat {
    /** The compute dtype as loaded (float32 or float16): products with {@code mm}/{@code linear}. */
    AS_LOADED,
    /** bfloat16 matrices, activations rounded to bf16 at each product, float32 everywhere else. */
    BF16,
    /** int8 matrices with per-output-channel scales, activations quantised per product (dynamic quantisation). */
    INT8;

    /** TorchScript's ScalarType code of bfloat16. */
    static final int BF16_CODE = 15;

    /**
     * Whether int8 products quantise activations to the reduced range [0, 127] (PyTorch's choice on x86, where
     * fbgemm's kernels without VNNI add pairs of u8·s8 products in int16 and could saturate) rather than [0, 255]:
     * reduced unless this CPU has VNNI ({@code avx512_vnni} or {@code avx_vnni} in {@code /proc/cpuinfo}), whose
     * instructions accumulate in int32. The full range halves the activations' rounding error.
     */
    static final boolean REDUCED_RANGE;

    /**
     * Whether bf16 products use oneDNN's prepacked bf16 kernels ({@code mkldnn::_reorder_linear_weight} once at
     * load, {@code mkldnn::_linear_pointwise} per product): on CPUs with native bf16 arithmetic ({@code avx512_bf16}
     * or {@code amx_bf16}). Elsewhere the products call ATen's bf16 {@code linear}, which works on any CPU.
     */
    static final boolean ONEDNN_BF16;

    static {
        java.util.Set<String> flags = cpuFlags();
        REDUCED_RANGE = !(flags.contains("avx512_vnni") || flags.contains("avx_vnni"));
        ONEDNN_BF16 = flags.contains("avx512_bf16") || flags.contains("amx_bf16");
    }

    /** {@return the CPU's feature flags from /proc/cpuinfo (empty where it cannot be read)} */
    private static java.util.Set<String> cpuFlags() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return java.util.Set.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return java.util.Set.of();
        }
        return java.util.Set.of();
    }

    /** {@return the weights' storage type in words: {@code bf16}, {@code int8}, or null for {@link #AS_LOADED}} */
    @org.jspecify.annotations.Nullable String word() {
        return switch (this) {
            case AS_LOADED -> null;
            case BF16 -> "bf16";
            case INT8 -> "int8";
        };
    }
}
