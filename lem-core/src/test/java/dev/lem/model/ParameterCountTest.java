package dev.lem.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParameterCountTest {

    /** Published parameter counts of the real checkpoints the presets copy (HF model pages / safetensors metadata). */
    @ParameterizedTest(name = "{0} has {1} parameters")
    @CsvSource({
            "SmolLM2-135M, 134515008",
            "SmolLM2-360M, 361821120",
            "SmolLM2-1.7B, 1711376384",
            "Qwen2.5-0.5B, 494032768",
            "Qwen2.5-1.5B, 1543714304",
            "TinyLlama-1.1B, 1100048384",
            "Llama-3.2-1B, 1235814400",
            "Llama-3.2-3B, 3212749824",
            "Llama-3.1-8B, 8030261248",
            "Mistral-7B-v0.1, 7241732096",
            "GPT-2, 124439808",
            "GPT-2-medium, 354823168"})
    void presetsMatchPublishedCounts(String preset, long published) {
        assertThat(ParameterCount.of(SyntheticPresets.get(preset)).total()).isEqualTo(published);
    }

    @Test
    void partsOfGpt2() {
        ParameterCount p = ParameterCount.of(SyntheticPresets.get("GPT-2"));
        assertThat(p.embedding()).isEqualTo(50257L * 768);
        assertThat(p.positionEmbedding()).isEqualTo(1024L * 768);
        assertThat(p.lmHead()).as("tied head").isZero();
        // 25 LayerNorms (2 per layer + final), weight and bias each
        assertThat(p.norms()).isEqualTo(25L * 2 * 768);
        // c_attn (768 x 2304 + 2304) and c_proj (768 x 768 + 768) per layer
        assertThat(p.attention()).isEqualTo(12L * (768 * 2304 + 2304 + 768 * 768 + 768));
        assertThat(p.lookupOnly()).as("only position rows are looked up; the tied embedding is read by the head")
                .isEqualTo(1024L * 768);
    }

    @Test
    void untiedHeadAndGroupedQueryAttention() {
        ParameterCount p = ParameterCount.of(SyntheticPresets.get("TinyLlama-1.1B"));
        assertThat(p.lmHead()).isEqualTo(32000L * 2048);
        // q and o: 2048 x 2048; k and v: 2048 x 256 (4 KV heads of 64)
        assertThat(p.attention()).isEqualTo(22L * (2 * 2048 * 2048 + 2 * 2048 * 256));
        assertThat(p.lookupOnly()).isEqualTo(32000L * 2048);
        assertThat(p.nonEmbedding()).isEqualTo(p.total() - 2 * 32000L * 2048);
    }

    @Test
    void qwen2ConfigReadFromJsonHasQkvBiasesButNoOutputBias(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 896,
                 "intermediate_size": 4864, "num_attention_heads": 14, "num_hidden_layers": 24,
                 "num_key_value_heads": 2, "vocab_size": 151936, "tie_word_embeddings": true,
                 "max_position_embeddings": 32768, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
                 "torch_dtype": "bfloat16"}""");
        ModelArchitecture a = HfConfigReader.read(dir);
        assertThat(ParameterCount.of(a).total()).isEqualTo(494_032_768L);
        // q (896) + k (128) + v (128) biases per layer, no o_proj bias
        long withoutBias = ParameterCount.of(new ModelArchitecture("qwen2", 896, 24, 14, 2, 64, 4864, 151936, 32768,
                true, false, false, true, "silu", "rmsnorm", 1e-6, "rope", 1e6, java.util.Optional.empty(),
                java.util.Optional.empty(), java.util.List.of(), "bfloat16")).total();
        assertThat(494_032_768L - withoutBias).isEqualTo(24L * (896 + 128 + 128));
    }

    @Test
    void llamaWithAttentionAndMlpBiasCountsEveryBias() {
        ModelArchitecture a = new ModelArchitecture("llama", 64, 2, 4, 2, 16, 128, 100, 512, false, true, true, true,
                "silu", "rmsnorm", 1e-5, "rope", 1e4, java.util.Optional.empty(), java.util.Optional.empty(),
                java.util.List.of(), "float32");
        ParameterCount p = ParameterCount.of(a);
        assertThat(p.attention()).isEqualTo(2L * (64 * 64 + 2 * 64 * 32 + 64 * 64 + 64 + 2 * 32 + 64));
        assertThat(p.mlp()).isEqualTo(2L * (3 * 64 * 128 + 2 * 128 + 64));
    }
}
