package dev.lem.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.LemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLocatorTest {
    private static final String MAIN = "0123456789abcdef0123456789abcdef01234567";
    private static final String OLD = "fedcba9876543210fedcba9876543210fedcba98";

    @TempDir
    Path tmp;

    private Path snapshot(Path cache, String repo, String commit) throws Exception {
        Path s = cache.resolve("models--" + repo.replace("/", "--")).resolve("snapshots").resolve(commit);
        Files.createDirectories(s);
        Files.writeString(s.resolve("config.json"), SafetensorsFixtures.llamaConfig(SyntheticPresets.get("tiny-llama")));
        return s;
    }

    private static void ref(Path cache, String repo, String name, String commit) throws Exception {
        Path refs = cache.resolve("models--" + repo.replace("/", "--")).resolve("refs");
        Files.createDirectories(refs);
        Files.writeString(refs.resolve(name), commit);
    }

    @Test
    void cacheDirsFollowHuggingFaceHubOrder() {
        Path home = Path.of("/home/u");
        ModelLocator l = ModelLocator.fromEnvironment(Map.of("HF_HUB_CACHE", "/a", "HF_HOME", "/b",
                "XDG_CACHE_HOME", "/c"), home);
        assertThat(l.cacheDirs()).containsExactly(Path.of("/a"), Path.of("/b/hub"), Path.of("/c/huggingface/hub"),
                Path.of("/home/u/.cache/huggingface/hub"));
        assertThat(ModelLocator.fromEnvironment(Map.of(), home).cacheDirs())
                .containsExactly(Path.of("/home/u/.cache/huggingface/hub"));
    }

    @Test
    void hfIdResolvesToTheSnapshotThatRefsMainNames() throws Exception {
        Path cache = tmp.resolve("hub");
        Path main = snapshot(cache, "HuggingFaceTB/SmolLM2-135M", MAIN);
        snapshot(cache, "HuggingFaceTB/SmolLM2-135M", OLD);
        Files.setLastModifiedTime(main, FileTime.fromMillis(0)); // refs/main wins over recency
        ref(cache, "HuggingFaceTB/SmolLM2-135M", "main", MAIN + "\n");
        LocatedModel m = ModelLocator.fromEnvironment(Map.of("HF_HOME", tmp.toString()), tmp.resolve("home"))
                .locate("HuggingFaceTB/SmolLM2-135M");
        assertThat(m.source()).isEqualTo(LocatedModel.Source.HF_CACHE);
        assertThat(m.source().label()).isEqualTo("hf-cache");
        assertThat(m.folder()).contains(main);
        assertThat(m.revision()).contains(MAIN);
        assertThat(m.architecture().hiddenSize()).isEqualTo(64);
    }

    @Test
    void revisionCanBeACommitOrARef() throws Exception {
        Path cache = tmp.resolve("hub");
        Path old = snapshot(cache, "org/m", OLD);
        Path main = snapshot(cache, "org/m", MAIN);
        ref(cache, "org/m", "v1", MAIN);
        ModelLocator l = ModelLocator.withCacheDirs(List.of(cache));
        assertThat(l.locate("org/m@" + OLD).folder()).contains(old);
        assertThat(l.locate("org/m@v1").folder()).contains(main);
        assertThatThrownBy(() -> l.locate("org/m@v2")).hasMessageContaining("has no revision v2");
    }

    @Test
    void withoutRefsTheNewestSnapshotIsUsed() throws Exception {
        Path cache = tmp.resolve("hub");
        Path old = snapshot(cache, "org/m", OLD);
        Path main = snapshot(cache, "org/m", MAIN);
        Files.setLastModifiedTime(old, FileTime.fromMillis(1_000));
        Files.setLastModifiedTime(main, FileTime.fromMillis(2_000));
        assertThat(ModelLocator.withCacheDirs(List.of(cache)).locate("org/m").folder()).contains(main);
    }

    @Test
    void laterCacheDirIsSearchedWhenTheFirstLacksTheModel() throws Exception {
        Path second = tmp.resolve("second");
        Path s = snapshot(second, "gpt2", MAIN);
        ModelLocator l = ModelLocator.withCacheDirs(List.of(tmp.resolve("first"), second));
        assertThat(l.locate("gpt2").folder()).as("legacy ids without an org").contains(s);
    }

    @Test
    void notFoundSaysWhereItLookedAndHowToDownload() {
        ModelLocator l = ModelLocator.withCacheDirs(List.of(tmp.resolve("a"), tmp.resolve("b")));
        assertThatThrownBy(() -> l.locate("meta-llama/Llama-3.2-1B")).isInstanceOf(LemException.class)
                .hasMessageContaining("models--meta-llama--Llama-3.2-1B")
                .hasMessageContaining(tmp.resolve("a").toString())
                .hasMessageContaining(tmp.resolve("b").toString())
                .hasMessageContaining("huggingface-cli download meta-llama/Llama-3.2-1B");
    }

    @Test
    void snapshotWithoutConfigIsAPartialDownload() throws Exception {
        Path cache = tmp.resolve("hub");
        Files.createDirectories(cache.resolve("models--org--m/snapshots/" + MAIN));
        assertThatThrownBy(() -> ModelLocator.withCacheDirs(List.of(cache)).locate("org/m"))
                .hasMessageContaining("has no config.json (a partial download)");
    }

    @Test
    void localFolderAndConfigFile() throws Exception {
        Path dir = SafetensorsFixtures.writeLlamaFolder(tmp.resolve("model"), SyntheticPresets.get("tiny-llama"));
        ModelLocator l = ModelLocator.withCacheDirs(List.of());
        LocatedModel m = l.locate(dir.toString());
        assertThat(m.source()).isEqualTo(LocatedModel.Source.LOCAL);
        assertThat(m.checkpoint()).isPresent();
        assertThat(l.locate(dir.resolve("config.json").toString()).folder()).contains(dir.toAbsolutePath());
        Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> l.locate(tmp.resolve("empty").toString())).hasMessageContaining("has no config.json");
        assertThatThrownBy(() -> l.locate(tmp.resolve("nope/deeper").toString()))
                .hasMessageContaining("does not exist");
    }

    @Test
    void syntheticNamesAreCanonicalised() {
        ModelLocator l = ModelLocator.withCacheDirs(List.of());
        LocatedModel m = l.locate("synthetic:smollm2-135m");
        assertThat(m.id()).isEqualTo("synthetic:SmolLM2-135M");
        assertThat(m.folder()).isEmpty();
        assertThat(m.checkpoint()).isEmpty();
        assertThat(m.architecture()).isEqualTo(SyntheticPresets.get("SmolLM2-135M"));
        assertThatThrownBy(() -> l.locate("synthetic:nope")).hasMessageContaining("Unknown synthetic model \"nope\"")
                .hasMessageContaining("SmolLM2-135M");
    }

    @Test
    void revisionWithDotsIsRefused() {
        assertThatThrownBy(() -> ModelLocator.withCacheDirs(List.of()).findInCache("org/m", Optional.of("../x")))
                .hasMessageContaining("not a valid revision");
    }
}
