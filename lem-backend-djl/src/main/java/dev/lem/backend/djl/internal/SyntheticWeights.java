package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.lem.model.ModelArchitecture;
import java.nio.charset.StandardCharsets;

/**
 * Seeded random weights for {@code synthetic:} models. Each tensor's values depend only on the
 * weight seed and the tensor's name (so any subset can be generated, in any order, on any machine):
 * matrices are uniform on [-a, a] with a = 0.02·√3 (standard deviation 0.02, the usual
 * {@code initializer_range}), normalisation weights are 1 and biases 0. The generator is SplitMix64,
 * written out here so the numbers do not change with the JDK or PyTorch version.
 */
final class SyntheticWeights implements WeightSource {
    static final double STD = 0.02;
    private final long seed;
    private final ModelArchitecture arch;

    SyntheticWeights(long seed, ModelArchitecture arch) {
        this.seed = seed;
        this.arch = arch;
    }

    /** Every tensor the architecture implies; biases only where it has them (all of GPT-2's, Qwen2's q/k/v). */
    @Override
    public boolean has(String name) {
        if (!name.endsWith(".bias")) {
            return true;
        }
        return arch.modelType().equals("gpt2")
                || arch.attentionBias() && name.matches(".*\\.[qkv]_proj\\.bias");
    }

    @Override
    public String dtype(String name) {
        return "F32";
    }

    @Override
    public NDArray load(String name, long[] expectedShape, NDManager manager) {
        return WeightSource.fill(manager, expectedShape, fb -> {
            int n = fb.remaining();
            if (name.endsWith(".bias")) {
                for (int i = 0; i < n; i++) {
                    fb.put(i, 0f);
                }
            } else if (isNorm(name)) {
                for (int i = 0; i < n; i++) {
                    fb.put(i, 1f);
                }
            } else {
                float[] row = new float[4096];
                long state = seedFor(name);
                for (int i = 0; i < n; i += row.length) {
                    int m = Math.min(row.length, n - i);
                    state = uniform(state, row, m, (float) (STD * Math.sqrt(3)));
                    fb.put(row, 0, m);
                }
            }
        });
    }

    /** True for normalisation weights (initialised to 1). */
    static boolean isNorm(String name) {
        return name.endsWith("norm.weight") || name.contains(".ln_") || name.startsWith("ln_")
                || name.contains("layernorm");
    }

    /** The generator state for a tensor: the weight seed mixed with a 64-bit FNV-1a hash of the name. */
    long seedFor(String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return mix(seed ^ h);
    }

    /** Fills {@code out[0..n)} with uniform values on [-a, a) and returns the next state. */
    static long uniform(long state, float[] out, int n, float a) {
        for (int i = 0; i < n; i++) {
            state += 0x9e3779b97f4a7c15L;
            long z = mix(state);
            out[i] = ((z >>> 40) * 0x1p-24f * 2f - 1f) * a;
        }
        return state;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
