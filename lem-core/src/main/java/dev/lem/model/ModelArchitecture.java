package dev.lem.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The shape of a decoder-only transformer, as read from a Hugging Face {@code config.json} (see
 * {@link HfConfigReader}) or taken from a {@link SyntheticPresets synthetic preset}. Everything that
 * FLOPs, parameter counts, KV-cache sizes and the in-process backends need.
 *
 * @param modelType             HF {@code model_type}: {@code llama}, {@code mistral}, {@code qwen2},
 *                              {@code gpt2}, or another name for the generic fallback
 * @param hiddenSize            model width d
 * @param numLayers             decoder layers
 * @param numAttentionHeads     query heads
 * @param numKeyValueHeads      key/value heads (grouped-query attention; equal to query heads for MHA)
 * @param headDim               per-head width (usually hiddenSize / numAttentionHeads)
 * @param intermediateSize      MLP inner width
 * @param vocabSize             vocabulary size (rows of the embedding)
 * @param maxPositionEmbeddings the longest context the model supports
 * @param tieWordEmbeddings     the LM head reuses the input embedding
 * @param attentionBias         q/k/v (and for GPT-2 every linear) projections have biases
 * @param mlpBias               MLP projections have biases
 * @param gatedMlp              SwiGLU-style MLP with gate, up and down projections (Llama family);
 *                              false for the two-matrix GELU MLP (GPT-2)
 * @param activation            {@code silu} or {@code gelu_new}/{@code gelu}
 * @param norm                  {@code rmsnorm} or {@code layernorm}
 * @param normEps               epsilon of the normalisation
 * @param positionEncoding      {@code rope} or {@code learned} (GPT-2's absolute position embedding)
 * @param ropeTheta             RoPE base frequency (ignored for learned positions)
 * @param ropeScaling           optional RoPE scaling
 * @param bosTokenId            beginning-of-sequence token id, if any
 * @param eosTokenIds           end-of-sequence token ids (several for Llama 3 instruct models)
 * @param torchDtype            the checkpoint's declared dtype ({@code float32}, {@code bfloat16}, ...)
 */
public record ModelArchitecture(
        String modelType,
        int hiddenSize,
        int numLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int intermediateSize,
        int vocabSize,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        boolean mlpBias,
        boolean gatedMlp,
        String activation,
        String norm,
        double normEps,
        String positionEncoding,
        double ropeTheta,
        Optional<RopeScaling> ropeScaling,
        Optional<Integer> bosTokenId,
        List<Integer> eosTokenIds,
        String torchDtype) {

    /**
     * Checks that the object components are set and the sizes are positive, and that the query heads are a multiple
     * of the key/value heads; copies the end-of-sequence ids.
     *
     * @param modelType HF {@code model_type}
     * @param hiddenSize model width d
     * @param numLayers decoder layers
     * @param numAttentionHeads query heads
     * @param numKeyValueHeads key/value heads
     * @param headDim per-head width
     * @param intermediateSize MLP inner width
     * @param vocabSize vocabulary size
     * @param maxPositionEmbeddings the longest context the model supports
     * @param tieWordEmbeddings the LM head reuses the input embedding
     * @param attentionBias q/k/v projections have biases
     * @param mlpBias MLP projections have biases
     * @param gatedMlp SwiGLU-style MLP with gate, up and down projections
     * @param activation {@code silu} or {@code gelu_new}/{@code gelu}
     * @param norm {@code rmsnorm} or {@code layernorm}
     * @param normEps epsilon of the normalisation
     * @param positionEncoding {@code rope} or {@code learned}
     * @param ropeTheta RoPE base frequency
     * @param ropeScaling optional RoPE scaling
     * @param bosTokenId beginning-of-sequence token id, if any
     * @param eosTokenIds end-of-sequence token ids
     * @param torchDtype the checkpoint's declared dtype
     * @throws IllegalArgumentException when a size is below 1 or the query heads are not a multiple of the key/value
     *                                  heads
     */
    public ModelArchitecture {
        Objects.requireNonNull(modelType, "modelType");
        Objects.requireNonNull(activation, "activation");
        Objects.requireNonNull(norm, "norm");
        Objects.requireNonNull(positionEncoding, "positionEncoding");
        Objects.requireNonNull(ropeScaling, "ropeScaling");
        Objects.requireNonNull(bosTokenId, "bosTokenId");
        Objects.requireNonNull(torchDtype, "torchDtype");
        eosTokenIds = List.copyOf(eosTokenIds);
        requirePositive("hidden_size", hiddenSize);
        requirePositive("num_hidden_layers", numLayers);
        requirePositive("num_attention_heads", numAttentionHeads);
        requirePositive("num_key_value_heads", numKeyValueHeads);
        requirePositive("head_dim", headDim);
        requirePositive("intermediate_size", intermediateSize);
        requirePositive("vocab_size", vocabSize);
        requirePositive("max_position_embeddings", maxPositionEmbeddings);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numAttentionHeads
                    + ") must be a multiple of num_key_value_heads (" + numKeyValueHeads + ")");
        }
    }

    private static void requirePositive(String field, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(field + " (" + value + ") must be >= 1");
        }
    }

    /** {@return the width of the key (and value) projection: numKeyValueHeads × headDim} */
    public int kvDim() {
        return numKeyValueHeads * headDim;
    }

    /** {@return the width of the query projection: numAttentionHeads × headDim} */
    public int qDim() {
        return numAttentionHeads * headDim;
    }
}
