package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.lem.model.ModelArchitecture;
import dev.lem.spi.BackendException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The Llama family (Llama 2/3, TinyLlama, SmolLM, Mistral, Qwen2): RMSNorm, RoPE, grouped-query
 * attention, SwiGLU MLP. At load the weights are rearranged for speed without changing the
 * function: Q, K and V become one matrix (and their biases one vector), gate and up become one,
 * 1/√headDim is folded into the query rows, and each RMSNorm weight, times √hidden, is folded into the
 * columns of the matrix that follows it (the final norm too when the LM head is not tied to the
 * embedding). The norm itself is then {@code x / sqrt(Σx² + hidden·eps)} = RMSNorm(x)/√hidden, which the
 * compiled program computes in three operations ({@code x / hypot(‖x‖, √(hidden·eps))}) where
 * {@code rms_norm} takes five (measured on one 576-wide row: 2.5 vs 6.5 µs).
 */
final class LlamaModel extends DecoderModel {
    private static final String ACT = "silu";

    private final NDArray embed;
    private final Linear lmHead;
    private final @Nullable NDArray finalNorm;
    private final Layer[] layers;
    /** {@code hidden·eps}, float32 (the eager norm adds it to Σx²). */
    private final NDArray sumFloor;
    /** {@code √(hidden·eps)}, float32 (the program's norm: {@code hypot(‖x‖, normFloor)}). */
    private final NDArray normFloor;
    /** √hidden, folded with each norm weight into what follows the norm. */
    private final float normScale;
    private final double[] inverseFrequencies;
    private @Nullable NDArray cosTable;
    private @Nullable NDArray sinTable;
    private int tablePositions;

    private record Layer(Linear qkv, Linear o, Linear gateUp, Linear down) {
    }

    LlamaModel(ModelArchitecture a, WeightSource w, NDManager manager, DataType dtype, int maxBlockColumns,
            @Nullable LoraAdapter unmerged) {
        super(a, manager, dtype, maxBlockColumns, unmerged);
        if (!a.activation().equals(ACT)) {
            throw new BackendException("hidden_act \"" + a.activation() + "\" is not supported for " + a.modelType()
                    + " models by the djl backend (supported: silu)");
        }
        if (a.headDim() % 2 != 0) {
            throw new BackendException("head_dim (" + a.headDim() + ") must be even for rotary embeddings");
        }
        this.inverseFrequencies = Rope.inverseFrequencies(a);
        long h = a.hiddenSize();
        normScale = (float) Math.sqrt(h);
        long v = a.vocabSize();
        NDManager cpu = NDManager.newBaseManager(ai.djl.Device.cpu());
        try (cpu) {
            embed = keep(raw(w, "model.embed_tokens.weight", cpu, v, h));
            layers = new Layer[a.numLayers()];
            for (int i = 0; i < layers.length; i++) {
                try (NDManager tmp = cpu.newSubManager()) {
                    layers[i] = layer(w, "model.layers." + i + ".", tmp);
                }
            }
            NDArray norm = raw(w, "model.norm.weight", cpu, h);
            if (a.tieWordEmbeddings()) {
                lmHead = Linear.of(this, embed, null, true);
                finalNorm = keep(norm.mul(normScale));
            } else {
                lmHead = Linear.of(this, foldNorm(raw(w, "lm_head.weight", cpu, v, h), norm), null, false);
                finalNorm = null;
            }
        }
        sumFloor = manager.create((float) (h * a.normEps()));
        normFloor = manager.create((float) Math.sqrt(h * a.normEps()));
    }

    private Layer layer(WeightSource w, String p, NDManager tmp) {
        long h = arch.hiddenSize();
        long q = arch.qDim();
        long kv = arch.kvDim();
        long inter = arch.intermediateSize();
        NDArray inNorm = raw(w, p + "input_layernorm.weight", tmp, h);
        NDArray postNorm = raw(w, p + "post_attention_layernorm.weight", tmp, h);
        float scale = (float) (1.0 / Math.sqrt(headDim));
        NDArray qkv = NDArrays.concat(new NDList(
                raw(w, p + "self_attn.q_proj.weight", tmp, q, h).mul(scale),
                raw(w, p + "self_attn.k_proj.weight", tmp, kv, h),
                raw(w, p + "self_attn.v_proj.weight", tmp, kv, h)), 0);
        NDArray qkvBias = null;
        if (arch.attentionBias() || w.has(p + "self_attn.q_proj.bias")) {
            qkvBias = (NDArrays.concat(new NDList(
                    raw(w, p + "self_attn.q_proj.bias", tmp, q).mul(scale),
                    raw(w, p + "self_attn.k_proj.bias", tmp, kv),
                    raw(w, p + "self_attn.v_proj.bias", tmp, kv)), 0));
        }
        NDArray oBias = w.has(p + "self_attn.o_proj.bias") ? raw(w, p + "self_attn.o_proj.bias", tmp, h) : null;
        if (arch.mlpBias()) {
            throw new BackendException("mlp_bias: true is not supported by the djl backend");
        }
        NDArray gateUp = NDArrays.concat(new NDList(
                raw(w, p + "mlp.gate_proj.weight", tmp, inter, h),
                raw(w, p + "mlp.up_proj.weight", tmp, inter, h)), 0);
        Linear.Lora qkvLora = lora(tmp, new String[] {p + "self_attn.q_proj.weight", p + "self_attn.k_proj.weight",
            p + "self_attn.v_proj.weight"}, new long[] {q, kv, kv}, inNorm.mul(normScale),
                new NDArray[] {tmp.ones(new Shape(q)).mul(scale), null, null});
        Linear.Lora oLora = lora(tmp, new String[] {p + "self_attn.o_proj.weight"}, new long[] {h}, null, null);
        Linear.Lora guLora = lora(tmp, new String[] {p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight"},
                new long[] {inter, inter}, postNorm.mul(normScale), null);
        Linear.Lora downLora = lora(tmp, new String[] {p + "mlp.down_proj.weight"}, new long[] {h}, null, null);
        return new Layer(Linear.of(this, foldNorm(qkv, inNorm), qkvBias, false).withLora(qkvLora),
                Linear.of(this, raw(w, p + "self_attn.o_proj.weight", tmp, h, q), oBias, false).withLora(oLora),
                Linear.of(this, foldNorm(gateUp, postNorm), null, false).withLora(guLora),
                Linear.of(this, raw(w, p + "mlp.down_proj.weight", tmp, h, inter), null, false).withLora(downLora));
    }

    /**
     * {@code w · diag(norm · √hidden)}: a norm weight applied to the input of {@code w}, with the
     * √hidden the norm leaves out (see the class comment), folded into it.
     */
    private NDArray foldNorm(NDArray w, NDArray norm) {
        return w.mul(norm.mul(normScale).reshape(1, norm.size()));
    }

    /**
     * The program's expression for the norm of {@code v} (RMSNorm/√hidden, see the class comment);
     * computed in float32 when the model's dtype is not.
     */
    private String norm(String v, int floorIndex) {
        String floor = "w[" + floorIndex + "]";
        if (dtype == DataType.FLOAT32) {
            return "torch.div(" + v + ", torch.hypot(torch.linalg_vector_norm(" + v + ", 2, [-1], True), " + floor
                    + "))";
        }
        return "torch.to(torch.div(torch.to(" + v + ", 6), torch.hypot(torch.linalg_vector_norm(" + v
                + ", 2, [-1], True, dtype=6), " + floor + ")), " + scalarType(dtype) + ")";
    }

    /** TorchScript's ScalarType code of a compute dtype. */
    private static int scalarType(DataType d) {
        return switch (d) {
            case FLOAT16 -> 5;
            case FLOAT32 -> 6;
            default -> throw new IllegalArgumentException("no compute dtype: " + d);
        };
    }

    @Override
    void prepare(int positions) {
        if (positions <= tablePositions) {
            return;
        }
        int n = Math.max(positions, Math.min(arch.maxPositionEmbeddings(), Math.max(256, tablePositions * 2)));
        n = Math.max(n, positions);
        float[] cos = new float[n * headDim];
        float[] sin = new float[n * headDim];
        Rope.tables(inverseFrequencies, n, cos, sin);
        NDArray c = manager.create(cos, new Shape(n, headDim)).toType(dtype, false);
        NDArray s = manager.create(sin, new Shape(n, headDim)).toType(dtype, false);
        NDScope.unregister(c, s);
        if (cosTable != null) {
            cosTable.close();
            sinTable.close();
        }
        cosTable = c;
        sinTable = s;
        tablePositions = n;
    }

    @Override
    List<NDArray> positionTables() {
        return List.of(cosTable, sinTable);
    }

    @Override
    void writeProgram(ProgramBuilder pb) {
        List<Linear[]> maps = new java.util.ArrayList<>();
        for (Layer l : layers) {
            maps.add(new Linear[] {l.qkv, l.o, l.gateUp, l.down});
        }
        checkSameAdapterLayout(maps);
        long h = arch.hiddenSize();
        int half = headDim / 2;
        int rotated = heads + kvHeads;
        long inter = arch.intermediateSize();
        int embedIndex = pb.weight(embed);
        int headIndex = pb.weights(lmHead);
        int floorIndex = pb.weight(normFloor);
        String finalNormExpression = norm("last", floorIndex)
                + (finalNorm == null ? "" : " * w[" + pb.weight(finalNorm) + "]");
        ProgramBuilder.LayerLayout layout = pb.layers(layers.length, l -> new int[] {pb.weights(layers[l].qkv),
            pb.weights(layers[l].o), pb.weights(layers[l].gateUp), pb.weights(layers[l].down)});
        int[] at = layout.offsets();
        pb.line("x = torch.reshape(torch.embedding(w[" + embedIndex + "], ids), [n, " + h + "])");
        pb.line("cos = torch.reshape(torch.embedding(tables[0], positions), [b, t, 1, 2, " + half + "])");
        pb.line("sin = torch.reshape(torch.embedding(tables[1], positions), [b, t, 1, 2, " + half + "])");
        pb.beginLayerLoop(layers.length, layout);
        pb.line("h = " + norm("x", floorIndex));
        pb.linear("qkv", "h", layers[0].qkv, ProgramBuilder.at(at[0]));
        boolean oneCall = pb.decodeAttention();
        if (oneCall) {
            // a decode step: RoPE and attention in one call of the kernel library
            int q = heads * headDim;
            int kv = kvHeads * headDim;
            pb.line("if t == 1:").indent();
            pb.line("att = " + pb.decodeAttentionCall("torch.slice(qkv, 1, 0, " + q + ")", "torch.slice(qkv, 1, " + q
                    + ", " + (q + kv) + ")", "torch.slice(qkv, 1, " + (q + kv) + ", " + (q + 2 * kv) + ")", heads, kvHeads,
                    headDim, "cos", "sin"));
            pb.dedent().line("else:").indent();
        }
        pb.line("qk = torch.reshape(torch.slice(qkv, 1, 0, " + rotated * headDim + "), [b, t, " + rotated + ", 2, "
                + half + "])");
        pb.line("rot = qk * cos + torch.flip(qk, [3]) * sin");
        pb.line("q = torch.slice(rot, 2, 0, " + heads + ")");
        pb.line("k = torch.slice(rot, 2, " + heads + ", " + rotated + ")");
        pb.line("v = torch.slice(qkv, 1, " + rotated * headDim + ", " + (rotated + kvHeads) * headDim + ")");
        pb.attention(heads, kvHeads, headDim, oneCall);
        if (oneCall) {
            pb.dedent();
        }
        pb.linear("y", "att", layers[0].o, ProgramBuilder.at(at[1]));
        pb.line("x = x + y");
        pb.line("h = " + norm("x", floorIndex));
        pb.linear("gu", "h", layers[0].gateUp, ProgramBuilder.at(at[2]));
        // the activation is copied row-major before the down projection (see DecoderModel.rowMajor)
        pb.line("act = torch.contiguous(torch.silu(torch.slice(gu, 1, 0, " + inter + ")) * torch.slice(gu, 1, "
                + inter + ", " + 2 * inter + "))");
        pb.linear("y", "act", layers[0].down, ProgramBuilder.at(at[3]));
        pb.line("x = x + y");
        pb.dedent();
        pb.logits(h, arch.vocabSize(), finalNormExpression, lmHead, headIndex);
    }

    @Override
    NDArray forwardEager(long[] ids, long[] positions, int b, int t, float @Nullable [] mask, KvCache cache, int start,
            boolean allPositions) {
        int n = b * t;
        int rotated = heads + kvHeads;
        int half = headDim / 2;
        NDArray x = gather(embed, manager.create(ids, new Shape(b, t))).reshape(n, arch.hiddenSize());
        NDArray pos = manager.create(positions, new Shape(b, t));
        NDArray cos = gather(cosTable, pos).reshape(b, t, 1, 2, half);
        NDArray sin = gather(sinTable, pos).reshape(b, t, 1, 2, half);
        NDArray maskArr = maskArray(mask, b, t, start + t);
        long inter = arch.intermediateSize();
        long[] qkSplit = {(long) rotated * headDim};
        long[] qSplit = {heads};
        long[] guSplit = {inter};
        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            NDList qkv = layer.qkv.apply(rmsNorm(x)).split(qkSplit, 1);
            NDArray qk = qkv.get(0).reshape(b, t, rotated, 2, half);
            NDList rope = qk.mul(cos).add(qk.flip(3).mul(sin)).split(qSplit, 2);
            NDArray attn = attention(rope.get(0), rope.get(1), qkv.get(1), maskArr, cache, l, start, b, t);
            x = x.add(layer.o.apply(attn));
            NDList gu = layer.gateUp.apply(rmsNorm(x)).split(guSplit, 1);
            NDArray gate = gu.get(0);
            NDArray act = rowMajor(gate.mul(gate.getNDArrayInternal().sigmoid()).mul(gu.get(1)));
            x = x.add(layer.down.apply(act));
        }
        NDArray last = rmsNorm(selectForLogits(x, b, t, allPositions));
        if (finalNorm != null) {
            last = last.mul(finalNorm);
        }
        return logits(last, lmHead, b, t, allPositions);
    }

    /**
     * {@code x / sqrt(Σx² + hidden·eps)} = RMSNorm(x)/√hidden; the weight and √hidden are folded into
     * what follows. fp16 is normalised in fp32.
     */
    private NDArray rmsNorm(NDArray x) {
        if (dtype != DataType.FLOAT32) {
            NDArray f = x.toType(DataType.FLOAT32, false);
            return f.div(f.square().sum(new int[] {-1}, true).add(sumFloor).sqrt()).toType(dtype, false);
        }
        return x.div(x.square().sum(new int[] {-1}, true).add(sumFloor).sqrt());
    }
}
