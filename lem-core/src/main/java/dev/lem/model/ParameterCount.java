package dev.lem.model;

import java.util.Locale;

/**
 * The exact number of parameters of a decoder-only transformer, from its architecture, by part.
 *
 * <p>Counted: the token embedding (vocab × hidden); GPT-2's learned position embedding
 * (max positions × hidden); per layer the q, k, v and output projections (grouped-query attention:
 * k and v are hidden × kvDim) with their biases (q/k/v biases when {@code attention_bias}; the output
 * projection's bias too, except for Qwen2 whose {@code o_proj} has none), the MLP (gate, up and down
 * for SwiGLU; fc and proj for GPT-2) with biases when the model has them, and the two norms of each
 * layer plus the final norm (RMSNorm: a weight; LayerNorm: a weight and a bias); and an untied LM head
 * (vocab × hidden, no bias). A tied LM head adds nothing.
 *
 * @param embedding         token embedding, vocab × hidden
 * @param positionEmbedding learned absolute positions (GPT-2), else 0
 * @param attention         all layers' q/k/v/o projections and their biases
 * @param mlp               all layers' MLP weights and biases
 * @param norms             all normalisation weights (and LayerNorm biases), final norm included
 * @param lmHead            untied LM head, else 0
 */
public record ParameterCount(long embedding, long positionEmbedding, long attention, long mlp, long norms,
        long lmHead) {

    /**
     * Counts the parameters of {@code a}.
     *
     * @param a the model's architecture
     * @return the count, by part
     */
    public static ParameterCount of(ModelArchitecture a) {
        long d = a.hiddenSize();
        long q = a.qDim();
        long kv = a.kvDim();
        long inter = a.intermediateSize();
        long layers = a.numLayers();
        long attention = d * q + 2 * d * kv + q * d;
        if (a.attentionBias()) {
            attention += q + 2 * kv + (outputProjectionHasBias(a) ? d : 0);
        }
        long mlp = (a.gatedMlp() ? 3 : 2) * d * inter;
        if (a.mlpBias()) {
            mlp += (a.gatedMlp() ? 2 * inter : inter) + d;
        }
        long perNorm = a.norm().equalsIgnoreCase("layernorm") ? 2 * d : d;
        boolean learned = a.positionEncoding().equalsIgnoreCase("learned");
        return new ParameterCount(
                (long) a.vocabSize() * d,
                learned ? (long) a.maxPositionEmbeddings() * d : 0,
                layers * attention,
                layers * mlp,
                (2 * layers + 1) * perNorm,
                a.tieWordEmbeddings() ? 0 : (long) a.vocabSize() * d);
    }

    /** Whether {@code a}'s attention output projection has a bias: with attention biases, except Qwen2. */
    static boolean outputProjectionHasBias(ModelArchitecture a) {
        return a.attentionBias() && !a.modelType().toLowerCase(Locale.ROOT).startsWith("qwen2");
    }

    /** {@return every parameter} */
    public long total() {
        return embedding + positionEmbedding + attention + mlp + norms + lmHead;
    }

    /** {@return the parameters outside the embeddings and LM head (Kaplan et al.'s "non-embedding" N)} */
    public long nonEmbedding() {
        return attention + mlp + norms;
    }

    /**
     * Parameters that a forward pass reads only one row of per token (the input token embedding when the
     * LM head is untied, and learned position embeddings): they are stored but not streamed per step.
     * With a tied head the embedding is read whole by the LM head, so it is not counted here.
     *
     * @return the number of those parameters
     */
    public long lookupOnly() {
        return positionEmbedding + (lmHead > 0 ? embedding : 0);
    }
}
