package dev.lem.flops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lem.model.ModelArchitecture;
import dev.lem.model.ParameterCount;
import dev.lem.model.SyntheticPresets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ArchitectureFlopsTest {
    private static final ModelArchitecture SMOL = SyntheticPresets.get("SmolLM2-135M");

    @Test
    void decodeStepIsTwicePerMatmulParameterPlusAttentionOverTheContext() {
        // SmolLM2-135M: per layer q,o 576x576, k,v 576x192, MLP 3 x 576x1536 = 3,538,944 weights x 30 layers;
        // tied head 49,152 x 576
        double matmulWeights = 30 * 3_538_944.0 + 49_152 * 576.0;
        for (long position : new long[] {0, 1, 100, 4095}) {
            double attention = 4.0 * 30 * 576 * (position + 1); // QK^T and AV over position+1 keys, 9 heads x 64
            assertThat(ArchitectureFlops.forwardFlops(SMOL, position, 1)).isEqualTo(2 * matmulWeights + attention);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-gpt2", "Qwen2.5-0.5B", "GPT-2"})
    void matmulWeightsAreTheParametersWithoutLookupsNormsAndBiases(String preset) {
        ModelArchitecture a = SyntheticPresets.get(preset);
        ParameterCount p = ParameterCount.of(a);
        long biases = a.attentionBias() ? a.numLayers() * (long) (a.qDim() + 2 * a.kvDim()
                + (a.modelType().equals("qwen2") ? 0 : a.hiddenSize())) : 0;
        biases += a.mlpBias() ? a.numLayers() * (long) (a.intermediateSize() + a.hiddenSize()) : 0;
        long matmul = p.total() - p.lookupOnly() - p.norms() - biases;
        if (a.tieWordEmbeddings()) {
            assertThat(ArchitectureFlops.linearFlopsPerToken(a) + ArchitectureFlops.lmHeadFlopsPerToken(a))
                    .isEqualTo(2.0 * matmul);
        } else {
            assertThat(ArchitectureFlops.linearFlopsPerToken(a)).isEqualTo(2.0 * (matmul - p.lmHead()));
        }
    }

    @Test
    void decodeClosedFormEqualsTheSumOfItsSteps() {
        for (long prompt : new long[] {0, 1, 17}) {
            for (long out : new long[] {0, 1, 2, 9}) {
                double steps = 0;
                for (long i = 0; i < out - 1; i++) {
                    steps += ArchitectureFlops.forwardFlops(SMOL, prompt + i, 1);
                }
                assertThat(ArchitectureFlops.decodeFlops(SMOL, prompt, out)).isCloseTo(steps, within(1e-3));
            }
        }
    }

    @Test
    void prefillCountsTheDenseScoreMatrixAndTheMaskedPartIsItsUpperTriangle() {
        long p = 33;
        double causal = 0;
        for (long i = 0; i < p; i++) {
            causal += ArchitectureFlops.linearFlopsPerToken(SMOL) + ArchitectureFlops.attentionFlops(SMOL, 1, i + 1);
        }
        double prefill = ArchitectureFlops.prefillFlops(SMOL, p);
        assertThat(prefill - ArchitectureFlops.lmHeadFlopsPerToken(SMOL)).isGreaterThan(causal);
        assertThat(prefill - ArchitectureFlops.lmHeadFlopsPerToken(SMOL) - ArchitectureFlops.maskedAttentionFlops(SMOL, p))
                .isCloseTo(causal, within(1e-3));
        assertThat(ArchitectureFlops.maskedAttentionFlops(SMOL, 1)).isZero();
    }

    @Test
    void logitsForEveryPositionAddTheLmHeadPerToken() {
        assertThat(ArchitectureFlops.forwardFlops(SMOL, 5, 10, 10) - ArchitectureFlops.forwardFlops(SMOL, 5, 10))
                .isEqualTo(9 * ArchitectureFlops.lmHeadFlopsPerToken(SMOL));
        assertThat(ArchitectureFlops.forwardFlops(SMOL, 5, 0)).isZero();
    }

    /**
     * Canned output of PyTorch 2.11's FlopCounterMode around Hugging Face transformers 5.17 models (random
     * weights, SDPA attention) on an H100: it counts the same matmuls, plus Llama's RoPE frequency
     * outer product (inv_freq [32] x positions, 2 x 32 FLOPs per position) that this formula ignores.
     */
    @Test
    void matchesPyTorchsFlopCounterOnHuggingFaceModels() {
        ModelArchitecture gpt2 = SyntheticPresets.get("GPT-2");
        long rope = 2 * 32;
        assertThat(ArchitectureFlops.forwardFlops(SMOL, 0, 128, 1) + 128 * rope).isEqualTo(28_368_183_296.0);
        assertThat(ArchitectureFlops.forwardFlops(SMOL, 0, 128, 128) + 128 * rope).isEqualTo(35_559_317_504.0);
        assertThat(ArchitectureFlops.forwardFlops(SMOL, 128, 1) + rope).isEqualTo(277_876_288.0);
        assertThat(ArchitectureFlops.forwardFlops(gpt2, 0, 64, 64)).isEqualTo(15_963_095_040.0);
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> ArchitectureFlops.forwardFlops(SMOL, -1, 1)).hasMessageContaining("contextStart (-1)");
        assertThatThrownBy(() -> ArchitectureFlops.forwardFlops(SMOL, 0, 2, 3))
                .hasMessageContaining("logitTokens (3) must be between 0 and tokens (2)");
        assertThatThrownBy(() -> ArchitectureFlops.decodeFlops(SMOL, 0, -2)).hasMessageContaining("outputTokens (-2)");
    }
}
