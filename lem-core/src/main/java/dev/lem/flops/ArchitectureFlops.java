package dev.lem.flops;

import dev.lem.model.ModelArchitecture;

/**
 * Analytic forward-pass FLOPs of a decoder-only transformer: the matrix products, counting one
 * multiply-add as 2 FLOPs. This is the reference the counting backends are checked against.
 *
 * <p><b>Counted</b>, per token and layer: the q, k, v and output projections
 * ({@code 2·d·(qDim + 2·kvDim) + 2·qDim·d}; grouped-query attention makes k and v narrower), the MLP
 * ({@code 3 × 2·d·I} for SwiGLU, {@code 2 × 2·d·I} for GPT-2's GELU MLP), and attention's two products
 * QKᵀ and AV ({@code 2 × 2·qDim} per key attended to; all query heads do this work, GQA or not); and
 * the LM head ({@code 2·d·V}) for each position whose logits are computed.
 *
 * <p><b>Attention</b> is counted as a dense kernel executes it: a forward pass over {@code n} new
 * tokens after {@code c} cached ones computes an {@code n × (c + n)} score matrix per head, the
 * causally masked entries included (the convention of PaLM's MFU accounting). For a decode step
 * ({@code n = 1}) that is exactly the {@code c + 1} keys the token attends to; for a prefill it
 * includes {@link #maskedAttentionFlops the masked upper triangle}, which causal kernels such as
 * FlashAttention skip.
 *
 * <p><b>Ignored</b> (not matrix products; under 1% of the total at contexts of a few thousand tokens,
 * softmax growing with the context): embedding lookups, norms, RoPE, softmax, activation functions,
 * residual additions and bias additions.
 *
 * <p>All methods are pure functions; results are {@code double} FLOPs (exact integers below 2⁵³).
 */
public final class ArchitectureFlops {
    private ArchitectureFlops() {
    }

    /**
     * FLOPs per token of all layers' projections and MLPs: independent of context, LM head excluded.
     *
     * @param a the model's architecture
     * @return FLOPs per token
     */
    public static double linearFlopsPerToken(ModelArchitecture a) {
        double d = a.hiddenSize();
        double q = a.qDim();
        double kv = a.kvDim();
        double attention = d * (q + 2 * kv) + q * d;
        double mlp = (a.gatedMlp() ? 3.0 : 2.0) * d * a.intermediateSize();
        return 2.0 * a.numLayers() * (attention + mlp);
    }

    /**
     * FLOPs of the LM head for one position: {@code 2 · hidden · vocab}.
     *
     * @param a the model's architecture
     * @return FLOPs per token
     */
    public static double lmHeadFlopsPerToken(ModelArchitecture a) {
        return 2.0 * a.hiddenSize() * a.vocabSize();
    }

    /**
     * FLOPs of QKᵀ and AV over all layers and query heads for {@code queries} query positions, each
     * against {@code keys} key positions: {@code 4 · layers · qDim · queries · keys}.
     *
     * @param a the model's architecture
     * @param queries query positions
     * @param keys key positions each query attends to
     * @return FLOPs
     */
    public static double attentionFlops(ModelArchitecture a, long queries, long keys) {
        requireNonNegative("queries", queries);
        requireNonNegative("keys", keys);
        return 4.0 * a.numLayers() * a.qDim() * (double) queries * (double) keys;
    }

    /**
     * FLOPs of one forward pass over {@code tokens} new tokens that follow {@code contextStart} tokens
     * already in the KV cache, with the LM head applied to the last {@code logitTokens} of them:
     * {@code tokens · linear + attentionFlops(tokens, contextStart + tokens) + logitTokens · lmHead}.
     *
     * @param a the model's architecture
     * @param contextStart tokens already cached (0 for a prefill from scratch; the position of the token for a decode step)
     * @param tokens       new tokens in this pass
     * @param logitTokens  positions whose logits are computed (0 to {@code tokens})
     * @return FLOPs of the pass
     */
    public static double forwardFlops(ModelArchitecture a, long contextStart, long tokens, long logitTokens) {
        requireNonNegative("contextStart", contextStart);
        requireNonNegative("tokens", tokens);
        if (logitTokens < 0 || logitTokens > tokens) {
            throw new IllegalArgumentException("logitTokens (" + logitTokens + ") must be between 0 and tokens ("
                    + tokens + ")");
        }
        return tokens * linearFlopsPerToken(a) + attentionFlops(a, tokens, contextStart + tokens)
                + logitTokens * lmHeadFlopsPerToken(a);
    }

    /**
     * FLOPs of one generation step: a forward pass over {@code tokens} new tokens after
     * {@code contextStart} cached ones, with logits for the last position only (what a prefill that
     * samples the first output token, or a decode step, computes).
     *
     * @param a the model's architecture
     * @param contextStart tokens already cached
     * @param tokens new tokens in this pass
     * @return FLOPs of the step
     */
    public static double forwardFlops(ModelArchitecture a, long contextStart, long tokens) {
        return forwardFlops(a, contextStart, tokens, tokens > 0 ? 1 : 0);
    }

    /**
     * Prefill of a {@code promptTokens}-token prompt that yields the first output token.
     *
     * @param a the model's architecture
     * @param promptTokens tokens in the prompt
     * @return FLOPs of the prefill
     */
    public static double prefillFlops(ModelArchitecture a, long promptTokens) {
        return forwardFlops(a, 0, promptTokens);
    }

    /**
     * Decode of a request: the first output token comes from the prefill, so {@code outputTokens − 1}
     * single-token steps follow, at positions {@code promptTokens … promptTokens + outputTokens − 2}.
     * Equal to the sum of {@code forwardFlops(a, promptTokens + i, 1)} over those steps.
     *
     * @param a the model's architecture
     * @param promptTokens tokens in the prompt
     * @param outputTokens tokens generated
     * @return FLOPs of the decode steps
     */
    public static double decodeFlops(ModelArchitecture a, long promptTokens, long outputTokens) {
        requireNonNegative("promptTokens", promptTokens);
        requireNonNegative("outputTokens", outputTokens);
        long steps = Math.max(0, outputTokens - 1);
        // Σ_{i=0}^{steps-1} (promptTokens + i + 1) keys attended to
        double keys = steps * (double) (promptTokens + 1) + steps * (double) (steps - 1) / 2.0;
        return steps * (linearFlopsPerToken(a) + lmHeadFlopsPerToken(a)) + attentionFlops(a, 1, 1) * keys;
    }

    /**
     * Attention FLOPs spent on causally masked entries in a forward pass over {@code tokens} new
     * tokens: the upper triangle {@code tokens·(tokens−1)/2} of each head's score matrix, times QKᵀ and AV,
     * {@code 2 · layers · qDim · tokens · (tokens − 1)}. Subtract it from {@link #forwardFlops} for the
     * causal (useful) count.
     *
     * @param a the model's architecture
     * @param tokens new tokens in the pass
     * @return FLOPs spent on masked entries
     */
    public static double maskedAttentionFlops(ModelArchitecture a, long tokens) {
        requireNonNegative("tokens", tokens);
        return attentionFlops(a, tokens, Math.max(0, tokens - 1)) / 2.0;
    }

    private static void requireNonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " (" + value + ") must be >= 0");
        }
    }
}
