package dev.lem.model;

import dev.lem.LemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a Hugging Face {@code config.json} into a {@link ModelArchitecture}: Llama, Mistral, Qwen2
 * and GPT-2 field names, plus a generic fallback for other decoder-only models that use the common
 * names ({@code hidden_size}, {@code num_hidden_layers}, ...).
 */
public final class HfConfigReader {

    private HfConfigReader() {
    }

    /**
     * Reads {@code config.json} from a file or from a model folder.
     *
     * @param configOrFolder the {@code config.json} file or the model folder holding it
     * @return the architecture
     */
    public static ModelArchitecture read(Path configOrFolder) {
        Path file = Files.isDirectory(configOrFolder) ? configOrFolder.resolve("config.json") : configOrFolder;
        if (!Files.isRegularFile(file)) {
            throw new LemException("No config.json at " + file
                    + ": point the model at a Hugging Face model folder that contains config.json");
        }
        Map<String, Object> map = JsonFiles.readObject(file, "config.json should be the model's Hugging Face "
                + "configuration; download it again (a cut-short download or a saved HTML error page are common causes)");
        return fromMap(map, file.toString());
    }

    /**
     * Builds the architecture from the parsed JSON object.
     *
     * @param c the parsed {@code config.json}
     * @param where used in error messages (the file name)
     * @return the architecture
     */
    public static ModelArchitecture fromMap(Map<String, Object> c, String where) {
        String type = str(c, "model_type", "unknown");
        try {
            if (type.equals("gpt2")) {
                return gpt2(c);
            }
            int hidden = integer(c, where, "hidden_size");
            int heads = integer(c, where, "num_attention_heads");
            int kvHeads = optInt(c, "num_key_value_heads").orElse(heads);
            int headDim = optInt(c, "head_dim").orElse(hidden / heads);
            boolean qwen = type.equals("qwen2");
            boolean attentionBias = qwen || bool(c, "attention_bias", false);
            return new ModelArchitecture(type,
                    hidden,
                    integer(c, where, "num_hidden_layers"),
                    heads,
                    kvHeads,
                    headDim,
                    integer(c, where, "intermediate_size"),
                    integer(c, where, "vocab_size"),
                    optInt(c, "max_position_embeddings").orElse(2048),
                    bool(c, "tie_word_embeddings", false),
                    attentionBias,
                    bool(c, "mlp_bias", false),
                    true,
                    str(c, "hidden_act", "silu"),
                    "rmsnorm",
                    optDouble(c, "rms_norm_eps").orElse(1e-6),
                    "rope",
                    optDouble(c, "rope_theta").or(() -> ropeParameters(c).flatMap(rp -> optDouble(rp, "rope_theta")))
                            .orElse(10000.0),
                    ropeScaling(c),
                    optInt(c, "bos_token_id"),
                    tokenIds(c.get("eos_token_id")),
                    str(c, "torch_dtype", str(c, "dtype", "float32")));
        } catch (IllegalArgumentException e) {
            throw new LemException(where + ": " + e.getMessage(), e);
        }
    }

    private static ModelArchitecture gpt2(Map<String, Object> c) {
        int hidden = optInt(c, "n_embd").orElse(768);
        int heads = optInt(c, "n_head").orElse(12);
        return new ModelArchitecture("gpt2",
                hidden,
                optInt(c, "n_layer").orElse(12),
                heads,
                heads,
                hidden / heads,
                optInt(c, "n_inner").orElse(4 * hidden),
                optInt(c, "vocab_size").orElse(50257),
                optInt(c, "n_positions").orElse(1024),
                true,
                true,
                true,
                false,
                str(c, "activation_function", "gelu_new"),
                "layernorm",
                optDouble(c, "layer_norm_epsilon").orElse(1e-5),
                "learned",
                0.0,
                Optional.empty(),
                optInt(c, "bos_token_id"),
                tokenIds(c.get("eos_token_id")),
                str(c, "torch_dtype", str(c, "dtype", "float32")));
    }

    /** transformers 5 writes RoPE settings as {@code rope_parameters} instead of rope_theta/rope_scaling. */
    @SuppressWarnings("unchecked")
    private static Optional<Map<String, Object>> ropeParameters(Map<String, Object> c) {
        return c.get("rope_parameters") instanceof Map<?, ?> m ? Optional.of((Map<String, Object>) m) : Optional.empty();
    }

    private static Optional<RopeScaling> ropeScaling(Map<String, Object> c) {
        Object scaling = c.get("rope_scaling");
        if (scaling == null) {
            Optional<Map<String, Object>> rp = ropeParameters(c);
            if (rp.isEmpty() || "default".equals(rp.get().getOrDefault("rope_type", "default"))) {
                return Optional.empty();
            }
            scaling = rp.get();
        }
        if (!(scaling instanceof Map<?, ?> m)) {
            return Optional.empty();
        }
        String type = m.get("rope_type") != null ? m.get("rope_type").toString()
                : m.get("type") != null ? m.get("type").toString() : "linear";
        double factor = m.get("factor") instanceof Number n ? n.doubleValue() : 1.0;
        double low = m.get("low_freq_factor") instanceof Number n ? n.doubleValue() : 1.0;
        double high = m.get("high_freq_factor") instanceof Number n ? n.doubleValue() : 4.0;
        int orig = m.get("original_max_position_embeddings") instanceof Number n ? n.intValue() : 8192;
        return Optional.of(new RopeScaling(type, factor, low, high, orig));
    }

    private static List<Integer> tokenIds(Object value) {
        List<Integer> ids = new ArrayList<>();
        if (value instanceof Number n) {
            ids.add(n.intValue());
        } else if (value instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Number n) {
                    ids.add(n.intValue());
                }
            }
        }
        return ids;
    }

    private static int integer(Map<String, Object> c, String where, String key) {
        return optInt(c, key).orElseThrow(() -> new LemException(where + ": required field \"" + key
                + "\" is missing or not a number; this does not look like a decoder-only transformer config"));
    }

    private static Optional<Integer> optInt(Map<String, Object> c, String key) {
        return c.get(key) instanceof Number n ? Optional.of(n.intValue()) : Optional.empty();
    }

    private static Optional<Double> optDouble(Map<String, Object> c, String key) {
        return c.get(key) instanceof Number n ? Optional.of(n.doubleValue()) : Optional.empty();
    }

    private static boolean bool(Map<String, Object> c, String key, boolean fallback) {
        return c.get(key) instanceof Boolean b ? b : fallback;
    }

    private static String str(Map<String, Object> c, String key, String fallback) {
        return c.get(key) instanceof String s ? s : fallback;
    }
}
