package dev.lem.model;

import dev.lem.LemException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Architectures of real, published models, for {@code synthetic:<name>} models: the exact shapes
 * (and so the exact compute and memory traffic) of the real checkpoints, with seeded random weights,
 * so an architecture's cost can be measured without downloading anything.
 *
 * <p>Shapes are copied from each model's published {@code config.json}.
 */
public final class SyntheticPresets {
    private static final Map<String, ModelArchitecture> PRESETS = new LinkedHashMap<>();

    static {
        llama("SmolLM2-135M", 576, 30, 9, 3, 1536, 49152, 8192, true, false, 100000, 1e-5, null, 1, 2);
        llama("SmolLM2-360M", 960, 32, 15, 5, 2560, 49152, 8192, true, false, 100000, 1e-5, null, 1, 2);
        llama("SmolLM2-1.7B", 2048, 24, 32, 32, 8192, 49152, 8192, true, false, 130000, 1e-5, null, 1, 2);
        qwen2("Qwen2.5-0.5B", 896, 24, 14, 2, 4864, 151936, 32768);
        qwen2("Qwen2.5-1.5B", 1536, 28, 12, 2, 8960, 151936, 32768);
        llama("TinyLlama-1.1B", 2048, 22, 32, 4, 5632, 32000, 2048, false, false, 10000, 1e-5, null, 1, 2);
        llama("Llama-3.2-1B", 2048, 16, 32, 8, 8192, 128256, 131072, true, false, 500000, 1e-5,
                new RopeScaling("llama3", 32.0, 1.0, 4.0, 8192), 128000, 128001);
        llama("Llama-3.2-3B", 3072, 28, 24, 8, 8192, 128256, 131072, true, false, 500000, 1e-5,
                new RopeScaling("llama3", 32.0, 1.0, 4.0, 8192), 128000, 128001);
        llama("Llama-3.1-8B", 4096, 32, 32, 8, 14336, 128256, 131072, false, false, 500000, 1e-5,
                new RopeScaling("llama3", 8.0, 1.0, 4.0, 8192), 128000, 128001);
        llama("Mistral-7B-v0.1", 4096, 32, 32, 8, 14336, 32000, 32768, false, false, 10000, 1e-5, null, 1, 2);
        gpt2("GPT-2", 768, 12, 12, 1024);
        gpt2("GPT-2-medium", 1024, 24, 16, 1024);
        // Tiny shapes for tests and smoke runs; not copies of published models.
        llama("tiny-llama", 64, 2, 4, 2, 128, 50257, 512, false, false, 10000, 1e-5, null, 50256, 50256);
        gpt2("tiny-gpt2", 64, 2, 4, 512);
    }

    private SyntheticPresets() {
    }

    private static void llama(String name, int hidden, int layers, int heads, int kvHeads, int inter, int vocab,
            int maxPos, boolean tied, boolean bias, double theta, double eps, RopeScaling scaling, int bos, int eos) {
        PRESETS.put(name, new ModelArchitecture(name.startsWith("Mistral") ? "mistral" : "llama", hidden, layers,
                heads, kvHeads, hidden / heads, inter, vocab, maxPos, tied, bias, false, true, "silu", "rmsnorm", eps,
                "rope", theta, Optional.ofNullable(scaling), Optional.of(bos), List.of(eos), "float32"));
    }

    private static void qwen2(String name, int hidden, int layers, int heads, int kvHeads, int inter, int vocab,
            int maxPos) {
        PRESETS.put(name, new ModelArchitecture("qwen2", hidden, layers, heads, kvHeads, hidden / heads, inter, vocab,
                maxPos, true, true, false, true, "silu", "rmsnorm", 1e-6, "rope", 1_000_000.0, Optional.empty(),
                Optional.of(151643), List.of(151643), "float32"));
    }

    private static void gpt2(String name, int hidden, int layers, int heads, int maxPos) {
        PRESETS.put(name, new ModelArchitecture("gpt2", hidden, layers, heads, heads, hidden / heads, 4 * hidden,
                50257, maxPos, true, true, true, false, "gelu_new", "layernorm", 1e-5, "learned", 0.0,
                Optional.empty(), Optional.of(50256), List.of(50256), "float32"));
    }

    /** {@return the preset names, in a stable order} */
    public static List<String> names() {
        return List.copyOf(PRESETS.keySet());
    }

    /**
     * The preset with this name (case-insensitive), if any.
     *
     * @param name the preset's name, in any case
     * @return the preset's architecture; empty when there is no such preset
     */
    public static Optional<ModelArchitecture> find(String name) {
        for (Map.Entry<String, ModelArchitecture> e : PRESETS.entrySet()) {
            if (e.getKey().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }

    /**
     * The preset's canonical spelling, if any.
     *
     * @param name the preset's name, in any case
     * @return the canonical spelling; empty when there is no such preset
     */
    public static Optional<String> canonicalName(String name) {
        return PRESETS.keySet().stream().filter(k -> k.equalsIgnoreCase(name)).findFirst();
    }

    /**
     * The preset with this name, or an error listing every preset.
     *
     * @param name the preset's name, in any case
     * @return the preset's architecture
     */
    public static ModelArchitecture get(String name) {
        return find(name).orElseThrow(() -> new LemException("Unknown synthetic model \"" + name
                + "\": use synthetic:<name> with one of " + String.join(", ", PRESETS.keySet())));
    }

    /**
     * True when {@code model} is written {@code synthetic:<name>}.
     *
     * @param model the model as named in the configuration
     * @return whether it names a synthetic preset
     */
    public static boolean isSynthetic(String model) {
        return model.startsWith("synthetic:");
    }
}
