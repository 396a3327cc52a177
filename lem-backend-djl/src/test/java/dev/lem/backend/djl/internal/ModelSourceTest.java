package dev.lem.backend.djl.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.config.ConfigException;
import dev.lem.model.ModelLocator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The djl backend's use of lem-core's locator: sources, labels, and misses as configuration errors. */
class ModelSourceTest {
    @TempDir
    Path home;

    private ModelLocator locator(Map<String, String> env) {
        return ModelLocator.fromEnvironment(env, home);
    }

    @Test
    void syntheticPresetsResolveToTheirCanonicalName() {
        ModelSource s = ModelSource.resolve("synthetic:smollm2-135m", locator(Map.of()));
        assertThat(s.synthetic()).isTrue();
        assertThat(s.source()).isEqualTo("synthetic");
        assertThat(s.preset()).contains("SmolLM2-135M");
        assertThatThrownBy(() -> ModelSource.resolve("synthetic:nope", locator(Map.of())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("model:")
                .hasMessageContaining("TinyLlama-1.1B");
    }

    @Test
    void localFoldersAndCacheSnapshotsAreLabelled() throws Exception {
        Path dir = Files.createDirectories(home.resolve("m"));
        Files.writeString(dir.resolve("config.json"), "{}");
        ModelSource local = ModelSource.resolve(dir.toString(), locator(Map.of()));
        assertThat(local.source()).isEqualTo("local");
        assertThat(local.folder()).contains(dir.toAbsolutePath().normalize());

        Path cache = home.resolve("hub");
        Path snap = Files.createDirectories(cache.resolve("models--org--model/snapshots/abc"));
        Files.writeString(snap.resolve("config.json"), "{}");
        ModelSource cached = ModelSource.resolve("org/model", locator(Map.of("HF_HUB_CACHE", cache.toString())));
        assertThat(cached.source()).isEqualTo("hf-cache");
        assertThat(cached.folder()).contains(snap);
    }

    @Test
    void aMissingModelIsAConfigurationErrorSayingWhereItLookedAndHowToDownload() {
        assertThatThrownBy(() -> ModelSource.resolve("meta-llama/Llama-3.2-1B", locator(Map.of())))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("model:")
                .hasMessageContaining(home.resolve(".cache/huggingface/hub").toString())
                .hasMessageContaining("huggingface-cli download meta-llama/Llama-3.2-1B")
                .hasMessageContaining("synthetic:SmolLM2-135M");
    }
}
