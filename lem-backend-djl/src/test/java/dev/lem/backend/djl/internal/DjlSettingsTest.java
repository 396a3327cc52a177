package dev.lem.backend.djl.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.config.ConfigException;
import dev.lem.model.ModelArchitecture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DjlSettingsTest {
    @TempDir
    Path dir;

    private static DjlSettings settings(String model, Map<String, Object> s) {
        return DjlSettings.from(TestBackends.settings(model, s));
    }

    @Test
    void bf16AndInt8SelectTheirMatrixFormats() {
        assertThat(settings("synthetic:tiny-llama", Map.of("precision", "bf16")).matrices()).isEqualTo(MatrixFormat.BF16);
        assertThat(settings("synthetic:tiny-llama", Map.of("options.quantization", "int8")).matrices())
                .isEqualTo(MatrixFormat.INT8);
        assertThat(settings("synthetic:tiny-llama", Map.of("precision", "auto", "options.quantization", "int8"))
                .matrices()).isEqualTo(MatrixFormat.INT8);
        assertThat(settings("synthetic:tiny-llama", Map.of()).matrices()).isEqualTo(MatrixFormat.AS_LOADED);
    }

    @Test
    void int8AndBf16MistakesAreRefusedNamingTheKeyAndTheFix() {
        assertThatThrownBy(() -> settings("synthetic:tiny-llama", Map.of("precision", "bf16",
                "options.quantization", "int8"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("options.quantization").hasMessageContaining("precision bf16")
                .hasMessageContaining("precision: fp32");
        assertThatThrownBy(() -> settings("synthetic:tiny-llama", Map.of("precision", "fp16",
                "options.quantization", "int8"))).hasMessageContaining("precision fp16");
        assertThatThrownBy(() -> settings("synthetic:tiny-llama", Map.of("device", "cuda:0",
                "options.quantization", "int8"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("options.quantization").hasMessageContaining("no CUDA implementation")
                .hasMessageContaining("device: cpu");
        assertThatThrownBy(() -> settings("synthetic:tiny-llama", Map.of("precision", "bf16",
                "options.executor", "eager"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("options.executor").hasMessageContaining("compiled");
        assertThatThrownBy(() -> settings("synthetic:tiny-llama", Map.of("options.quantization", "int4")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("options.quantization")
                .hasMessageContaining("int4").hasMessageContaining("int8");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> settings("synthetic:tiny-llama", Map.of("options.threads", 0,
                        "options.hiden_size", 8, "options.weight_seed", "x")));
        assertThat(e.problems()).extracting(p -> p.path()).containsExactlyInAnyOrder("options.threads",
                "options.hiden_size", "options.weight_seed");
        // the plug-in's options are checked with the same rules and messages as core keys
        assertThat(e.getMessage()).contains("options.threads: 0 is below the minimum 1")
                .contains("options.hiden_size: is not an option of backend djl; did you mean \"hidden_size\"?")
                .contains("options.weight_seed: \"x\" is not a whole number; write it without quotes");
    }

    @Test
    void customSyntheticShapesOverrideThePreset() {
        DjlSettings s = settings("synthetic:SmolLM2-135M", Map.of("options.num_hidden_layers", 2,
                "options.hidden_size", 96, "options.num_attention_heads", 6, "options.num_key_value_heads", 2,
                "options.vocab_size", 1000, "options.tie_word_embeddings", false));
        ModelArchitecture a = s.syntheticArchitecture();
        assertThat(a.numLayers()).isEqualTo(2);
        assertThat(a.hiddenSize()).isEqualTo(96);
        assertThat(a.headDim()).isEqualTo(16);
        assertThat(a.numKeyValueHeads()).isEqualTo(2);
        assertThat(a.vocabSize()).isEqualTo(1000);
        assertThat(a.tieWordEmbeddings()).isFalse();
        assertThat(a.intermediateSize()).as("kept from the preset").isEqualTo(1536);
    }

    @Test
    void inconsistentShapesAreRejected() {
        assertThatThrownBy(() -> settings("synthetic:tiny-llama", Map.of("options.hidden_size", 50)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("options")
                .hasMessageContaining("hidden_size (50) must be a multiple of num_attention_heads (4)");
        assertThatThrownBy(() -> settings("synthetic:tiny-llama", Map.of("options.num_key_value_heads", 3)))
                .hasMessageContaining("num_attention_heads (4) must be a multiple of num_key_value_heads (3)");
    }

    @Test
    void shapeOptionsOnlyApplyToSyntheticModels() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{}");
        assertThatThrownBy(() -> settings(dir.toString(), Map.of("options.hidden_size", 64)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("options.hidden_size")
                .hasMessageContaining("only applies to synthetic");
    }

    @Test
    void theExecutorIsCompiledUnlessEagerIsAsked() {
        assertThat(settings("synthetic:tiny-llama", Map.of()).executor()).isEqualTo(DecoderModel.Executor.COMPILED);
        assertThat(settings("synthetic:tiny-llama", Map.of("options.executor", "Eager")).executor())
                .isEqualTo(DecoderModel.Executor.EAGER);
        assertThatThrownBy(() -> settings("synthetic:tiny-llama", Map.of("options.executor", "jit")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("options.executor")
                .hasMessageContaining("\"jit\" is not one of: compiled, eager");
    }

    @Test
    void theBlockWidthIsCheckedAndDefaultsTo1024() {
        assertThat(settings("synthetic:tiny-llama", Map.of()).maxBlockColumns()).isEqualTo(1024);
        assertThat(settings("synthetic:tiny-llama", Map.of("options.max_block_columns", 4096)).maxBlockColumns())
                .isEqualTo(4096);
        assertThatThrownBy(() -> settings("synthetic:tiny-llama", Map.of("options.max_block_columns", 3)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("options.max_block_columns")
                .hasMessageContaining("3 is below the minimum 16");
    }
}
