package dev.lem.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.flops.ArchitectureFlops;
import dev.lem.model.ModelArchitecture;
import dev.lem.model.ModelLocator;
import dev.lem.model.SafetensorsFixtures;
import dev.lem.model.SyntheticPresets;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ModelInspectCommandTest {
    @TempDir
    Path tmp;

    private record Run(int exitCode, String out, String err) {
    }

    private Run run(ModelLocator locator, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new ModelInspectCommand(locator));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private ModelLocator noCache() {
        return ModelLocator.withCacheDirs(List.of(tmp.resolve("empty-cache")));
    }

    @Test
    void syntheticPresetAsJson() {
        Run r = run(noCache(), "synthetic:SmolLM2-135M", "--context", "2048", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode j = JsonMapper.builder().build().readTree(r.out());
        ModelArchitecture a = SyntheticPresets.get("SmolLM2-135M");
        assertThat(j.get("model").get("source").asString()).isEqualTo("synthetic");
        assertThat(j.get("parameters").get("total").asLong()).isEqualTo(134_515_008L);
        assertThat(j.get("checkpoint").isNull()).isTrue();
        assertThat(j.get("checkpoint_reason").asString()).contains("synthetic preset");
        assertThat(j.get("weight_bytes").get("bf16").asLong()).isEqualTo(2 * 134_515_008L);
        // presets declare float32: K and V of 3 heads x 64 in 30 layers, 4 bytes each
        assertThat(j.get("dtype").asString()).isEqualTo("fp32");
        assertThat(j.get("kv_cache").get("bytes_per_token").asLong()).isEqualTo(2L * 30 * 192 * 4);
        assertThat(j.get("kv_cache").get("bytes_at_context").asLong()).isEqualTo(2L * 30 * 192 * 4 * 2048);
        assertThat(j.get("flops").get("decode_per_token").asDouble())
                .isEqualTo(ArchitectureFlops.forwardFlops(a, 2048, 1));
        assertThat(j.get("flops").get("prefill_per_token").asDouble())
                .isEqualTo(ArchitectureFlops.prefillFlops(a, 2048) / 2048);
        assertThat(j.get("flops").get("decode_linear").asLong() + j.get("flops").get("decode_attention").asLong()
                + j.get("flops").get("decode_lm_head").asLong()).isEqualTo(j.get("flops").get("decode_per_token").asLong());
    }

    @Test
    void dtypeChangesTheKvCacheSize() {
        Map<String, Object> r = ModelInspectCommand.inspect(noCache(), "synthetic:Llama-3.2-1B", Optional.of(100),
                Optional.of("bfloat16"));
        // Llama 3.2 1B: 16 layers x 8 KV heads x 64 x K and V x 2 bytes = 32 KiB per token
        assertThat(((Map<?, ?>) r.get("kv_cache")).get("bytes_per_token")).isEqualTo(32_768L);
        assertThat(r.get("dtype")).isEqualTo("bf16");
    }

    @Test
    void hfIdInTheCacheWithSafetensorsShowsBothCountsAsText() throws Exception {
        ModelArchitecture tiny = SyntheticPresets.get("tiny-llama");
        Path snapshot = tmp.resolve("hub/models--org--tiny/snapshots/abc123");
        SafetensorsFixtures.writeLlamaFolder(snapshot, tiny);
        Run r = run(ModelLocator.withCacheDirs(List.of(tmp.resolve("hub"))), "org/tiny", "--context", "256");
        assertThat(r.exitCode()).as(r.err()).isZero();
        String total = String.format(java.util.Locale.ROOT, "%,d", dev.lem.model.ParameterCount.of(tiny).total());
        assertThat(r.out()).contains("Model          org/tiny (hf-cache: " + snapshot)
                .contains("revision abc123")
                .contains("Parameters     " + total)
                .contains("Checkpoint     " + total + " parameters")
                .contains("agrees: the checkpoint's " + total + " parameters equal the architecture's count")
                .contains("KV cache       bf16:")
                .contains("at context 256");
    }

    @Test
    void missingModelIsOneLineWithExitCode1() {
        Run r = run(noCache(), "org/absent");
        assertThat(r.exitCode()).isEqualTo(LemCommand.EXIT_FAILED);
        assertThat(r.err().strip()).startsWith("lem: Model org/absent is not in the Hugging Face cache")
                .contains("huggingface-cli download org/absent").doesNotContain("\n").doesNotContain("Exception");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void badArgumentsExitWith2() {
        Run tooLong = run(noCache(), "synthetic:tiny-gpt2", "--context", "513");
        assertThat(tooLong.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(tooLong.err()).contains("--context (513) must be between 1 and the model's max_position_embeddings (512)");
        Run dtype = run(noCache(), "synthetic:tiny-gpt2", "--dtype", "int4");
        assertThat(dtype.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(dtype.err()).contains("--dtype (\"int4\") must be fp32, fp16 or bf16");
    }

    @Test
    void checkpointThatDisagreesIsReported() throws Exception {
        ModelArchitecture tiny = SyntheticPresets.get("tiny-llama");
        Path dir = SafetensorsFixtures.writeLlamaFolder(tmp.resolve("m"), tiny);
        Files.writeString(dir.resolve("config.json"), SafetensorsFixtures.llamaConfig(tiny).replace(
                "\"intermediate_size\":128", "\"intermediate_size\":256"));
        Map<String, Object> r = ModelInspectCommand.inspect(noCache(), dir.toString(), Optional.empty(), Optional.empty());
        Map<?, ?> c = (Map<?, ?>) r.get("checkpoint");
        assertThat(c.get("agrees_with_architecture")).isEqualTo(false);
        assertThat((String) c.get("agreement")).contains("difference -");
        assertThat(ModelInspectCommand.text(r)).contains("DISAGREES");
    }

    @Test
    void unknownFolderIsAnError() {
        assertThatThrownBy(() -> ModelInspectCommand.inspect(noCache(), tmp.resolve("x/y/z").toString(),
                Optional.empty(), Optional.empty())).hasMessageContaining("does not exist");
    }
}
