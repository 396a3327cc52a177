package dev.lem.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;

/**
 * Every key is declared once (a {@link Key} on a record component) and everything else derives from that:
 * reading, validation, the record, writing back. These tests set every key in turn to a value other than its
 * default and follow it through the whole path, so a key that some part did not derive would fail here.
 */
class ConfigDeclarationTest {
    @TempDir
    Path dir;

    /** Values to try for a key, other than its default, most likely valid first. */
    private static List<Object> candidates(Parameter p) {
        List<Object> out = new ArrayList<>();
        switch (p.type()) {
            case STRING, PATH -> out.addAll(List.of("other-value", "cuda:1", "FRA", "us-west1", "gcp", "california", "SE1"));
            case INTEGER, LONG -> {
                long min = p.min() == null ? 0 : p.min().longValue();
                for (long v : new long[] {min, min + 1, min + 2, 3, 7}) {
                    out.add(p.type() == ValueType.INTEGER ? (Object) (int) v : (Object) v);
                }
            }
            case DOUBLE -> {
                double min = p.min() == null ? 0 : p.min();
                double max = p.max() == null ? min + 10 : p.max();
                for (double v : new double[] {min, (min + max) / 2, max, 0.5, 1.5}) {
                    out.add(v);
                }
            }
            case BOOLEAN -> out.addAll(List.of(true, false));
            case CHOICE -> out.addAll(p.choices());
            case STRING_LIST -> out.add(List.of("rapl", "ram-estimate"));
            case NUMBER_LIST -> out.add(List.of(1.0, 2.0));
            case INTEGER_LIST -> out.add(List.of(1, 2));
            case MAP -> throw new IllegalArgumentException("maps are tested apart");
        }
        out.removeIf(v -> Parameter.display(v).equals(p.defaultText()));
        return out;
    }

    private Optional<ExperimentConfig> tryResolve(String path, Object value) {
        try {
            ConfigResolver r = ConfigResolver.withDefaults();
            if (path.equals("prompts.source")) {
                r.set("prompts.path", prompts().toString(), ValueSource.OVERRIDE);
            }
            if (path.startsWith("carbon.cloud_")) {
                r.set("carbon.cloud_provider", "gcp", ValueSource.OVERRIDE);
                r.set("carbon.cloud_region", "us-west1", ValueSource.OVERRIDE);
            }
            if (path.equals("quality.perplexity.window")) {
                r.set("quality.perplexity.stride", 1, ValueSource.OVERRIDE);
            }
            if (path.equals("stats.adaptive.enabled")) {
                r.set("cycles", 2, ValueSource.OVERRIDE);
            }
            return Optional.of(r.set(path, value, ValueSource.OVERRIDE).resolve());
        } catch (ConfigException e) {
            return Optional.empty();
        }
    }

    private Path prompts() {
        try {
            Path p = dir.resolve("prompts.txt");
            if (!Files.exists(p)) {
                Files.writeString(p, "hello\n");
            }
            return p;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void everyKeySetToANonDefaultValueSurvivesTheRecordAYamlFileAndTheStoredForm() throws IOException {
        int checked = 0;
        for (Parameter p : ConfigSchema.parameters()) {
            if (p.type() == ValueType.MAP || p.path().equals("prompts.path")) {
                continue; // mappings below; prompts.path with prompts.source
            }
            if (p.path().equals("quality.perplexity.dataset") || p.path().equals("adapter.path")) {
                continue; // paths that resolve against a file's folder: ConfigResolverTest
            }
            Optional<Object> value = Optional.empty();
            Optional<ExperimentConfig> config = Optional.empty();
            for (Object candidate : candidates(p)) {
                config = tryResolve(p.path(), candidate);
                if (config.isPresent()) {
                    value = Optional.of(candidate);
                    break;
                }
            }
            assertThat(config).as("some non-default value of %s resolves", p.path()).isPresent();
            ExperimentConfig c = config.get();
            Map<String, Object> values = c.toValues();
            String expected = p.path().equals("results_dir")
                    ? Path.of(value.get().toString()).toAbsolutePath().normalize().toString()
                    : Parameter.display(value.get());
            assertThat(Parameter.display(values.get(p.path()))).as("%s in toValues()", p.path()).isEqualTo(expected);
            assertThat(c.sourceOf(p.path())).as(p.path()).isEqualTo(ValueSource.OVERRIDE);

            Path yaml = dir.resolve("k" + checked + ".yaml");
            Files.writeString(yaml, new Dump(DumpSettings.builder().build()).dumpToString(c.toTree()));
            ExperimentConfig fromFile = ConfigResolver.withDefaults().file(yaml).resolve();
            assertThat(fromFile.toValues()).as("%s written as YAML and read back", p.path()).isEqualTo(values);

            ExperimentConfig stored = ExperimentConfig.fromJson(c.toJson());
            assertThat(stored).as("%s in the stored (results) form", p.path()).isEqualTo(c);
            checked++;
        }
        assertThat(checked).as("keys checked").isGreaterThan(80);
    }

    @Test
    void mappingsKeepTheirEntriesAndProvenance() {
        ExperimentConfig c = ConfigResolver.withDefaults()
                .tree(Map.of("options", Map.of("threads", 2), "extra", Map.of("max_num_seqs", 64, "enforce_eager", true),
                        "energy", Map.of("meter_options", Map.of("nvml", Map.of("devices", List.of(0, 1))))),
                        ValueSource.file("a.yaml"))
                .resolve();
        assertThat(c.options()).containsEntry("threads", 2);
        assertThat(c.extra()).containsEntry("max_num_seqs", 64).containsEntry("enforce_eager", true);
        assertThat(c.energy().meterOptions()).containsEntry("nvml.devices", List.of(0, 1));
        assertThat(c.energy().optionsOf("nvml")).containsEntry("devices", List.of(0, 1));
        assertThat(c.sourceOf("extra.max_num_seqs")).isEqualTo(ValueSource.file("a.yaml"));
        assertThat(ExperimentConfig.fromJson(c.toJson())).isEqualTo(c);
        assertThat(c.toTree()).containsEntry("extra", Map.of("enforce_eager", true, "max_num_seqs", 64));
    }

    @Test
    void choicesAreEnumsFromTheMomentValidationEnds() {
        ExperimentConfig c = ConfigResolver.withDefaults().override("batching.strategy=SORTED")
                .override("traffic.pattern=poisson").override("traffic.rate=2").override("stats.ci_method=bca")
                .override("stats.adaptive.metric=ttft_mean_ms").override("precision=fp16").override("server.api=chat")
                .override("warmup.mode=fixed").override("decoding.preset=creative").resolve();
        assertThat(c.batching().strategy()).isEqualTo(BatchingStrategy.SORTED);
        assertThat(c.traffic().pattern()).isEqualTo(TrafficPattern.POISSON);
        assertThat(c.traffic().pattern().isOpenLoop()).isTrue();
        assertThat(c.stats().ciMethod()).isEqualTo(dev.lem.stats.CiMethod.BCA);
        assertThat(c.stats().adaptive().metric()).isEqualTo(dev.lem.Metric.TTFT_MEAN_MS);
        assertThat(c.precision()).isEqualTo(Precision.FP16);
        assertThat(c.server().api()).isEqualTo(ServerApi.CHAT);
        assertThat(c.warmup().mode()).isEqualTo(WarmupMode.FIXED);
        assertThat(c.decoding().preset()).isEqualTo(DecodingPreset.CREATIVE);
        assertThat(c.toValues()).containsEntry("batching.strategy", "sorted").containsEntry("stats.adaptive.metric",
                "ttft_mean_ms");
    }

    @Test
    void theStoredFormOfResultsSchemaOneIsRead() {
        Map<String, Object> v1 = new java.util.LinkedHashMap<>(ExperimentConfig.defaults().toJson());
        @SuppressWarnings("unchecked")
        Map<String, Object> carbon = new java.util.LinkedHashMap<>((Map<String, Object>) v1.get("carbon"));
        carbon.put("intensity_gper_kwh", 56.0);
        v1.put("carbon", carbon);
        v1.put("a_key_a_later_lem_removed", 3);
        assertThat(ExperimentConfig.fromJson(v1).carbon().intensityGPerKwh()).contains(56.0);
    }

    @Test
    void aMisplacedKeyFindsItsSectionAndSectionsAreDocumented() {
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ConfigResolver.withDefaults().override("batch_size=4").resolve());
        assertThat(e.problems()).singleElement().hasToString(
                "batch_size: unknown key; did you mean \"batching.batch_size\"?");
        assertThat(ConfigSchema.sections()).containsKeys("batching", "prompts.synthetic", "stats.adaptive")
                .allSatisfy((k, doc) -> assertThat(doc).as(k).isNotBlank());
        assertThat(ConfigSchema.parameters()).allSatisfy(p -> assertThat(p.description()).as(p.path()).isNotBlank());
    }

    @Test
    void overridesAreAppliedBeforeAnythingIsValidated() throws IOException {
        Path p = dir.resolve("exp.yaml");
        Files.writeString(p, "cycles: 0\nprompts: {source: file}\n");
        ExperimentConfig c = ConfigResolver.withDefaults().file(p).override("cycles=1")
                .override("prompts.path=" + prompts()).resolve();
        assertThat(c.cycles()).isEqualTo(1);
        assertThat(c.prompts().path()).contains(prompts().toString());
    }

    @Test
    void modelFoldersAndTheResultsFolderAreStoredAbsoluteAndNormalised() {
        ExperimentConfig c = ConfigResolver.withDefaults().override("model=/x/./models/../models/tiny")
                .override("results_dir=out/./here").resolve();
        assertThat(c.model()).isEqualTo("/x/models/tiny");
        assertThat(c.resultsDir()).isEqualTo(Path.of("out/here").toAbsolutePath().toString());
        assertThat(ConfigResolver.withDefaults().override("model=synthetic:GPT-2").resolve().model())
                .isEqualTo("synthetic:GPT-2");
    }

    @Test
    @Timeout(10)
    void deviceFilesAndFoldersAreRefusedBeforeAnythingIsRead() throws IOException {
        assertThatThrownBy(() -> ConfigResolver.withDefaults().file(Path.of("/dev/zero")).resolve())
                .isInstanceOf(ConfigException.class).hasMessageContaining("/dev/zero")
                .hasMessageContaining("is not a regular file");
        Path top = dir.resolve("top.yaml");
        Files.writeString(top, "_extends: " + dir.resolve("folder") + "\n");
        Files.createDirectories(dir.resolve("folder"));
        assertThatThrownBy(() -> ConfigResolver.withDefaults().file(top).resolve())
                .hasMessageContaining("is a folder");
        assertThat(InputFiles.problem(Path.of("/dev/zero"), 10)).hasValueSatisfying(m ->
                assertThat(m).contains("not a regular file"));
        Path big = dir.resolve("big.txt");
        Files.writeString(big, "x".repeat(100));
        assertThat(InputFiles.problem(big, 10)).hasValueSatisfying(m -> assertThat(m).contains("is 100 bytes; at most 10"));
        Files.write(dir.resolve("bin.txt"), new byte[] {(byte) 0xff, (byte) 0xfe, 0});
        assertThatThrownBy(() -> InputFiles.readLines(dir.resolve("bin.txt"), 100, "prompts.path"))
                .hasMessageContaining("prompts.path").hasMessageContaining("is not UTF-8 text");
    }

    @Test
    void theWarmupTimeCapIsAKeyLikeAnyOther() {
        assertThat(ExperimentConfig.defaults().warmup().maxS()).isEqualTo(60.0);
        assertThat(ConfigResolver.withDefaults().override("warmup.max_s=5").resolve().warmup().maxS()).isEqualTo(5.0);
        assertThatThrownBy(() -> ConfigResolver.withDefaults().override("warmup.max_s=0").resolve())
                .hasMessageContaining("warmup.max_s: 0 is below the minimum 0.001");
        assertThat(Duration.ofMillis(1)).isNotNull();
    }

    @Test
    void keysThatDoNotApplyToTheBackendAreNamed() {
        ExperimentConfig c = ConfigResolver.withDefaults().override("batching.batch_size=8")
                .override("traffic.rate=3").override("server.url=http://x:8000").override("extra.max_num_seqs=4")
                .override("cycles=2").resolve();
        assertThat(ConfigSchema.inapplicableKeys(c, "vllm", false)).containsExactlyInAnyOrder(
                "batching.batch_size has no effect on backend vllm: it applies to in-process backends (djl)",
                "extra.max_num_seqs has no effect on backend vllm: it applies to managed servers (vllm, trtllm with "
                        + "server.managed: true) (set server.managed: true)");
        assertThat(ConfigSchema.inapplicableKeys(c, "djl", true)).containsExactlyInAnyOrder(
                "traffic.rate has no effect on backend djl: it applies to served backends (vllm, trtllm, openai)",
                "server.url has no effect on backend djl: it applies to served backends (vllm, trtllm, openai)",
                "extra.max_num_seqs has no effect on backend djl: it applies to managed servers (vllm, trtllm with "
                        + "server.managed: true)");
        assertThat(ConfigSchema.inapplicableKeys(ExperimentConfig.defaults(), "vllm", false))
                .as("defaults never warn").isEmpty();
    }
}
