package dev.lem.backend.vllm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.Experiment;
import dev.lem.config.ConfigException;
import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.OptionValues;
import dev.lem.config.ValueSource;
import dev.lem.spi.BackendSettings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** vLLM's engine options: translation to {@code vllm serve} flags, vLLM's rules, and what is passed twice. */
class VllmEngineOptionsTest {

    private static ExperimentConfig config(Object... kv) {
        ConfigResolver r = ConfigResolver.withDefaults().set("backend", "vllm", ValueSource.BUILDER)
                .set("model", "org/m", ValueSource.BUILDER).set("server.url", "http://127.0.0.1:8000", ValueSource.BUILDER);
        for (int i = 0; i < kv.length; i += 2) {
            r.set((String) kv[i], kv[i + 1], ValueSource.BUILDER);
        }
        return r.resolve();
    }

    private static OptionValues options(Object... kv) {
        return BackendSettings.of(config(kv), new VllmBackendProvider()).options();
    }

    /** What {@code Experiment.builder().build()} says about a configuration (the same as lem config validate). */
    private static String problems(Object... kv) {
        Experiment.Builder b = Experiment.builder().backend("vllm").model("org/m").set("server.url",
                "http://127.0.0.1:8000");
        for (int i = 0; i < kv.length; i += 2) {
            b.set((String) kv[i], kv[i + 1]);
        }
        try {
            b.build();
            return "";
        } catch (ConfigException e) {
            return e.getMessage();
        }
    }

    @Test
    void optionsBecomeVllmFlagsInVllmSyntax() {
        OptionValues o = options("options.tensor_parallel_size", 2, "options.max_num_seqs", 64,
                "options.max_num_batched_tokens", 8192, "options.gpu_memory_utilization", 0.85,
                "options.kv_cache_dtype", "fp8", "options.block_size", 32, "options.enable_prefix_caching", false,
                "options.enable_chunked_prefill", true, "options.enforce_eager", true, "options.swap_space", 0.5,
                "options.scheduling_policy", "priority", "options.dtype", "bfloat16", "options.quantization", "fp8",
                "options.max_model_len", 4096, "options.async_scheduling", false);
        assertThat(VllmEngineOptions.FLAGS.commandLine(o)).containsExactly(
                "--tensor-parallel-size", "2", "--block-size", "32", "--gpu-memory-utilization", "0.85",
                "--swap-space", "0.5", "--kv-cache-dtype", "fp8", "--no-enable-prefix-caching", "--dtype", "bfloat16",
                "--max-model-len", "4096", "--quantization", "fp8", "--enforce-eager", "--max-num-seqs", "64",
                "--max-num-batched-tokens", "8192", "--scheduling-policy", "priority", "--enable-chunked-prefill");
    }

    @Test
    void compilationAndSpeculativeSettingsBecomeOneJsonFlagEach() {
        OptionValues o = options("options.compilation_mode", 3, "options.cudagraph_mode", "full_decode_only",
                "options.cudagraph_capture_sizes", List.of(1, 2, 4, 8), "options.max_cudagraph_capture_size", 8,
                "options.speculative_method", "ngram", "options.num_speculative_tokens", 5,
                "options.prompt_lookup_max", 4, "options.prompt_lookup_min", 2);
        assertThat(VllmEngineOptions.FLAGS.commandLine(o)).containsExactly(
                "--cudagraph-capture-sizes", "1", "2", "4", "8", "--max-cudagraph-capture-size", "8",
                "--compilation-config", "{\"mode\":3,\"cudagraph_mode\":\"FULL_DECODE_ONLY\"}",
                "--speculative-config", "{\"method\":\"ngram\",\"num_speculative_tokens\":5,\"prompt_lookup_max\":4,"
                        + "\"prompt_lookup_min\":2}");
    }

    @Test
    void loraAndParallelismFlags() {
        OptionValues o = options("options.enable_lora", true, "options.max_loras", 4, "options.max_lora_rank", 64,
                "options.pipeline_parallel_size", 2, "options.distributed_executor_backend", "ray");
        assertThat(VllmEngineOptions.FLAGS.commandLine(o)).containsExactly("--pipeline-parallel-size", "2",
                "--distributed-executor-backend", "ray", "--enable-lora", "--max-loras", "4", "--max-lora-rank", "64");
    }

    @Test
    void unsetOptionsPassNothingSoVllmsOwnDefaultsApply() {
        assertThat(VllmEngineOptions.FLAGS.commandLine(options())).isEmpty();
    }

    @Test
    void badValuesNameTheKeyTheValueAndTheRule() {
        assertThat(problems("options.max_num_seqs", 0)).contains("options.max_num_seqs: 0 is below the minimum 1");
        assertThat(problems("options.kv_cache_dtype", "fp9")).contains("options.kv_cache_dtype: \"fp9\" is not one of: "
                + "auto, bfloat16, fp8, fp8_e4m3, fp8_e5m2, fp8_inc, fp8_ds_mla");
        assertThat(problems("options.gpu_memory_utilization", 1.5)).contains("options.gpu_memory_utilization: 1.5 is "
                + "above the maximum 1");
        assertThat(problems("options.enable_chunked_prefill", "yes")).contains("options.enable_chunked_prefill");
        assertThat(problems("options.max_num_seq", 8)).contains("options.max_num_seq: is not an option of backend vllm; "
                + "did you mean \"max_num_seqs\"?");
    }

    @Test
    void vllmsRulesBetweenArgumentsAreCheckedBeforeAnythingRuns() {
        assertThat(problems("options.block_size", 24)).contains("options.block_size: 24 is not a block size vLLM "
                + "supports: use 1, 8, 16, 32, 64 or 128");
        assertThat(problems("options.max_num_seqs", 512, "options.max_num_batched_tokens", 256))
                .contains("options.max_num_batched_tokens: 256 is below options.max_num_seqs (512)");
        assertThat(problems("options.enable_chunked_prefill", false, "options.max_num_batched_tokens", 2048,
                "options.max_model_len", 8192)).contains("options.max_num_batched_tokens: 2048 is below "
                + "options.max_model_len (8192) with enable_chunked_prefill: false");
        assertThat(problems("options.enforce_eager", true, "options.cudagraph_mode", "full"))
                .contains("options.cudagraph_mode: has no effect with options.enforce_eager: true");
        assertThat(problems("options.speculative_method", "ngram")).contains("options.prompt_lookup_max: is required "
                + "by speculative_method ngram").contains("options.num_speculative_tokens: is required");
        assertThat(problems("options.speculative_method", "eagle", "options.num_speculative_tokens", 3))
                .contains("options.speculative_model: is required by speculative_method eagle");
        assertThat(problems("options.speculative_method", "medusa2", "options.speculative_model", "x",
                "options.num_speculative_tokens", 3)).contains("options.speculative_method: \"medusa2\" is not a "
                + "speculative method vLLM knows");
        assertThat(problems("options.num_speculative_tokens", 3)).contains("options.num_speculative_tokens: has no "
                + "effect without speculative decoding");
        assertThat(problems("options.max_loras", 4)).contains("options.max_loras: has no effect unless "
                + "options.enable_lora is true");
        assertThat(problems("options.cudagraph_capture_sizes", List.of(1, 2, 4), "options.max_cudagraph_capture_size",
                8)).contains("options.max_cudagraph_capture_size: 8 is not the largest of "
                + "options.cudagraph_capture_sizes (4)");
        assertThat(problems("options.max_num_seqs", 64, "options.enable_prefix_caching", true)).isEmpty();
    }

    @Test
    void anArgumentSetAsAnOptionAndPassedThroughIsRefusedWithBothPlaces() {
        assertThat(problems("server.managed", true, "options.max_num_seqs", 64, "server.args",
                List.of("--max-num-seqs", "32"))).contains("options.max_num_seqs: 64 is also set by server.args "
                + "(--max-num-seqs): set it once; options.max_num_seqs is typed, checked, recorded in the results and can "
                + "be a campaign axis, so remove --max-num-seqs from server.args");
        assertThat(problems("server.managed", true, "options.enforce_eager", true, "extra", Map.of("enforce_eager",
                true))).contains("options.enforce_eager: true is also set by extra.enforce_eager (--enforce-eager)");
        assertThat(problems("server.managed", true, "options.tensor_parallel_size", 2, "server.args",
                List.of("-tp", "4"))).contains("options.tensor_parallel_size: 2 is also set by server.args "
                + "(--tensor-parallel-size)");
        assertThat(problems("server.managed", true, "options.enable_prefix_caching", true, "server.args",
                List.of("--no-enable-prefix-caching"))).contains("options.enable_prefix_caching");
        assertThat(problems("server.managed", true, "options.speculative_method", "ngram",
                "options.num_speculative_tokens", 3, "options.prompt_lookup_max", 4, "server.args",
                List.of("--speculative-config", "{\"method\": \"eagle\"}"))).contains("options.speculative_method: "
                + "ngram is also set by server.args (--speculative-config)");
        assertThat(problems("server.managed", true, "server.args", List.of("--max-num-seqs", "8"), "extra",
                Map.of("max_num_seqs", 16))).contains("extra.max_num_seqs: --max-num-seqs is set twice (server.args and "
                + "extra.max_num_seqs): set it once, preferably as options.max_num_seqs");
    }

    @Test
    void passedThroughArgumentsAreCheckedWithTheOptionsRule() {
        assertThat(problems("server.managed", true, "server.args", List.of("--gpu-memory-utilization", "1.5")))
                .contains("server.args (--gpu-memory-utilization): 1.5 is above the maximum 1");
        assertThat(problems("server.managed", true, "extra", Map.of("max_num_seqs", 0)))
                .contains("extra.max_num_seqs: 0 is below the minimum 1");
        assertThat(problems("server.managed", true, "server.args", List.of("--kv-cache-dtype=fp7")))
                .contains("server.args (--kv-cache-dtype): \"fp7\" is not one of");
        assertThat(problems("server.managed", true, "server.args", List.of("--max-num-seqs"))).contains(
                "server.args: --max-num-seqs has no value");
        assertThat(problems("server.managed", true, "server.args", List.of("--max-num-seqs", "8", "--enforce-eager",
                "--some-new-flag", "x"), "extra", Map.of("new_engine_arg", 3))).isEmpty();
    }

    @Test
    void aServerLemDidNotStartIgnoresWhatWouldBePassedThrough() {
        // server.args and extra: have no effect without server.managed (a warning says so), so no conflict either
        assertThat(problems("options.max_num_seqs", 64, "server.args", List.of("--max-num-seqs", "32"))).isEmpty();
    }
}
