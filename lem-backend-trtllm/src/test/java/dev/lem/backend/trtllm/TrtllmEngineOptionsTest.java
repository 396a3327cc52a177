package dev.lem.backend.trtllm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.Experiment;
import dev.lem.config.ConfigException;
import dev.lem.config.ConfigResolver;
import dev.lem.config.EngineArgument;
import dev.lem.config.OptionValues;
import dev.lem.config.ParameterCoverage;
import dev.lem.config.ValueSource;
import dev.lem.serving.FakeServerScript;
import dev.lem.spi.BackendContext;
import dev.lem.spi.BackendSettings;
import dev.lem.spi.EngineSetting;
import dev.lem.spi.EngineSetting.Source;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.ModelInfo;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * TensorRT-LLM's engine options: trtllm-serve flags and the LLM API options file LEM writes (merged with the
 * user's own), TensorRT-LLM's rules, what is set twice, the recorded settings, and the measured coverage.
 */
@Timeout(120)
class TrtllmEngineOptionsTest {
    @TempDir
    Path dir;

    private static OptionValues options(Object... kv) {
        ConfigResolver r = ConfigResolver.withDefaults().set("backend", "trtllm", ValueSource.BUILDER)
                .set("server.url", "http://127.0.0.1:8000", ValueSource.BUILDER);
        for (int i = 0; i < kv.length; i += 2) {
            r.set((String) kv[i], kv[i + 1], ValueSource.BUILDER);
        }
        return BackendSettings.of(r.resolve(), new TrtllmBackendProvider()).options();
    }

    private static String problems(Object... kv) {
        Experiment.Builder b = Experiment.builder().backend("trtllm").model("org/m").set("server.url",
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
    void servingFlagsInTrtllmServeSyntaxAndTheRestInTheLlmApiOptionsFile() {
        OptionValues o = options("options.max_batch_size", 64, "options.max_num_tokens", 4096,
                "options.tensor_parallel_size", 2, "options.kv_cache_free_gpu_memory_fraction", 0.8,
                "options.backend", "pytorch", "options.enable_chunked_prefill", true, "options.enable_block_reuse", false,
                "options.kv_cache_dtype", "fp8", "options.capacity_scheduler_policy", "max_utilization",
                "options.context_chunking_policy", "equal_progress", "options.cuda_graph_max_batch_size", 64,
                "options.cuda_graph_padding", true, "options.disable_overlap_scheduler", true, "options.moe_backend",
                "TRTLLM", "options.stream_interval", 4);
        assertThat(TrtllmEngineOptions.FLAGS.commandLine(o)).containsExactly("--backend", "pytorch", "--tp_size", "2",
                "--max_batch_size", "64", "--max_num_tokens", "4096", "--kv_cache_free_gpu_memory_fraction", "0.8");
        Map<String, Object> yaml = TrtllmEngineOptions.fileEntries(o, true);
        assertThat(yaml).containsEntry("enable_chunked_prefill", true)
                .containsEntry("kv_cache_config", Map.of("enable_block_reuse", false, "dtype", "fp8"))
                .containsEntry("scheduler_config", Map.of("capacity_scheduler_policy", "MAX_UTILIZATION",
                        "context_chunking_policy", "EQUAL_PROGRESS"))
                .containsEntry("cuda_graph_config", Map.of("max_batch_size", 64, "enable_padding", true))
                .containsEntry("disable_overlap_scheduler", true).containsEntry("moe_config", Map.of("backend", "TRTLLM"))
                .containsEntry("stream_interval", 4).containsEntry("enable_iter_perf_stats", true);
    }

    @Test
    void cudaGraphsOffIsANullConfigAndTorchCompileOnAnEmptyOne() {
        Map<String, Object> yaml = TrtllmEngineOptions.fileEntries(options("options.cuda_graphs", false,
                "options.torch_compile", true), false);
        assertThat(yaml).containsEntry("cuda_graph_config", null).containsEntry("torch_compile_config", Map.of())
                .doesNotContainKey("enable_iter_perf_stats");
        assertThat(TrtllmEngineOptions.fileEntries(options(), false)).isEmpty();
    }

    @Test
    void trtllmsRulesAndBadValuesNameTheKey() {
        assertThat(problems("options.max_batch_size", 0)).contains("options.max_batch_size: 0 is below the minimum 1");
        assertThat(problems("options.capacity_scheduler_policy", "fifo")).contains("options.capacity_scheduler_policy: "
                + "\"fifo\" is not one of: max_utilization, guaranteed_no_evict, static_batch");
        assertThat(problems("options.max_batch_size", 256, "options.max_num_tokens", 128)).contains(
                "options.max_num_tokens: 128 is below options.max_batch_size (256)");
        assertThat(problems("options.cuda_graphs", false, "options.cuda_graph_padding", true)).contains(
                "options.cuda_graph_padding: has no effect with options.cuda_graphs: false");
        assertThat(problems("options.context_chunking_policy", "equal_progress")).contains(
                "options.context_chunking_policy: has no effect unless options.enable_chunked_prefill is true");
        assertThat(problems("options.speculative_decoding_type", "Eagle")).contains("options.speculative_model_dir: is "
                + "required by speculative_decoding_type Eagle").contains("options.speculative_max_draft_len: is required");
        assertThat(problems("options.speculative_decoding_type", "eagle3", "options.speculative_max_draft_len", 3))
                .contains("options.speculative_decoding_type: \"eagle3\" is not a decoding type TensorRT-LLM knows");
        assertThat(problems("options.dynamic_batch_size_tuning", true)).contains("options.dynamic_max_num_tokens_tuning:"
                + " is required with the other dynamic batching options");
        assertThat(problems("options.backend", "tensorrt", "options.cuda_graph_padding", true)).contains(
                "options.cuda_graph_padding: is an argument of the pytorch runtime only (TorchLlmArgs); with backend "
                + "tensorrt TensorRT-LLM refuses it at start");
        assertThat(problems("server.managed", true, "server.args", List.of("--backend", "tensorrt"),
                "options.stream_interval", 2)).contains("options.stream_interval: is an argument of the pytorch runtime");
        assertThat(problems("options.backend", "pytorch", "options.cuda_graph_padding", true)).isEmpty();
        assertThat(problems("options.max_loras", 2)).contains("options.max_loras: has no effect unless "
                + "options.enable_lora is true");
    }

    @Test
    void anArgumentSetTwiceNamesBothPlaces() throws Exception {
        assertThat(problems("server.managed", true, "options.max_batch_size", 64, "server.args",
                List.of("--max_batch_size", "32"))).contains("options.max_batch_size: 64 is also set by server.args "
                + "(--max_batch_size)");
        assertThat(problems("server.managed", true, "server.args", List.of("--kv_cache_free_gpu_memory_fraction", "1.2")))
                .contains("server.args (--kv_cache_free_gpu_memory_fraction): 1.2 is above the maximum 1");
        assertThat(problems("server.managed", true, "options.enable_chunked_prefill", true, "extra",
                Map.of("enable_chunked_prefill", true))).contains("options.enable_chunked_prefill: true is also set by "
                + "extra.enable_chunked_prefill (--enable_chunked_prefill)");
        assertThat(problems("server.managed", true, "server.args", List.of("--stream_interval", "0")))
                .contains("server.args (--stream_interval): 0 is below the minimum 1");
        Path file = dir.resolve("mine.yaml");
        Files.writeString(file, "kv_cache_config:\n  enable_block_reuse: true\nprint_iter_log: true\n");
        assertThat(problems("server.managed", true, "options.enable_block_reuse", false, "server.args",
                List.of("--extra_llm_api_options", file.toString()))).contains("options.enable_block_reuse: is also set "
                + "in " + file + " (kv_cache_config.enable_block_reuse, named by server.args --extra_llm_api_options)");
        assertThat(problems("server.managed", true, "server.args", List.of("--extra_llm_api_options",
                dir.resolve("missing.yaml").toString()))).contains("server.args: --extra_llm_api_options names "
                + dir.resolve("missing.yaml") + ", which cannot be read as YAML");
    }

    @Test
    void aManagedServerGetsFlagsAndAMergedOptionsFileAndEverySettingIsRecorded() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path exe = FakeServerScript.write(dir, "trtllm-serve", "--flavor trtllm");
        Path mine = dir.resolve("mine.yaml");
        Files.writeString(mine, "kv_cache_config:\n  host_cache_size: 1000000\nprint_iter_log: true\n");
        var c = ConfigResolver.withDefaults().set("backend", "trtllm", ValueSource.BUILDER)
                .set("model", "test-model", ValueSource.BUILDER).set("server.managed", true, ValueSource.BUILDER)
                .set("server.url", "http://127.0.0.1:" + port, ValueSource.BUILDER)
                .set("options.executable", exe.toString(), ValueSource.BUILDER)
                .set("options.max_batch_size", 16, ValueSource.BUILDER)
                .set("options.enable_block_reuse", false, ValueSource.BUILDER)
                .set("options.enable_chunked_prefill", true, ValueSource.BUILDER)
                .set("server.args", List.of("--extra_llm_api_options", mine.toString(), "--tp_size", "1"),
                        ValueSource.BUILDER)
                .set("extra", Map.of("max_beam_width", 1, "trust_remote_code", true), ValueSource.BUILDER).resolve();
        Path art = dir.resolve("art");
        try (InferenceBackend b = new TrtllmBackendProvider().create(BackendContext.of(c, new TrtllmBackendProvider(),
                art, 0))) {
            ModelInfo m = b.load();
            Path written = art.resolve("trtllm-llm-api-options.yaml");
            assertThat(FakeServerScript.argv(exe)).containsExactly("test-model", "--host", "127.0.0.1", "--port",
                    String.valueOf(port), "--max_batch_size", "16", "--extra_llm_api_options", written.toString(),
                    "--tp_size", "1", "--max_beam_width", "1", "--trust_remote_code");
            @SuppressWarnings("unchecked")
            Map<String, Object> yaml = YAMLMapper.builder().build().readValue(Files.readString(written), Map.class);
            Map<String, Object> kv = new LinkedHashMap<>();
            kv.put("host_cache_size", 1000000);
            kv.put("enable_block_reuse", false);
            assertThat(yaml).as("the user's file merged with LEM's entries").containsEntry("kv_cache_config", kv)
                    .containsEntry("print_iter_log", true).containsEntry("enable_chunked_prefill", true)
                    .containsEntry("enable_iter_perf_stats", true);
            assertThat(m.engineSetting("max_batch_size").orElseThrow()).isEqualTo(new EngineSetting("max_batch_size", 16,
                    Source.SET_BY_LEM, null, "options.max_batch_size"));
            assertThat(m.engineSetting("kv_cache_config.enable_block_reuse").orElseThrow().value()).isEqualTo(false);
            assertThat(m.engineSetting("tensor_parallel_size").orElseThrow()).satisfies(s -> {
                assertThat(s.source()).isEqualTo(Source.PASSED_THROUGH);
                assertThat(s.value()).isEqualTo(1);
            });
            assertThat(m.engineSetting("max_beam_width").orElseThrow().note()).isEqualTo("extra.max_beam_width");
            assertThat(m.engineSetting("kv_cache_config.host_cache_size").orElseThrow()).satisfies(s -> {
                assertThat(s.source()).isEqualTo(Source.PASSED_THROUGH);
                assertThat(s.value()).isEqualTo(1000000);
                assertThat(s.note()).isEqualTo(mine.toString());
            });
            assertThat(m.engineSetting("enable_iter_perf_stats").orElseThrow().value()).isEqualTo(true);
            assertThat(m.engineSetting("max_num_tokens").orElseThrow().source()).isEqualTo(Source.ENGINE_DEFAULT);
        }
    }

    @Test
    void atLeastNinetyPercentOfTensorRtLlmsRelevantArgumentsAreModelled() {
        ParameterCoverage c = TrtllmEngineOptions.coverage();
        assertThat(c.snapshot().engine()).isEqualTo("TensorRT-LLM");
        assertThat(c.snapshot().source()).contains("tensorrt_llm/llmapi/llm_args.py");
        assertThat(c.mismatches()).isEmpty();
        assertThat(c.share()).as(c + "; missing " + c.missing().stream().map(EngineArgument::name).toList())
                .isGreaterThanOrEqualTo(0.90);
        for (String a : List.of("tensor_parallel_size", "pipeline_parallel_size", "max_batch_size", "max_num_tokens",
                "max_seq_len", "kv_cache_config.free_gpu_memory_fraction", "kv_cache_config.enable_block_reuse",
                "enable_chunked_prefill", "scheduler_config.capacity_scheduler_policy", "cuda_graph_config", "backend",
                "kv_cache_config.dtype")) {
            assertThat(c.modelledBy()).as(a).containsKey(a);
        }
    }
}
