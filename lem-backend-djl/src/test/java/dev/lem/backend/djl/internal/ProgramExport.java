package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes what a machine without Java needs to run the compiled executor's program elsewhere (a GPU
 * machine with Python and PyTorch): for small synthetic Llama-family and GPT-2 shapes, the program
 * archive exactly as the backend hands it to libtorch, its weight list (raw float32 plus shapes), the
 * position tables, the inputs of a left-padded prefill and of one decode step, and the logits the
 * eager executor computed for both on this CPU. {@code src/test/device/check_program.py} loads the
 * archive with {@code torch.jit.load} and compares. Not a test: a main for the device check.
 *
 * <pre>java -cp ... dev.lem.backend.djl.internal.ProgramExport OUT_DIR</pre>
 */
public final class ProgramExport {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ProgramExport() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        Map<String, Object> small = Map.of("options.num_hidden_layers", 3, "options.hidden_size", 256,
                "options.num_attention_heads", 4, "options.num_key_value_heads", 2, "options.intermediate_size",
                640, "options.vocab_size", 3000);
        export(out.resolve("llama"), "synthetic:SmolLM2-135M", small);
        export(out.resolve("qwen2-untied"), "synthetic:Qwen2.5-0.5B", merge(small, Map.of(
                "options.tie_word_embeddings", false)));
        export(out.resolve("gpt2"), "synthetic:GPT-2", Map.of("options.num_hidden_layers", 2, "options.hidden_size", 128,
                "options.num_attention_heads", 4, "options.vocab_size", 2000));
    }

    private static Map<String, Object> merge(Map<String, Object> a, Map<String, Object> b) {
        Map<String, Object> m = new LinkedHashMap<>(a);
        m.putAll(b);
        return m;
    }

    @SuppressWarnings("try")
    private static void export(Path dir, String model, Map<String, Object> shape) throws IOException {
        Files.createDirectories(dir);
        int b = 2;
        int t = 9;
        int pad = 3;
        long[] ids = new long[b * t];
        long[] positions = new long[b * t];
        float[] mask = new float[b * t * t];
        for (int i = 0; i < b; i++) {
            int rowPad = i == 1 ? pad : 0;
            for (int q = 0; q < t; q++) {
                ids[i * t + q] = q < rowPad ? 0 : 5 + (q * 37 + i * 11) % 900;
                positions[i * t + q] = Math.max(0, q - rowPad);
                for (int k = 0; k < t; k++) {
                    boolean visible = k <= q && k >= rowPad;
                    mask[(i * t + q) * t + k] = visible ? 0f : DecoderModel.MASK_FP32;
                }
            }
        }
        long[] nextIds = {17, 23};
        long[] nextPositions = {t, t - pad};
        float[] nextMask = new float[b * (t + 1)];
        for (int k = 0; k < pad; k++) {
            nextMask[(t + 1) + k] = DecoderModel.MASK_FP32;
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        Map<String, Object> eagerOptions = merge(shape, Map.of("options.executor", "eager"));
        try (DjlBackend compiled = TestBackends.backend(model, shape);
                DjlBackend eager = TestBackends.backend(model, eagerOptions)) {
            compiled.load();
            eager.load();
            DecoderModel c = compiled.model();
            DecoderModel e = eager.model();
            c.prepare(t + 1);
            e.prepare(t + 1);
            Files.write(dir.resolve("program.pt"), TorchScriptModule.archive(ProgramBuilder.CLASS_NAME, c.programSource()));
            Files.writeString(dir.resolve("program.py"), c.programSource());
            List<List<Long>> shapes = new ArrayList<>();
            try (OutputStream w = Files.newOutputStream(dir.resolve("weights.bin"))) {
                for (NDArray a : c.programWeightList()) {
                    shapes.add(java.util.Arrays.stream(a.getShape().getShape()).boxed().toList());
                    w.write(littleEndian(a.toFloatArray()));
                }
            }
            List<List<Long>> tableShapes = new ArrayList<>();
            try (OutputStream w = Files.newOutputStream(dir.resolve("tables.bin"))) {
                for (NDArray a : c.positionTables()) {
                    tableShapes.add(java.util.Arrays.stream(a.getShape().getShape()).boxed().toList());
                    w.write(littleEndian(a.toFloatArray()));
                }
            }
            float[] prefill;
            float[] decode;
            float[] compiledPrefill;
            float[] compiledDecode;
            try (NDManager m = e.manager.newSubManager(); NDScope scope = new NDScope()) {
                KvCache cache = e.newCache(m, b, t + 1);
                prefill = e.forward(ids, positions, b, t, mask, cache, 0, true).toFloatArray();
                decode = e.forward(nextIds, nextPositions, b, 1, nextMask, cache, t, false).toFloatArray();
            }
            try (NDManager m = c.manager.newSubManager(); NDScope scope = new NDScope()) {
                KvCache cache = c.newCache(m, b, t + 1);
                compiledPrefill = c.forward(ids, positions, b, t, mask, cache, 0, true).toFloatArray();
                compiledDecode = c.forward(nextIds, nextPositions, b, 1, nextMask, cache, t, false).toFloatArray();
            }
            meta.put("model", model);
            meta.put("weights", shapes);
            meta.put("tables", tableShapes);
            meta.put("batch", b);
            meta.put("tokens", t);
            meta.put("kv_heads", c.kvHeads);
            meta.put("head_dim", c.headDim);
            meta.put("vocab", c.arch.vocabSize());
            meta.put("layers", c.arch.numLayers());
            meta.put("ids", ids);
            meta.put("positions", positions);
            meta.put("next_ids", nextIds);
            meta.put("next_positions", nextPositions);
            meta.put("mask_value", DecoderModel.MASK_FP32);
            meta.put("mask", mask);
            meta.put("next_mask", nextMask);
            meta.put("eager_prefill_logits", prefill);
            meta.put("eager_decode_logits", decode);
            meta.put("cpu_compiled_max_difference", Math.max(maxDifference(prefill, compiledPrefill),
                    maxDifference(decode, compiledDecode)));
        }
        Files.writeString(dir.resolve("case.json"), JSON.writeValueAsString(meta));
        System.out.println(dir + ": exported, compiled vs eager on this CPU: " + meta.get("cpu_compiled_max_difference"));
    }

    private static double maxDifference(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    private static byte[] littleEndian(float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return buf.array();
    }
}
