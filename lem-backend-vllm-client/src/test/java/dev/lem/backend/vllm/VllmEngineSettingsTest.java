package dev.lem.backend.vllm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.Experiment;
import dev.lem.config.ConfigException;
import dev.lem.config.ConfigResolver;
import dev.lem.config.ValueSource;
import dev.lem.result.ExperimentResult;
import dev.lem.results.ResultsRepository;
import dev.lem.serving.FakeServerScript;
import dev.lem.serving.ScriptedServer;
import dev.lem.spi.BackendContext;
import dev.lem.spi.BackendException;
import dev.lem.spi.EngineSetting;
import dev.lem.spi.EngineSetting.Source;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.ModelInfo;
import dev.lem.workload.Prompts;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Engine settings end to end: a managed (scripted) {@code vllm} gets the typed options as flags and every
 * setting is recorded in the results with where it came from; a server at a URL is checked against what it
 * reports; options a server's version does not accept fail before anything is measured.
 */
@Timeout(180)
class VllmEngineSettingsTest {
    @TempDir
    Path dir;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static EngineSetting setting(ModelInfo m, String name) {
        return m.engineSetting(name).orElseThrow(() -> new AssertionError("no engine setting " + name + " in "
                + m.engineSettings()));
    }

    private InferenceBackend managed(Path exe, int port, Object... kv) {
        ConfigResolver r = ConfigResolver.withDefaults().set("backend", "vllm", ValueSource.BUILDER)
                .set("model", "org/tiny-model", ValueSource.BUILDER).set("server.managed", true, ValueSource.BUILDER)
                .set("server.url", "http://127.0.0.1:" + port, ValueSource.BUILDER)
                .set("server.startup_timeout_s", 60.0, ValueSource.BUILDER)
                .set("options.executable", exe.toString(), ValueSource.BUILDER);
        for (int i = 0; i < kv.length; i += 2) {
            r.set((String) kv[i], kv[i + 1], ValueSource.BUILDER);
        }
        return new VllmBackendProvider().create(BackendContext.of(r.resolve(), new VllmBackendProvider(),
                dir.resolve("artifacts"), 0));
    }

    private InferenceBackend atUrl(ScriptedServer server, Object... kv) {
        ConfigResolver r = ConfigResolver.withDefaults().set("backend", "vllm", ValueSource.BUILDER)
                .set("model", "test-model", ValueSource.BUILDER)
                .set("server.url", server.uri().toString(), ValueSource.BUILDER);
        for (int i = 0; i < kv.length; i += 2) {
            r.set((String) kv[i], kv[i + 1], ValueSource.BUILDER);
        }
        return new VllmBackendProvider().create(BackendContext.of(r.resolve(), new VllmBackendProvider(), dir, 0));
    }

    @Test
    void aManagedServerGetsTheOptionsAsFlagsAndEverySettingIsRecordedWithItsSource() throws Exception {
        int port = freePort();
        Path exe = FakeServerScript.write(dir, "vllm", "");
        try (InferenceBackend b = managed(exe, port, "options.max_num_seqs", 64, "options.block_size", 32,
                "options.enable_prefix_caching", false, "options.speculative_method", "ngram",
                "options.num_speculative_tokens", 4, "options.prompt_lookup_max", 3, "server.args",
                List.of("--gpu-memory-utilization", "0.8", "--disable-log-requests"), "extra", Map.of("max_model_len", 2048))) {
            ModelInfo m = b.load();
            assertThat(FakeServerScript.argv(exe)).containsExactly("serve", "org/tiny-model", "--host", "127.0.0.1",
                    "--port", String.valueOf(port), "--block-size", "32", "--no-enable-prefix-caching", "--max-num-seqs",
                    "64", "--speculative-config", "{\"method\":\"ngram\",\"num_speculative_tokens\":4,"
                            + "\"prompt_lookup_max\":3}", "--seed", "42", "--gpu-memory-utilization", "0.8",
                    "--disable-log-requests", "--max-model-len", "2048");
            assertThat(setting(m, "max_num_seqs")).isEqualTo(new EngineSetting("max_num_seqs", 64, Source.SET_BY_LEM,
                    null, "options.max_num_seqs"));
            assertThat(setting(m, "block_size")).satisfies(s -> {
                assertThat(s.value()).isEqualTo(32);
                assertThat(s.source()).isEqualTo(Source.SET_BY_LEM);
                assertThat(s.reported()).as("the server's vllm:cache_config_info label").isEqualTo("32");
            });
            assertThat(setting(m, "enable_prefix_caching").value()).isEqualTo(false);
            assertThat(setting(m, "speculative_config.num_speculative_tokens").value()).isEqualTo(4);
            assertThat(setting(m, "gpu_memory_utilization")).satisfies(s -> {
                assertThat(s.value()).as("typed from server.args").isEqualTo(0.8);
                assertThat(s.source()).isEqualTo(Source.PASSED_THROUGH);
                assertThat(s.note()).isEqualTo("server.args");
            });
            assertThat(setting(m, "max_model_len")).satisfies(s -> {
                assertThat(s.value()).isEqualTo(2048);
                assertThat(s.source()).isEqualTo(Source.PASSED_THROUGH);
                assertThat(s.note()).isEqualTo("extra.max_model_len");
                assertThat(s.reported()).as("/v1/models").isEqualTo("2048");
            });
            assertThat(setting(m, "seed")).isEqualTo(new EngineSetting("seed", 42L, Source.CORE_KEY, null, "seed"));
            assertThat(setting(m, "kv_cache_dtype")).as("not set, reported by the server").satisfies(s -> {
                assertThat(s.source()).isEqualTo(Source.REPORTED_BY_SERVER);
                assertThat(s.value()).isEqualTo("auto");
            });
            assertThat(setting(m, "max_num_batched_tokens")).as("not set, not reported: the engine's default")
                    .satisfies(s -> {
                        assertThat(s.source()).isEqualTo(Source.ENGINE_DEFAULT);
                        assertThat(s.value()).isNull();
                        assertThat(s.note()).contains("2048 for vllm serve");
                    });
            assertThat(setting(m, "num_gpu_blocks").value()).as("a fact the server reports").isEqualTo(2048L);
        }
    }

    @Test
    void aManagedServerServesTheAdapterAndRecordsItAndTheQuantisation() throws Exception {
        int port = freePort();
        Path exe = FakeServerScript.write(dir, "vllm", "");
        Path adapter = java.nio.file.Files.createDirectories(dir.resolve("sql-lora"));
        java.nio.file.Files.writeString(adapter.resolve("adapter_config.json"), "{\"r\": 64, \"lora_alpha\": 16, "
                + "\"target_modules\": [\"q_proj\", \"v_proj\"], \"peft_type\": \"LORA\"}");
        try (InferenceBackend b = managed(exe, port, "adapter.path", adapter.toString(), "options.quantization", "awq")) {
            ModelInfo m = b.load();
            assertThat(String.join(" ", FakeServerScript.argv(exe))).contains("--quantization awq")
                    .contains("--enable-lora --lora-modules sql-lora=" + adapter + " --max-lora-rank 64");
            assertThat(m.adapter()).get().satisfies(a -> {
                assertThat(a.name()).isEqualTo("sql-lora");
                assertThat(a.source()).isEqualTo(adapter.toString());
                assertThat(a.application()).isEqualTo("served");
                assertThat(a.rank()).as("from adapter_config.json").isEqualTo(64);
                assertThat(a.scaling()).isEqualTo(0.25);
                assertThat(a.targets()).containsExactly("q_proj", "v_proj");
            });
            assertThat(m.weights()).get().satisfies(w -> {
                assertThat(w.quantization()).isEqualTo("awq");
                assertThat(w.basis()).isEqualTo("set for the managed server (options.quantization)");
            });
        }
    }

    @Test
    void anAdapterWithLoraTurnedOffIsAConfigErrorNamingTheFix() throws Exception {
        Path adapter = java.nio.file.Files.createDirectories(dir.resolve("a"));
        java.nio.file.Files.writeString(adapter.resolve("adapter_config.json"), "{\"r\": 8}");
        assertThatThrownBy(() -> managed(FakeServerScript.write(dir, "vllm", ""), freePort(), "adapter.path",
                adapter.toString(), "options.enable_lora", false)).hasMessageContaining("options.enable_lora")
                .hasMessageContaining("remove options.enable_lora");
        // checked before the run (the provider's check), as lem run and lem config validate do
        var missing = ConfigResolver.withDefaults().set("backend", "vllm", ValueSource.BUILDER)
                .set("model", "org/tiny-model", ValueSource.BUILDER).set("server.managed", true, ValueSource.BUILDER)
                .set("adapter.path", dir.resolve("missing").toString(), ValueSource.BUILDER).resolve();
        assertThatThrownBy(() -> new VllmBackendProvider().check(dev.lem.spi.BackendSettings.of(missing,
                new VllmBackendProvider()))).hasMessageContaining("adapter.path")
                .hasMessageContaining("no adapter_config.json");
    }

    @Test
    void aServerAtAUrlIsRecordedAsReportedAndDeclaredSettingsAreCheckedAgainstIt() throws Exception {
        try (ScriptedServer server = ScriptedServer.builder().maxModelLen(8192).cacheConfig(Map.of("block_size", "16",
                "gpu_memory_utilization", "0.9", "enable_prefix_caching", "True", "cache_dtype", "fp8")).start()) {
            try (InferenceBackend b = atUrl(server, "options.block_size", 16, "options.max_num_seqs", 128)) {
                ModelInfo m = b.load();
                assertThat(setting(m, "block_size")).isEqualTo(new EngineSetting("block_size", 16, Source.DECLARED, "16",
                        "options.block_size"));
                assertThat(setting(m, "max_num_seqs")).as("declared, not reported").isEqualTo(new EngineSetting(
                        "max_num_seqs", 128, Source.DECLARED, null, "options.max_num_seqs"));
                assertThat(setting(m, "max_model_len")).satisfies(s -> {
                    assertThat(s.source()).isEqualTo(Source.REPORTED_BY_SERVER);
                    assertThat(s.value()).isEqualTo(8192L);
                });
                assertThat(setting(m, "kv_cache_dtype").value()).isEqualTo("fp8");
                assertThat(setting(m, "enable_prefix_caching").value()).isEqualTo(true);
                assertThat(setting(m, "enforce_eager")).as("neither declared nor reported").isEqualTo(new EngineSetting(
                        "enforce_eager", null, Source.OUTSIDE_LEM, null, "not reported by the server"));
                assertThat(m.engineSettings()).noneMatch(s -> s.name().equals("seed"));
            }
            try (InferenceBackend b = atUrl(server, "options.gpu_memory_utilization", 0.8, "options.max_model_len",
                    4096)) {
                assertThatThrownBy(b::load).isInstanceOf(BackendException.class)
                        .hasMessageContaining("runs with other settings than declared")
                        .hasMessageContaining("options.gpu_memory_utilization is 0.8 but the server reports "
                                + "gpu_memory_utilization 0.9")
                        .hasMessageContaining("options.max_model_len is 4096 but the server reports max_model_len 8192");
            }
            try (InferenceBackend b = atUrl(server, "options.gpu_memory_utilization", 0.8, "options.metrics", false)) {
                assertThat(setting(b.load(), "gpu_memory_utilization").source()).as("/metrics not read: declared only")
                        .isEqualTo(Source.DECLARED);
            }
        }
    }

    @Test
    void anOptionTheServersVersionDoesNotAcceptFailsNamingTheVersion() throws Exception {
        try (ScriptedServer server = ScriptedServer.builder().version("0.10.2").start();
                InferenceBackend b = atUrl(server, "options.cudagraph_capture_sizes", List.of(1, 2, 4))) {
            assertThatThrownBy(b::load).isInstanceOf(BackendException.class)
                    .hasMessageContaining("options.cudagraph_capture_sizes needs vLLM >= 0.11.1 (engine argument "
                            + "cudagraph_capture_sizes), but the server at " + server.uri() + " reports version 0.10.2");
        }
        try (ScriptedServer server = ScriptedServer.builder().version("0.11.1").start();
                InferenceBackend b = atUrl(server, "options.cudagraph_capture_sizes", List.of(1, 2, 4))) {
            assertThat(setting(b.load(), "cudagraph_capture_sizes").value()).isEqualTo(List.of(1, 2, 4));
        }
    }

    @Test
    void aManagedServerWhoseVersionDoesNotAcceptAnOptionIsNeverStarted() throws Exception {
        Path exe = FakeServerScript.write(dir, "vllm", "--report-version 0.10.1");
        try (InferenceBackend b = managed(exe, freePort(), "options.compilation_mode", 3)) {
            assertThatThrownBy(b::load).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("options.compilation_mode: needs vLLM >= 0.11.1 (engine argument "
                            + "compilation_config.mode), but `" + exe + " --version` reports version 0.10.1");
        }
        assertThat(dir.resolve("vllm.argv")).as("vllm serve was never started").doesNotExist();
    }

    @Test
    void aGridOverMaxNumSeqsAndChunkedPrefillRecordsEachUnitsSettings() throws Exception {
        Path exe = FakeServerScript.write(dir, "vllm", "");
        Path results = dir.resolve("results");
        List<ExperimentResult> units = new ArrayList<>();
        for (int seqs : new int[] {8, 64}) {
            for (boolean chunked : new boolean[] {true, false}) {
                units.add(Experiment.builder().backend("vllm").model("org/tiny-model")
                        .set("server.managed", true).set("server.url", "http://127.0.0.1:" + freePort())
                        .set("options.executable", exe.toString()).set("server.startup_timeout_s", 60.0)
                        .set("options.max_num_seqs", seqs).set("options.enable_chunked_prefill", chunked)
                        .set("options.max_num_batched_tokens", 4096)
                        .prompts(Prompts.builtIn().limit(2)).maxOutputTokens(3).cycles(1)
                        .set("warmup.mode", "fixed").set("warmup.runs", 0).set("energy.idle_baseline_s", 0.0)
                        .set("results_dir", results.toString()).measure());
                assertThat(FakeServerScript.argv(exe)).containsSubsequence("--max-num-seqs", String.valueOf(seqs))
                        .contains(chunked ? "--enable-chunked-prefill" : "--no-enable-chunked-prefill");
            }
        }
        ResultsRepository repo = new ResultsRepository(results);
        List<String> seen = new ArrayList<>();
        for (ExperimentResult r : units) {
            ExperimentResult stored = repo.readAggregated(r.id()).orElseThrow();
            ModelInfo m = stored.model().orElseThrow();
            Object seqs = setting(m, "max_num_seqs").value();
            Object chunked = setting(m, "enable_chunked_prefill").value();
            assertThat(setting(m, "max_num_seqs").source()).isEqualTo(Source.SET_BY_LEM);
            assertThat(seqs).as("typed in the stored result").isInstanceOf(Number.class);
            assertThat(chunked).isInstanceOf(Boolean.class);
            assertThat(m.engineSettings()).hasSameSizeAs(r.model().orElseThrow().engineSettings());
            seen.add(((Number) seqs).intValue() + "/" + chunked);
        }
        assertThat(seen).containsExactly("8/true", "8/false", "64/true", "64/false");
        assertThat(Files.readString(repo.aggregatedFile(units.get(0).id()))).contains("\"engine_settings\"")
                .contains("\"max_num_seqs\"").contains("\"set_by_lem\"");
    }

    @Test
    void aCampaignVaryingMaxNumSeqsAndChunkedPrefillRecordsEachUnitsSettings() throws Exception {
        Path exe = FakeServerScript.write(dir, "vllm", "");
        Path results = dir.resolve("campaign-results");
        java.util.Map<String, Object> base = new java.util.LinkedHashMap<>();
        base.put("backend", "vllm");
        base.put("model", "org/tiny-model");
        base.put("server", java.util.Map.of("managed", true, "url", "http://127.0.0.1:" + freePort(),
                "startup_timeout_s", 60.0));
        base.put("options", java.util.Map.of("executable", exe.toString(), "max_num_batched_tokens", 4096));
        base.put("prompts", java.util.Map.of("limit", 2));
        base.put("max_output_tokens", 3);
        base.put("warmup", java.util.Map.of("mode", "fixed", "runs", 0));
        base.put("energy", java.util.Map.of("idle_baseline_s", 0));
        dev.lem.campaign.CampaignResult r = dev.lem.Campaign.builder().base(base)
                .vary("options.max_num_seqs", 8, 64).vary("options.enable_chunked_prefill", true, false)
                .cycles(2).structure(dev.lem.campaign.CampaignStructure.GROUPED).resultsDir(results).build().run();
        assertThat(r.isComplete()).as(r.warnings().toString()).isTrue();
        assertThat(r.manifest().units()).hasSize(8);
        // one managed server per experiment (grouped order): started for its first unit, reused for its second
        assertThat(r.manifest().units()).extracting(dev.lem.campaign.ManifestUnit::loadedModel)
                .containsExactly(true, false, true, false, true, false, true, false);
        ResultsRepository repo = new ResultsRepository(results);
        List<String> seen = new ArrayList<>();
        for (dev.lem.campaign.ManifestExperiment e : r.manifest().experiments()) {
            ModelInfo m = repo.readAggregated(e.experimentId()).orElseThrow().model().orElseThrow();
            assertThat(setting(m, "max_num_seqs").source()).isEqualTo(Source.SET_BY_LEM);
            assertThat(setting(m, "max_num_seqs").value()).isEqualTo(e.varied().get("options.max_num_seqs"));
            assertThat(setting(m, "enable_chunked_prefill").value())
                    .isEqualTo(e.varied().get("options.enable_chunked_prefill"));
            seen.add(e.label());
        }
        assertThat(seen).containsExactly(
                "options.max_num_seqs=8 options.enable_chunked_prefill=true",
                "options.max_num_seqs=8 options.enable_chunked_prefill=false",
                "options.max_num_seqs=64 options.enable_chunked_prefill=true",
                "options.max_num_seqs=64 options.enable_chunked_prefill=false");
        assertThat(java.nio.file.Files.readString(new dev.lem.campaign.ManifestStore(results)
                .folder(r.id()).resolve("experiments.csv"))).contains("vary.options.max_num_seqs");
    }

    @Test
    void aManagedServerThatDiesDuringACampaignUnitIsStartedAgainAndTheUnitRetried() throws Exception {
        Path marker = dir.resolve("died-once");
        Path exe = FakeServerScript.write(dir, "vllm", "--die-once-file " + marker);
        java.util.Map<String, Object> base = new java.util.LinkedHashMap<>();
        base.put("backend", "vllm");
        base.put("model", "org/tiny-model");
        base.put("server", java.util.Map.of("managed", true, "url", "http://127.0.0.1:" + freePort(),
                "startup_timeout_s", 60.0, "max_retries", 0));
        base.put("options", java.util.Map.of("executable", exe.toString()));
        base.put("prompts", java.util.Map.of("limit", 2));
        base.put("max_output_tokens", 3);
        base.put("warmup", java.util.Map.of("mode", "fixed", "runs", 0));
        base.put("energy", java.util.Map.of("idle_baseline_s", 0));
        dev.lem.campaign.CampaignResult r = dev.lem.Campaign.builder().base(base).cycles(2).set("retries", 1)
                .resultsDir(dir.resolve("restart-results")).build().run();
        assertThat(marker).as("the first server died").exists();
        assertThat(r.isComplete()).as(r.warnings().toString()).isTrue();
        dev.lem.campaign.ManifestUnit first = r.manifest().units().get(0);
        assertThat(first.status()).isEqualTo(dev.lem.campaign.UnitStatus.DONE);
        assertThat(first.attempts()).isEqualTo(2);
        assertThat(first.loadedModel()).as("the server was started again for the retry").isTrue();
        assertThat(first.history()).singleElement().satisfies(h -> assertThat(h).startsWith("attempt 1: failed: "));
        assertThat(r.manifest().units().get(1).attempts()).isEqualTo(1);
        assertThat(r.experiments().get(0).cycles()).hasSize(2)
                .allSatisfy(c -> assertThat(c.metrics().failed()).as("the failed attempt is not counted").isZero());
    }
}
