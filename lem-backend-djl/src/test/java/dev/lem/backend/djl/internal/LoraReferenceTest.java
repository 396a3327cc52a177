package dev.lem.backend.djl.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.backend.djl.fixtures.ReferenceModel;
import dev.lem.backend.djl.fixtures.TinyAdapter;
import dev.lem.backend.djl.fixtures.TinyCheckpoint;
import dev.lem.config.ConfigException;
import dev.lem.spi.BackendException;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.ModelInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * LoRA adapters against the float64 reference forward pass with the adapter applied (W + s·B·A, computed by
 * {@link TinyAdapter#applyTo}): PEFT folders written by the test, on Llama (attention q/k/v/o, MLP gate/up/down),
 * Qwen2 (q/v with biases, tied head, rank-stabilised scaling) and GPT-2 (Conv1D, fan_in_fan_out), each merged at load
 * and unmerged, with both executors. Every logit of an 80-token sequence agrees within
 * {@link ReferenceAgreementTest#TOLERANCE}, and the adapter moves the logits by far more than that.
 */
class LoraReferenceTest {
    @TempDir
    Path dir;

    static Stream<Arguments> adapters() {
        List<Arguments> out = new ArrayList<>();
        List<Object[]> cases = List.of(
                new Object[] {"Llama, attention q/k/v/o", (Supplier<TinyCheckpoint>) () -> TinyCheckpoint.llama(21),
                    List.of("q_proj", "k_proj", "v_proj", "o_proj"), false},
                new Object[] {"Llama, MLP gate/up/down", (Supplier<TinyCheckpoint>) () -> TinyCheckpoint.llama(22),
                    List.of("gate_proj", "up_proj", "down_proj"), false},
                new Object[] {"Llama, q and v only (k between them unadapted)",
                    (Supplier<TinyCheckpoint>) () -> TinyCheckpoint.llama(23), List.of("q_proj", "v_proj"), false},
                new Object[] {"Qwen2, q/v with biases, tied head, rank-stabilised",
                    (Supplier<TinyCheckpoint>) () -> TinyCheckpoint.qwen2(24), List.of("q_proj", "v_proj"), true},
                new Object[] {"GPT-2, c_attn/c_proj/c_fc (Conv1D)", (Supplier<TinyCheckpoint>) () -> TinyCheckpoint.gpt2(25),
                    List.of("c_attn", "c_proj", "c_fc"), false});
        for (Object[] c : cases) {
            for (String mode : List.of("merged", "unmerged")) {
                for (String executor : ReferenceAgreementTest.EXECUTORS) {
                    out.add(Arguments.of(c[0], c[1], c[2], c[3], mode, executor));
                }
            }
        }
        return out.stream();
    }

    static int[] sequence() {
        int[] tokens = new int[80];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = (i * 11 + 5) % 40;
        }
        return tokens;
    }

    @ParameterizedTest(name = "{0}, {4} ({5})")
    @MethodSource("adapters")
    @SuppressWarnings("unchecked")
    void logitsEqualTheReferenceWithTheAdapterApplied(String name, Supplier<TinyCheckpoint> make, List<String> targets,
            boolean rsLora, String mode, String executor) throws Exception {
        TinyCheckpoint base = make.get();
        Path model = base.write(dir.resolve("model"), "F32", 1);
        TinyAdapter adapter = TinyAdapter.lora(base, targets, 4, 8, rsLora, 99, 0.2);
        Path folder = adapter.write(dir.resolve("adapter"));
        int[] tokens = sequence();
        double[][] expected = new ReferenceModel(adapter.applyTo(base)).logits(tokens);
        double[][] unadapted = new ReferenceModel(base).logits(tokens);
        try (DjlBackend backend = TestBackends.backend(model.toString(), Map.of("adapter.path", folder.toString(),
                "options.adapter_mode", mode, "options.executor", executor))) {
            ModelInfo info = backend.load();
            assertThat(info.adapter()).hasValueSatisfying(a -> {
                assertThat(a.application()).isEqualTo(mode);
                assertThat(a.rank()).isEqualTo(4);
                assertThat(a.rsLora()).isEqualTo(rsLora);
                assertThat(a.scaling()).isEqualTo(rsLora ? 8 / 2.0 : 8 / 4.0);
                assertThat(a.targets()).containsExactlyInAnyOrderElementsOf(targets);
                assertThat(a.name()).isEqualTo("adapter");
            });
            assertThat(info.details().get("adapter")).contains(mode);
            float[] actual = ReferenceAgreementTest.allLogits(backend.model(), tokens);
            double worst = ReferenceAgreementTest.largestDifference(actual, expected);
            assertThat(worst).as("largest logit difference from the adapted reference, " + name)
                    .isLessThan(ReferenceAgreementTest.TOLERANCE);
            assertThat(ReferenceAgreementTest.largestDifference(actual, unadapted))
                    .as("the adapter changes the logits").isGreaterThan(1e-2);
            if (mode.equals("unmerged")) {
                assertThat(backend.model().adapterParameters()).isPositive();
                if (executor.equals("compiled")) {
                    assertThat(backend.model().programSource()).contains("_z = torch.linear(");
                }
            } else {
                assertThat(backend.model().adapterParameters()).isZero();
            }
        }
    }

    /** The decode path (KV cache, small-batch products, left padding) with an unmerged adapter. */
    @Test
    void greedyGenerationsWithAnUnmergedAdapterEqualTheReference() throws Exception {
        TinyCheckpoint base = TinyCheckpoint.llama(26);
        Path model = base.write(dir.resolve("model"), "F32", 1);
        TinyAdapter adapter = TinyAdapter.lora(base, List.of("q_proj", "v_proj", "down_proj"), 2, 4, false, 7, 0.2);
        ReferenceModel ref = new ReferenceModel(adapter.applyTo(base));
        for (String executor : ReferenceAgreementTest.EXECUTORS) {
            try (DjlBackend backend = TestBackends.backend(model.toString(), Map.of("adapter.path",
                    adapter.write(dir.resolve("adapter")).toString(), "options.adapter_mode", "unmerged",
                    "options.executor", executor))) {
                backend.load();
                RecordingListener l = new RecordingListener();
                List<GenerationRequest> batch = new ArrayList<>();
                for (int i = 0; i < ReferenceAgreementTest.PROMPTS.size(); i++) {
                    batch.add(TestBackends.greedy("r" + i, ReferenceAgreementTest.PROMPTS.get(i), 10, 0, true));
                }
                backend.generate(batch, l);
                for (int i = 0; i < batch.size(); i++) {
                    assertThat(l.tokenArray("r" + i)).as(executor + ", row " + i)
                            .containsExactly(ref.greedy(base.encode(ReferenceAgreementTest.PROMPTS.get(i)), 10));
                }
                // the unmerged adapter's products are counted: 2 FLOPs per parameter per token row
                assertThat(backend.model().adapterFlopsPerToken()).isEqualTo(2.0 * backend.model().adapterParameters());
            }
        }
    }

    @Test
    void aSyntheticAdapterChangesTheModelAndMergedEqualsUnmerged() throws Exception {
        int[] tokens = {0, 5, 9, 3, 17, 22, 8, 30, 4, 11, 6, 19};
        float[] plain;
        try (DjlBackend backend = TestBackends.backend("synthetic:tiny-llama", Map.of())) {
            assertThat(backend.load().adapter()).isEmpty();
            plain = ReferenceAgreementTest.allLogits(backend.model(), tokens);
        }
        float[] merged;
        try (DjlBackend backend = TestBackends.backend("synthetic:tiny-llama", Map.of("adapter.path",
                "synthetic:r=8,alpha=16,targets=q_proj+v_proj+o_proj,seed=3"))) {
            ModelInfo info = backend.load();
            assertThat(info.adapter()).hasValueSatisfying(a -> {
                assertThat(a.name()).isEqualTo("lora-r8");
                assertThat(a.source()).isEqualTo("synthetic:r=8,alpha=16,targets=q_proj+v_proj+o_proj,seed=3");
                assertThat(a.scaling()).isEqualTo(2.0);
                assertThat(a.targets()).containsExactly("q_proj", "v_proj", "o_proj");
                assertThat(a.parameters()).isPositive();
            });
            merged = ReferenceAgreementTest.allLogits(backend.model(), tokens);
        }
        try (DjlBackend backend = TestBackends.backend("synthetic:tiny-llama", Map.of("adapter.path",
                "synthetic:r=8,alpha=16,targets=q_proj+v_proj+o_proj,seed=3", "options.adapter_mode", "unmerged"))) {
            ModelInfo info = backend.load();
            float[] unmerged = ReferenceAgreementTest.allLogits(backend.model(), tokens);
            double worst = 0;
            double moved = 0;
            for (int i = 0; i < plain.length; i++) {
                worst = Math.max(worst, Math.abs(merged[i] - unmerged[i]));
                moved = Math.max(moved, Math.abs(merged[i] - plain[i]));
            }
            assertThat(worst).as("merged against unmerged").isLessThan(ReferenceAgreementTest.TOLERANCE);
            assertThat(moved).as("the synthetic adapter changes the logits").isGreaterThan(1e-4);
            // the unmerged adapter's matrices are read by every pass: in the weight bytes per pass
            assertThat(info.weights()).hasValueSatisfying(w -> assertThat(w.bytesPerForwardPass().orElseThrow())
                    .isEqualTo(dev.lem.flops.MemoryTraffic.weightBytesPerPass(info.architecture().orElseThrow(),
                            dev.lem.model.TensorDtype.F32) + 4.0 * backend.model().adapterParameters()));
        }
    }

    @Test
    void adaptersThatCannotBeAppliedAreRefusedWithTheReason() throws Exception {
        TinyCheckpoint base = TinyCheckpoint.llama(27);
        Path model = base.write(dir.resolve("model"), "F32", 1);
        TinyAdapter adapter = TinyAdapter.lora(base, List.of("q_proj"), 2, 4, false, 1, 0.1);
        adapter.config.put("use_dora", true);
        Path dora = adapter.write(dir.resolve("dora"));
        assertThatThrownBy(() -> load(model, dora)).isInstanceOf(BackendException.class)
                .hasMessageContaining("DoRA").hasMessageContaining("use_dora");
        // an adapter trained for another shape
        TinyCheckpoint other = TinyCheckpoint.qwen2(28);
        other.write(dir.resolve("other"), "F32", 1);
        Path foreign = TinyAdapter.lora(other, List.of("k_proj"), 2, 4, false, 1, 0.1).write(dir.resolve("foreign"));
        assertThatThrownBy(() -> load(model, foreign)).isInstanceOf(BackendException.class)
                .hasMessageContaining("k_proj").hasMessageContaining("trained for another model");
        // a folder without the PEFT files, a missing folder, a bad synthetic specification: before anything loads
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> TestBackends.backend(model.toString(), Map.of("adapter.path", empty.toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("adapter.path")
                .hasMessageContaining("adapter_config.json");
        assertThatThrownBy(() -> TestBackends.backend(model.toString(), Map.of("adapter.path",
                dir.resolve("nowhere").toString()))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("is not a folder");
        assertThatThrownBy(() -> TestBackends.backend("synthetic:tiny-llama", Map.of("adapter.path", "synthetic:alpha=4")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("has no rank");
        assertThatThrownBy(() -> TestBackends.backend("synthetic:tiny-llama", Map.of("options.adapter_mode", "unmerged")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("options.adapter_mode")
                .hasMessageContaining("without adapter.path");
        assertThatThrownBy(() -> {
            try (DjlBackend b = TestBackends.backend("synthetic:tiny-llama", Map.of("adapter.path",
                    "synthetic:r=4,targets=q_proj+c_attn"))) {
                b.load();
            }
        }).isInstanceOf(BackendException.class).hasMessageContaining("c_attn").hasMessageContaining("q_proj");
    }

    private void load(Path model, Path adapter) {
        try (DjlBackend b = TestBackends.backend(model.toString(), Map.of("adapter.path", adapter.toString()))) {
            b.load();
        }
    }

    @Test
    void aQuantisedCheckpointIsRefusedNamingItsMethodAndVllm() throws Exception {
        TinyCheckpoint base = TinyCheckpoint.llama(29);
        base.config.put("quantization_config", Map.of("quant_method", "gptq", "bits", 4, "group_size", 128));
        Path model = base.write(dir.resolve("model"), "F32", 1);
        assertThatThrownBy(() -> {
            try (DjlBackend b = TestBackends.backend(model.toString(), Map.of())) {
                b.load();
            }
        }).isInstanceOf(BackendException.class).hasMessageContaining("gptq, 4-bit")
                .hasMessageContaining("not supported on this backend").hasMessageContaining("vllm");
    }
}
