package dev.lem.backend.djl.internal;

import dev.lem.model.ModelArchitecture;

/**
 * FLOPs of the matrix products one forward pass of this backend executes, from shapes alone:
 * 2·m·n·k per product of an m×k and a k×n matrix. Counted: the Q/K/V, output, MLP and LM-head
 * projections, and the attention score (QKᵀ) and value (PV) products over every cache slot attended,
 * padding slots included. Not counted: element-wise work (norms, RoPE, softmax, activations,
 * residual adds, biases), which is not matrix-product work.
 */
final class FlopsCounter {
    private FlopsCounter() {
    }

    /**
     * @param rows       batch rows
     * @param tokens     new tokens per row in this pass
     * @param length     cache slots each new token attends to (keys and values), the longest
     * @param logitRows  rows whose LM-head logits are computed
     * @return FLOPs of the pass
     */
    static double forward(ModelArchitecture a, long rows, long tokens, long length, long logitRows) {
        long n = rows * tokens;
        long h = a.hiddenSize();
        long q = (long) a.numAttentionHeads() * a.headDim();
        long kv = (long) a.numKeyValueHeads() * a.headDim();
        long inter = a.intermediateSize();
        double projections = 2.0 * n * h * (q + 2 * kv) + 2.0 * n * q * h;
        double attention = 2 * (2.0 * rows * a.numAttentionHeads() * tokens * length * a.headDim());
        double mlp = (a.gatedMlp() ? 3.0 : 2.0) * 2.0 * n * h * inter;
        double head = 2.0 * logitRows * h * a.vocabSize();
        return a.numLayers() * (projections + attention + mlp) + head;
    }
}
