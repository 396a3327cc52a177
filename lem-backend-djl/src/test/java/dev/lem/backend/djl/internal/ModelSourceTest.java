package dev.lem.backend.djl.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSourceTest {
    @TempDir
    Path home;

    private Path snapshot(Path cache, String repo, String revision) throws Exception {
        Path snap = cache.resolve("models--" + repo.replace("/", "--")).resolve("snapshots").resolve(revision);
        Files.createDirectories(snap);
        Files.writeString(snap.resolve("config.json"), "{}");
        return snap;
    }

    @Test
    void syntheticPresetsResolveCaseInsensitively() {
        ModelSource s = ModelSource.resolve("synthetic:smollm2-135m", Map.of(), home);
        assertThat(s.synthetic()).isTrue();
        assertThat(s.source()).isEqualTo("synthetic");
        assertThat(s.preset()).contains("SmolLM2-135M");
        assertThatThrownBy(() -> ModelSource.resolve("synthetic:nope", Map.of(), home))
                .isInstanceOf(ConfigException.class).hasMessageContaining("model")
                .hasMessageContaining("SmolLM2-135M").hasMessageContaining("TinyLlama-1.1B");
    }

    @Test
    void aLocalFolderNeedsConfigJson() throws Exception {
        Path dir = Files.createDirectories(home.resolve("m"));
        assertThatThrownBy(() -> ModelSource.resolve(dir.toString(), Map.of(), home))
                .isInstanceOf(ConfigException.class).hasMessageContaining("has no config.json");
        Files.writeString(dir.resolve("config.json"), "{}");
        ModelSource s = ModelSource.resolve(dir.toString(), Map.of(), home);
        assertThat(s.source()).isEqualTo("local");
        assertThat(s.folder()).contains(dir.toAbsolutePath().normalize());
    }

    @Test
    void hubIdsResolveToTheSnapshotRefsMainNames() throws Exception {
        Path cache = home.resolve(".cache/huggingface/hub");
        snapshot(cache, "org/model", "aaaa");
        Path main = snapshot(cache, "org/model", "bbbb");
        Files.createDirectories(cache.resolve("models--org--model/refs"));
        Files.writeString(cache.resolve("models--org--model/refs/main"), "bbbb\n");
        ModelSource s = ModelSource.resolve("org/model", Map.of(), home);
        assertThat(s.source()).isEqualTo("hf-cache");
        assertThat(s.folder()).contains(main);
    }

    @Test
    void hfHubCacheAndHfHomeAreSearchedFirst() throws Exception {
        Path hubCache = home.resolve("custom");
        Path snap = snapshot(hubCache, "org/other", "cccc");
        assertThat(ModelSource.resolve("org/other", Map.of("HF_HUB_CACHE", hubCache.toString()), home).folder())
                .contains(snap);
        Path hfHome = home.resolve("hfhome");
        Path snap2 = snapshot(hfHome.resolve("hub"), "org/third", "dddd");
        assertThat(ModelSource.resolve("org/third", Map.of("HF_HOME", hfHome.toString()), home).folder())
                .contains(snap2);
        assertThat(ModelSource.cacheDirs(Map.of("HF_HOME", "/x"), home))
                .containsExactly(Path.of("/x/hub"), home.resolve(".cache/huggingface/hub"));
    }

    @Test
    void aMissingModelSaysWhereItLookedAndHowToDownload() {
        assertThatThrownBy(() -> ModelSource.resolve("meta-llama/Llama-3.2-1B", Map.of(), home))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("model:")
                .hasMessageContaining(home.resolve(".cache/huggingface/hub").toString())
                .hasMessageContaining("huggingface-cli download meta-llama/Llama-3.2-1B");
    }
}
