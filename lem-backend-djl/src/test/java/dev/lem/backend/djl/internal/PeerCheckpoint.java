package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.lem.model.ModelArchitecture;
import dev.lem.model.SyntheticPresets;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a synthetic Llama-family preset (LEM's seeded weights, {@link SyntheticWeights}) as a Hugging Face folder —
 * {@code config.json}, one float32 {@code model.safetensors}, and a Llama-style BPE {@code tokenizer.json} (byte
 * fallback, {@code ▁}-prefixed words) — so that another engine (Jlama, see {@code benchmarks/jlama}) and LEM read the
 * very same weights. Not a test: {@code PeerCheckpoint <preset> <folder>}.
 *
 * <p>The vocabulary: {@code <unk>}, {@code <s>}, {@code </s>}, the 256 byte tokens {@code <0x00>}…, {@code ▁}, the
 * letters and {@code ▁a}…{@code ▁z} (with their merges), then filler tokens up to the preset's vocabulary size. A
 * prompt of space-separated letters is one token per letter in both tokenizers.
 */
public final class PeerCheckpoint {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private PeerCheckpoint() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: PeerCheckpoint <synthetic preset, e.g. SmolLM2-135M> <folder>");
            System.exit(2);
        }
        write(args[0], Path.of(args[1]));
    }

    /** Writes the preset's folder (replacing its three files). */
    public static void write(String preset, Path folder) throws IOException {
        ModelArchitecture a = SyntheticPresets.get(preset);
        if (!a.modelType().equals("llama")) {
            throw new IllegalArgumentException(preset + " is " + a.modelType() + ": only llama presets are written");
        }
        Files.createDirectories(folder);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("architectures", List.of("LlamaForCausalLM"));
        config.put("model_type", "llama");
        config.put("hidden_size", a.hiddenSize());
        config.put("intermediate_size", a.intermediateSize());
        config.put("num_hidden_layers", a.numLayers());
        config.put("num_attention_heads", a.numAttentionHeads());
        config.put("num_key_value_heads", a.numKeyValueHeads());
        config.put("head_dim", a.headDim());
        config.put("vocab_size", a.vocabSize());
        config.put("max_position_embeddings", a.maxPositionEmbeddings());
        config.put("rms_norm_eps", a.normEps());
        config.put("rope_theta", a.ropeTheta());
        config.put("tie_word_embeddings", a.tieWordEmbeddings());
        config.put("hidden_act", "silu");
        config.put("bos_token_id", 1);
        config.put("eos_token_id", 2);
        config.put("torch_dtype", "float32");
        Files.writeString(folder.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
        Files.writeString(folder.resolve("tokenizer.json"), tokenizer(a.vocabSize()));
        weights(a, folder.resolve("model.safetensors"));
    }

    private static void weights(ModelArchitecture a, Path file) throws IOException {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        long h = a.hiddenSize();
        long q = (long) a.numAttentionHeads() * a.headDim();
        long kv = (long) a.numKeyValueHeads() * a.headDim();
        shapes.put("model.embed_tokens.weight", new long[] {a.vocabSize(), h});
        for (int l = 0; l < a.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            shapes.put(p + "input_layernorm.weight", new long[] {h});
            shapes.put(p + "self_attn.q_proj.weight", new long[] {q, h});
            shapes.put(p + "self_attn.k_proj.weight", new long[] {kv, h});
            shapes.put(p + "self_attn.v_proj.weight", new long[] {kv, h});
            shapes.put(p + "self_attn.o_proj.weight", new long[] {h, q});
            shapes.put(p + "post_attention_layernorm.weight", new long[] {h});
            shapes.put(p + "mlp.gate_proj.weight", new long[] {a.intermediateSize(), h});
            shapes.put(p + "mlp.up_proj.weight", new long[] {a.intermediateSize(), h});
            shapes.put(p + "mlp.down_proj.weight", new long[] {h, a.intermediateSize()});
        }
        shapes.put("model.norm.weight", new long[] {h});
        if (!a.tieWordEmbeddings()) {
            shapes.put("lm_head.weight", new long[] {a.vocabSize(), h});
        }
        Map<String, Object> header = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long bytes = 4;
            for (long d : e.getValue()) {
                bytes *= d;
            }
            header.put(e.getKey(), Map.of("dtype", "F32", "shape", e.getValue(), "data_offsets",
                    new long[] {offset, offset + bytes}));
            offset += bytes;
        }
        byte[] head = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (head.length + 7) / 8 * 8;
        SyntheticWeights source = new SyntheticWeights(0, a);
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
                NDManager manager = NDManager.newBaseManager(NativeEngine.ENGINE)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(head);
            out.write(" ".repeat(padded - head.length).getBytes(StandardCharsets.US_ASCII));
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                try (NDArray t = source.load(e.getKey(), e.getValue(), manager)) {
                    ByteBuffer data = t.toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN);
                    byte[] chunk = new byte[1 << 20];
                    while (data.hasRemaining()) {
                        int n = Math.min(chunk.length, data.remaining());
                        data.get(chunk, 0, n);
                        out.write(chunk, 0, n);
                    }
                }
            }
        }
    }

    /** A Llama-2-style BPE tokenizer.json with {@code vocab} tokens. */
    static String tokenizer(int vocab) throws IOException {
        Map<String, Integer> ids = new LinkedHashMap<>();
        List<String> merges = new ArrayList<>();
        for (String s : List.of("<unk>", "<s>", "</s>")) {
            ids.put(s, ids.size());
        }
        for (int b = 0; b < 256; b++) {
            ids.put(String.format("<0x%02X>", b), ids.size());
        }
        ids.put("▁", ids.size());
        for (char c = 'a'; c <= 'z'; c++) {
            ids.put(String.valueOf(c), ids.size());
        }
        for (char c = 'a'; c <= 'z'; c++) {
            ids.put("▁" + c, ids.size());
            merges.add("▁ " + c);
        }
        for (int i = ids.size(); i < vocab; i++) {
            ids.put("filler" + i, i);
        }
        List<Map<String, Object>> added = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("id", i);
            t.put("content", List.of("<unk>", "<s>", "</s>").get(i));
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
            added.add(t);
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", "<unk>");
        model.put("continuing_subword_prefix", null);
        model.put("end_of_word_suffix", null);
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        model.put("vocab", ids);
        model.put("merges", merges);
        Map<String, Object> tok = new LinkedHashMap<>();
        tok.put("version", "1.0");
        tok.put("truncation", null);
        tok.put("padding", null);
        tok.put("added_tokens", added);
        tok.put("normalizer", Map.of("type", "Sequence", "normalizers", List.of(
                Map.of("type", "Prepend", "prepend", "▁"),
                Map.of("type", "Replace", "pattern", Map.of("String", " "), "content", "▁"))));
        tok.put("pre_tokenizer", null);
        tok.put("post_processor", null);
        tok.put("decoder", Map.of("type", "Sequence", "decoders", List.of(
                Map.of("type", "Replace", "pattern", Map.of("String", "▁"), "content", " "),
                Map.of("type", "ByteFallback"), Map.of("type", "Fuse"),
                Map.of("type", "Strip", "content", " ", "start", 1, "stop", 0))));
        tok.put("model", model);
        return JSON.writeValueAsString(tok);
    }
}
