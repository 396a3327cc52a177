package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.lem.model.ModelArchitecture;
import dev.lem.spi.BackendException;
import org.jspecify.annotations.Nullable;

/**
 * GPT-2: learned absolute positions, pre-LayerNorm blocks, multi-head attention and a GELU MLP, with
 * every linear map biased and the LM head tied to the token embedding. The checkpoint's Conv1D
 * matrices ({@code [in, out]}) are transposed at load and 1/√headDim is folded into the query part
 * of {@code c_attn}. Tensor names may carry the {@code transformer.} prefix or not.
 */
final class Gpt2Model extends DecoderModel {
    private final NDArray wte;
    private final Linear lmHead;
    private final NDArray wpe;
    private final NDArray lnFWeight;
    private final NDArray lnFBias;
    private final Block[] blocks;
    private final boolean tanhGelu;
    private final NDArray geluC1;
    private final NDArray geluC2;
    private final float eps;

    private record Block(NDArray ln1W, NDArray ln1B, Linear attn, Linear proj, NDArray ln2W, NDArray ln2B, Linear fc,
            Linear out) {
    }

    Gpt2Model(ModelArchitecture a, WeightSource w, NDManager manager, DataType dtype, int maxBlockColumns,
            @Nullable LoraAdapter unmerged) {
        super(a, manager, dtype, maxBlockColumns, unmerged);
        tanhGelu = switch (a.activation()) {
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> true;
            case "gelu" -> false;
            default -> throw new BackendException("activation_function \"" + a.activation()
                    + "\" is not supported for GPT-2 by the djl backend (supported: gelu_new, gelu)");
        };
        String p = w.has("transformer.wte.weight") ? "transformer." : "";
        long h = a.hiddenSize();
        long inter = a.intermediateSize();
        eps = (float) a.normEps();
        try (NDManager cpu = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            wte = keep(raw(w, p + "wte.weight", cpu, a.vocabSize(), h));
            wpe = keep(raw(w, p + "wpe.weight", cpu, a.maxPositionEmbeddings(), h));
            blocks = new Block[a.numLayers()];
            float scale = (float) (1.0 / Math.sqrt(headDim));
            for (int i = 0; i < blocks.length; i++) {
                try (NDManager tmp = cpu.newSubManager()) {
                    String b = p + "h." + i + ".";
                    NDArray qScale = tmp.ones(new Shape(3 * h));
                    qScale.set(new ai.djl.ndarray.index.NDIndex("0:" + h), scale);
                    blocks[i] = new Block(
                            keep(raw(w, b + "ln_1.weight", tmp, h)), keep(raw(w, b + "ln_1.bias", tmp, h)),
                            Linear.of(this, raw(w, b + "attn.c_attn.weight", tmp, h, 3 * h).transpose()
                                    .mul(qScale.reshape(3 * h, 1)), raw(w, b + "attn.c_attn.bias", tmp, 3 * h).mul(qScale),
                                    false).withLora(lora(tmp, new String[] {b + "attn.c_attn.weight"},
                                            new long[] {3 * h}, null, new NDArray[] {qScale})),
                            Linear.of(this, transposed(raw(w, b + "attn.c_proj.weight", tmp, h, h)),
                                    raw(w, b + "attn.c_proj.bias", tmp, h), false).withLora(lora(tmp,
                                            new String[] {b + "attn.c_proj.weight"}, new long[] {h}, null, null)),
                            keep(raw(w, b + "ln_2.weight", tmp, h)), keep(raw(w, b + "ln_2.bias", tmp, h)),
                            Linear.of(this, transposed(raw(w, b + "mlp.c_fc.weight", tmp, h, inter)),
                                    raw(w, b + "mlp.c_fc.bias", tmp, inter), false).withLora(lora(tmp,
                                            new String[] {b + "mlp.c_fc.weight"}, new long[] {inter}, null, null)),
                            Linear.of(this, transposed(raw(w, b + "mlp.c_proj.weight", tmp, inter, h)),
                                    raw(w, b + "mlp.c_proj.bias", tmp, h), false).withLora(lora(tmp,
                                            new String[] {b + "mlp.c_proj.weight"}, new long[] {h}, null, null)));
                }
            }
            lmHead = Linear.of(this, wte, null, true);
            lnFWeight = keep(raw(w, p + "ln_f.weight", cpu, h));
            lnFBias = keep(raw(w, p + "ln_f.bias", cpu, h));
        }
        // gelu_new(x) = 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) = x·sigmoid(x·(c1 + c2·x²))
        double k = 2 * Math.sqrt(2 / Math.PI);
        geluC1 = constant((float) k);
        geluC2 = constant((float) (k * 0.044715));
    }

    private static NDArray transposed(NDArray a) {
        return a.transpose().duplicate();
    }

    @Override
    void prepare(int positions) {
        if (positions > arch.maxPositionEmbeddings()) {
            throw new BackendException("GPT-2 has learned positions up to n_positions = "
                    + arch.maxPositionEmbeddings() + "; " + positions + " were asked for");
        }
    }

    @Override
    void writeProgram(ProgramBuilder pb) {
        java.util.List<Linear[]> maps = new java.util.ArrayList<>();
        for (Block b : blocks) {
            maps.add(new Linear[] {b.attn, b.proj, b.fc, b.out});
        }
        checkSameAdapterLayout(maps);
        long h = arch.hiddenSize();
        String eps = ProgramBuilder.number(this.eps);
        int wteIndex = pb.weight(wte);
        int wpeIndex = pb.weight(wpe);
        int headIndex = pb.weights(lmHead);
        int lnFW = pb.weight(lnFWeight);
        int lnFB = pb.weight(lnFBias);
        ProgramBuilder.LayerLayout layout = pb.layers(blocks.length, l -> {
            Block b = blocks[l];
            return new int[] {pb.weight(b.ln1W), pb.weight(b.ln1B), pb.weights(b.attn), pb.weights(b.proj),
                pb.weight(b.ln2W), pb.weight(b.ln2B), pb.weights(b.fc), pb.weights(b.out)};
        });
        int[] at = layout.offsets();
        Block k = blocks[0];
        pb.line("x = torch.reshape(torch.embedding(w[" + wteIndex + "], ids) + torch.embedding(w[" + wpeIndex
                + "], positions), [n, " + h + "])");
        pb.beginLayerLoop(blocks.length, layout);
        pb.line("h = torch.layer_norm(x, [" + h + "], w[" + ProgramBuilder.at(at[0]) + "], w["
                + ProgramBuilder.at(at[1]) + "], " + eps + ")");
        pb.linear("qkv", "h", k.attn, ProgramBuilder.at(at[2]));
        pb.line("q = torch.slice(qkv, 1, 0, " + h + ")");
        pb.line("k = torch.slice(qkv, 1, " + h + ", " + 2 * h + ")");
        pb.line("v = torch.slice(qkv, 1, " + 2 * h + ", " + 3 * h + ")");
        pb.attention(heads, heads, headDim);
        pb.linear("y", "att", k.proj, ProgramBuilder.at(at[3]));
        pb.line("x = x + y");
        pb.line("h = torch.layer_norm(x, [" + h + "], w[" + ProgramBuilder.at(at[4]) + "], w["
                + ProgramBuilder.at(at[5]) + "], " + eps + ")");
        pb.linear("f", "h", k.fc, ProgramBuilder.at(at[6]));
        pb.line("act = torch.contiguous(torch.gelu(f, approximate=\"" + (tanhGelu ? "tanh" : "none") + "\"))");
        pb.linear("y", "act", k.out, ProgramBuilder.at(at[7]));
        pb.line("x = x + y");
        pb.dedent();
        pb.logits(h, arch.vocabSize(), "torch.layer_norm(last, [" + h + "], w[" + lnFW + "], w[" + lnFB + "], "
                + eps + ")", lmHead, headIndex);
    }

    @Override
    NDArray forwardEager(long[] ids, long[] positions, int b, int t, float @Nullable [] mask, KvCache cache, int start,
            boolean allPositions) {
        long h = arch.hiddenSize();
        int n = b * t;
        NDArray x = gather(wte, manager.create(ids, new Shape(b, t)))
                .add(gather(wpe, manager.create(positions, new Shape(b, t)))).reshape(n, h);
        NDArray maskArr = maskArray(mask, b, t, start + t);
        for (int l = 0; l < blocks.length; l++) {
            Block k = blocks[l];
            NDList qkv = k.attn.apply(layerNorm(x, k.ln1W, k.ln1B)).split(3, 1);
            NDArray attn = attention(qkv.get(0), qkv.get(1), qkv.get(2), maskArr, cache, l, start, b, t);
            x = x.add(k.proj.apply(attn));
            NDArray f = k.fc.apply(layerNorm(x, k.ln2W, k.ln2B));
            x = x.add(k.out.apply(rowMajor(gelu(f))));
        }
        NDArray last = layerNorm(selectForLogits(x, b, t, allPositions), lnFWeight, lnFBias);
        return logits(last, lmHead, b, t, allPositions);
    }

    private NDArray layerNorm(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal().layerNorm(x, new Shape(arch.hiddenSize()), weight, bias, eps).get(0);
    }

    private NDArray gelu(NDArray x) {
        if (!tanhGelu) {
            return x.getNDArrayInternal().gelu();
        }
        return x.mul(x.mul(x.square().mul(geluC2).add(geluC1)).getNDArrayInternal().sigmoid());
    }
}
