package dev.lem.model;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes Hugging Face model folders for tests: a {@code config.json} and safetensors files whose
 * headers describe the tensors of an architecture (data bytes are zeros, written sparsely).
 */
public final class SafetensorsFixtures {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private SafetensorsFixtures() {
    }

    /** Tensor names and shapes of a Llama-family checkpoint with HF's naming. */
    public static Map<String, List<Long>> llamaTensors(ModelArchitecture a) {
        Map<String, List<Long>> t = new LinkedHashMap<>();
        long d = a.hiddenSize();
        t.put("model.embed_tokens.weight", List.of((long) a.vocabSize(), d));
        for (int i = 0; i < a.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            t.put(p + "input_layernorm.weight", List.of(d));
            t.put(p + "post_attention_layernorm.weight", List.of(d));
            t.put(p + "self_attn.q_proj.weight", List.of((long) a.qDim(), d));
            t.put(p + "self_attn.k_proj.weight", List.of((long) a.kvDim(), d));
            t.put(p + "self_attn.v_proj.weight", List.of((long) a.kvDim(), d));
            t.put(p + "self_attn.o_proj.weight", List.of(d, (long) a.qDim()));
            t.put(p + "mlp.gate_proj.weight", List.of((long) a.intermediateSize(), d));
            t.put(p + "mlp.up_proj.weight", List.of((long) a.intermediateSize(), d));
            t.put(p + "mlp.down_proj.weight", List.of(d, (long) a.intermediateSize()));
        }
        t.put("model.norm.weight", List.of(d));
        if (!a.tieWordEmbeddings()) {
            t.put("lm_head.weight", List.of((long) a.vocabSize(), d));
        }
        return t;
    }

    /** A {@code config.json} for a Llama-family architecture. */
    public static String llamaConfig(ModelArchitecture a) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("model_type", a.modelType());
        c.put("hidden_size", a.hiddenSize());
        c.put("num_hidden_layers", a.numLayers());
        c.put("num_attention_heads", a.numAttentionHeads());
        c.put("num_key_value_heads", a.numKeyValueHeads());
        c.put("intermediate_size", a.intermediateSize());
        c.put("vocab_size", a.vocabSize());
        c.put("max_position_embeddings", a.maxPositionEmbeddings());
        c.put("tie_word_embeddings", a.tieWordEmbeddings());
        c.put("torch_dtype", "bfloat16");
        return JSON.writeValueAsString(c);
    }

    /** Writes one safetensors file holding {@code tensors}, all of {@code dtype} ({@code F32}, {@code BF16}, ...). */
    public static void write(Path file, Map<String, List<Long>> tensors, String dtype) throws IOException {
        int bytes = TensorDtype.find(dtype).orElseThrow().bytes();
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("__metadata__", Map.of("format", "pt"));
        long offset = 0;
        for (Map.Entry<String, List<Long>> e : tensors.entrySet()) {
            long n = e.getValue().stream().reduce(1L, (x, y) -> x * y) * bytes;
            header.put(e.getKey(), Map.of("dtype", dtype, "shape", e.getValue(), "data_offsets", List.of(offset, offset + n)));
            offset += n;
        }
        StringBuilder json = new StringBuilder(JSON.writeValueAsString(header));
        while (json.length() % 8 != 0) {
            json.append(' ');
        }
        byte[] h = json.toString().getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            f.write(h);
            f.setLength(8L + h.length + offset);
        }
    }

    /** A model folder: config.json plus one {@code model.safetensors} in BF16. */
    public static Path writeLlamaFolder(Path dir, ModelArchitecture a) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), llamaConfig(a));
        write(dir.resolve("model.safetensors"), llamaTensors(a), "BF16");
        return dir;
    }
}
