package dev.lem.backend.djl.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.pytorch.jni.JniUtils;
import dev.lem.config.EngineArgument;
import dev.lem.config.ParameterCoverage;
import dev.lem.spi.EngineSetting;
import dev.lem.spi.EngineSetting.Source;
import dev.lem.spi.ModelInfo;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The djl engine's settings: declared as options, recorded with the model, and covered in full. */
class DjlEngineSettingsTest {

    @Test
    void everySettingOfTheDjlEngineIsModelled() {
        ParameterCoverage c = DjlBackend.coverage();
        assertThat(c.mismatches()).isEmpty();
        assertThat(c.share()).as(c + "; missing " + c.missing().stream().map(EngineArgument::name).toList())
                .isEqualTo(1.0);
        assertThat(c.modelledBy()).containsEntry("ai.djl.pytorch.num_threads", "options.threads")
                .containsEntry("ai.djl.pytorch.num_interop_threads", "options.interop_threads")
                .containsEntry("ai.djl.pytorch.graph_optimizer", "options.graph_optimizer")
                .containsEntry("executor", "options.executor").containsEntry("max_block_columns",
                        "options.max_block_columns").containsEntry("precision", "precision");
    }

    @Test
    void theSettingsInEffectAreRecordedWithTheModel() {
        // the process-wide thread counts are set to what they already are, so other tests in this JVM are unaffected
        NativeEngine.start();
        int threads = JniUtils.getNumThreads();
        int interop = JniUtils.getNumInteropThreads();
        try (DjlBackend b = TestBackends.backend("synthetic:tiny-llama", Map.of("options.threads", threads,
                "options.interop_threads", interop, "options.graph_optimizer", true, "options.max_block_columns", 64))) {
            ModelInfo m = b.load();
            assertThat(m.engineSetting("ai.djl.pytorch.num_threads").orElseThrow()).isEqualTo(new EngineSetting(
                    "ai.djl.pytorch.num_threads", threads, Source.SET_BY_LEM, threads, "options.threads"));
            assertThat(m.engineSetting("ai.djl.pytorch.num_interop_threads").orElseThrow().value()).isEqualTo(interop);
            assertThat(m.engineSetting("ai.djl.pytorch.graph_optimizer").orElseThrow().value()).isEqualTo(true);
            assertThat(m.engineSetting("max_block_columns").orElseThrow()).isEqualTo(new EngineSetting(
                    "max_block_columns", 64, Source.SET_BY_LEM, null, "options.max_block_columns"));
            assertThat(m.engineSetting("executor").orElseThrow()).isEqualTo(new EngineSetting("executor", "compiled",
                    Source.ENGINE_DEFAULT, null, "LEM's default"));
            assertThat(m.engineSetting("precision").orElseThrow().value()).isEqualTo("fp32");
            assertThat(m.engineSetting("device").orElseThrow().source()).isEqualTo(Source.CORE_KEY);
        }
        try (DjlBackend b = TestBackends.backend("synthetic:tiny-llama", Map.of())) {
            EngineSetting t = b.load().engineSetting("ai.djl.pytorch.num_threads").orElseThrow();
            assertThat(t.source()).as("unset: PyTorch's own count, read back").isEqualTo(Source.REPORTED_BY_SERVER);
            assertThat(t.value()).isEqualTo(JniUtils.getNumThreads());
        }
    }
}
