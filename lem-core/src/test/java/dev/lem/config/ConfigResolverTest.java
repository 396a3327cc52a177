package dev.lem.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ConfigResolverTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p;
    }

    private static List<String> problems(Runnable r) {
        try {
            r.run();
        } catch (ConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        }
        throw new AssertionError("expected a ConfigException");
    }

    @Test
    void defaultsComeFromTheSchemaAndAreMarkedAsDefaults() {
        ExperimentConfig c = ExperimentConfig.defaults();
        assertThat(c.model()).isEqualTo("synthetic:SmolLM2-135M");
        assertThat(c.backend()).isEqualTo("djl");
        assertThat(c.batching().batchSize()).isEqualTo(1);
        assertThat(c.decoding().greedy()).isTrue();
        assertThat(c.carbon().country()).isEmpty();
        assertThat(c.sourceOf("cycles")).isEqualTo(ValueSource.DEFAULT);
        assertThat(c.sourceOf("decoding.greedy").kind()).isEqualTo(ValueSource.Kind.PRESET);
    }

    @Test
    void everySchemaParameterRoundTripsThroughTheRecord() {
        ExperimentConfig c = ExperimentConfig.defaults();
        Map<String, Object> values = c.toValues();
        for (Parameter p : ConfigSchema.parameters()) {
            if (p.type() == ValueType.MAP || p.defaultValue() == null) {
                continue;
            }
            assertThat(values).as(p.path()).containsKey(p.path());
            String expected = p.path().equals("results_dir")
                    ? Path.of(p.defaultText()).toAbsolutePath().normalize().toString() // stored absolute
                    : p.defaultText();
            assertThat(Parameter.display(values.get(p.path()))).as(p.path()).isEqualTo(expected);
        }
        assertThat(values.keySet()).allMatch(k -> ConfigSchema.find(k).isPresent(), "every value has a schema entry");
    }

    @Test
    void extendsChainsMergeMapsDeeplyAndReplaceLists() throws IOException {
        write("base.yaml", """
                model: synthetic:tiny-llama
                batching: {batch_size: 4, strategy: sorted}
                energy: {meters: [rapl, cpu-estimate]}
                options: {a: 1, b: two}
                """);
        write("mid.yaml", """
                _extends: base.yaml
                batching: {batch_size: 8}
                options: {b: three}
                """);
        Path top = write("top.yaml", """
                _extends: mid.yaml
                energy: {meters: [nvml]}
                cycles: 3
                """);
        ExperimentConfig c = ConfigResolver.withDefaults().file(top).resolve();
        assertThat(c.model()).isEqualTo("synthetic:tiny-llama");
        assertThat(c.batching().batchSize()).isEqualTo(8);
        assertThat(c.batching().strategy()).isEqualTo(BatchingStrategy.SORTED);
        assertThat(c.energy().meters()).containsExactly("nvml");
        assertThat(c.options()).containsEntry("a", 1).containsEntry("b", "three");
        assertThat(c.cycles()).isEqualTo(3);
        assertThat(c.sourceOf("model")).isEqualTo(ValueSource.file("base.yaml"));
        assertThat(c.sourceOf("batching.batch_size")).isEqualTo(ValueSource.file("mid.yaml"));
        assertThat(c.sourceOf("batching.strategy")).isEqualTo(ValueSource.file("base.yaml"));
        assertThat(c.sourceOf("cycles")).isEqualTo(ValueSource.file("top.yaml"));
        assertThat(c.sourceOf("options.a")).isEqualTo(ValueSource.file("base.yaml"));
        assertThat(c.sourceOf("options.b")).isEqualTo(ValueSource.file("mid.yaml"));
    }

    @Test
    void extendsInASubfolderResolvesRelativeToItsOwnFile() throws IOException {
        write("common/base.yaml", "prompts: {source: file, path: prompts.txt}\n");
        write("common/prompts.txt", "hello\n");
        Path top = write("exp.yaml", "_extends: common/base.yaml\n");
        ExperimentConfig c = ConfigResolver.withDefaults().file(top).resolve();
        assertThat(c.prompts().path()).contains(dir.resolve("common/prompts.txt").toString());
    }

    @Test
    void extendsCyclesAreReportedWithTheChain() throws IOException {
        write("a.yaml", "_extends: b.yaml\ncycles: 2\n");
        write("b.yaml", "_extends: c.yaml\n");
        write("c.yaml", "_extends: a.yaml\n");
        assertThat(problems(() -> ConfigResolver.withDefaults().file(dir.resolve("a.yaml")).resolve()))
                .containsExactly("_extends: cycle: a.yaml -> b.yaml -> c.yaml -> a.yaml; remove one of the _extends lines");
    }

    @Test
    void extendsAndPathsCannotEscapeTheConfigFolderUnlessAbsolute() throws IOException {
        write("outside.yaml", "cycles: 2\n");
        Path inner = write("sub/exp.yaml", "_extends: ../outside.yaml\n");
        assertThat(problems(() -> ConfigResolver.withDefaults().file(inner).resolve()))
                .singleElement().asString().contains("_extends", "\"../outside.yaml\" is outside the config's folder");
        Path p2 = write("sub/exp2.yaml", "prompts: {source: file, path: ../../etc/passwd}\n");
        assertThat(problems(() -> ConfigResolver.withDefaults().file(p2).resolve()))
                .anySatisfy(s -> assertThat(s).startsWith("prompts.path: \"../../etc/passwd\"")
                        .contains("points outside the config's folder"));
        // an absolute _extends is held to the same folder tree, and the file it names is neither read nor echoed
        write("outside-secret.yaml", "cycles: 2\nthe secret line\n");
        Path abs = write("sub/exp3.yaml", "_extends: " + dir.resolve("outside-secret.yaml") + "\n");
        assertThat(problems(() -> ConfigResolver.withDefaults().file(abs).resolve())).singleElement().asString()
                .startsWith("_extends: in exp3.yaml:").contains("is outside the config's folder")
                .doesNotContain("secret line");
        Path inside = write("sub/exp4.yaml", "_extends: " + dir.resolve("sub/inner.yaml") + "\n");
        write("sub/inner.yaml", "cycles: 7\n");
        assertThat(ConfigResolver.withDefaults().file(inside).resolve().cycles()).isEqualTo(7);
    }

    @Test
    void missingEmptyNonUtf8AndHugeFilesGiveClearErrors() throws IOException {
        assertThat(problems(() -> ConfigResolver.withDefaults().file(dir.resolve("nope.yaml")).resolve()))
                .singleElement().asString().endsWith("nope.yaml: file not found (check the path; relative paths in a config file are resolved against that file's folder)");
        write("empty.yaml", "# only a comment\n\n");
        assertThat(problems(() -> ConfigResolver.withDefaults().file(dir.resolve("empty.yaml")).resolve()))
                .singleElement().asString().contains("file is empty");
        Files.write(dir.resolve("latin1.yaml"), "name: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(problems(() -> ConfigResolver.withDefaults().file(dir.resolve("latin1.yaml")).resolve()))
                .singleElement().asString().contains("is not valid UTF-8 text");
        Files.writeString(dir.resolve("huge.yaml"), "name: " + "x".repeat(2 << 20) + "\n");
        assertThat(problems(() -> ConfigResolver.withDefaults().file(dir.resolve("huge.yaml")).resolve()))
                .singleElement().asString().contains("config files are limited to 1048576 bytes");
        write("list.yaml", "- a\n- b\n");
        assertThat(problems(() -> ConfigResolver.withDefaults().file(dir.resolve("list.yaml")).resolve()))
                .singleElement().asString().contains("must be a mapping of settings (key: value), not a list");
        write("broken.yaml", "model: [unclosed\n");
        assertThat(problems(() -> ConfigResolver.withDefaults().file(dir.resolve("broken.yaml")).resolve()))
                .singleElement().asString().contains("is not valid YAML/JSON");
        write("dup.yaml", "cycles: 2\ncycles: 3\n");
        assertThat(problems(() -> ConfigResolver.withDefaults().file(dir.resolve("dup.yaml")).resolve()))
                .singleElement().asString().contains("is not valid YAML/JSON").contains("cycles");
    }

    @Test
    @Timeout(10)
    void yamlAliasBombIsRefusedQuickly() throws IOException {
        StringBuilder y = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        char prev = 'a';
        for (char c = 'b'; c <= 'j'; c++) {
            y.append(c).append(": &").append(c).append(" [");
            for (int i = 0; i < 9; i++) {
                y.append(i == 0 ? "" : ",").append('*').append(prev);
            }
            y.append("]\n");
            prev = c;
        }
        write("bomb.yaml", y.toString());
        long t0 = System.nanoTime();
        assertThat(problems(() -> ConfigResolver.withDefaults().file(dir.resolve("bomb.yaml")).resolve()))
                .singleElement().asString().contains("is not valid YAML/JSON");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void jsonFilesWork() throws IOException {
        Path p = write("exp.json", "{\"cycles\": 4, \"batching\": {\"batch_size\": 2}}");
        ExperimentConfig c = ConfigResolver.withDefaults().file(p).resolve();
        assertThat(c.cycles()).isEqualTo(4);
        assertThat(c.batching().batchSize()).isEqualTo(2);
    }

    @Test
    void everyProblemIsCollectedOneLineEachWithPathValueAndRule() throws IOException {
        Path p = write("bad.yaml", """
                cycles: 0
                batching: {batch_size: 70000, strategy: random}
                decodng: {greedy: true}
                precision: fp64
                seed: "42"
                max_output_tokens: 1.5
                decoding: {ignore_eos: maybe}
                energy: {meters: [{a: 1}], idle_baseline_s: -1}
                prompts: 5
                carbon: {pue: .nan}
                traffic: {sweep: [1, -2]}
                """);
        ConfigException e = (ConfigException) org.assertj.core.api.Assertions.catchThrowable(
                () -> ConfigResolver.withDefaults().file(p).resolve());
        assertThat(e.problems().stream().map(ConfigProblem::toString)).containsExactlyInAnyOrder(
                "cycles: 0 is below the minimum 1",
                "batching.batch_size: 70000 is above the maximum 65536",
                "batching.strategy: \"random\" is not one of: static, sorted, dynamic",
                "decodng: unknown key; did you mean \"decoding\"?",
                "precision: \"fp64\" is not one of: fp32, fp16, bf16, auto",
                "seed: \"42\" is not a whole number; write it without quotes",
                "max_output_tokens: 1.5 is not a whole number",
                "decoding.ignore_eos: \"maybe\" is not true or false",
                "energy.meters: item {a=1} is a mapping; expected text",
                "energy.idle_baseline_s: -1 is below the minimum 0",
                "prompts: is a section, not a value: write its settings under it (e.g. prompts:\\n  source: ...)",
                "carbon.pue: NaN is not a finite number",
                "traffic.sweep: item -2 must be > 0");
        assertThat(e.getMessage()).startsWith("Invalid configuration (13 problems):\n  ")
                .contains("\n  cycles: 0 is below the minimum 1\n");
    }

    @Test
    void unknownNestedKeysGetSuggestions() {
        assertThat(problems(() -> ConfigResolver.withDefaults().override("batching.batchsize=4").resolve()))
                .containsExactly("batching.batchsize: unknown key; did you mean \"batching.batch_size\"?");
        assertThat(problems(() -> ConfigResolver.withDefaults().override("zzzzzzzz=1").resolve()))
                .containsExactly("zzzzzzzz: unknown key; see `lem config keys` for every key");
    }

    @Test
    void crossFieldRulesAreChecked() {
        assertThat(problems(() -> ConfigResolver.withDefaults().override("min_output_tokens=100")
                .override("max_output_tokens=10").resolve()))
                .containsExactly("min_output_tokens: 100 is above max_output_tokens (10); lower it or raise max_output_tokens");
        assertThat(problems(() -> ConfigResolver.withDefaults().override("prompts.source=file").resolve()))
                .containsExactly("prompts.path: is required when prompts.source is file; give the prompt file");
        assertThat(problems(() -> ConfigResolver.withDefaults().override("traffic.pattern=poisson").resolve()))
                .containsExactly("traffic.rate: is required for traffic.pattern poisson (requests per second), or give traffic.sweep");
        assertThat(problems(() -> ConfigResolver.withDefaults().override("device=gpu0").resolve()))
                .containsExactly("device: \"gpu0\" is not cpu, cuda, cuda:<index> or auto");
        assertThat(problems(() -> ConfigResolver.withDefaults().override("decoding.greedy=true")
                .override("decoding.temperature=0.8").resolve()))
                .containsExactly("decoding.greedy: true makes decoding.temperature meaningless; set decoding.greedy: false, "
                        + "or choose a sampling preset (standard, creative, factual)");
        assertThat(problems(() -> ConfigResolver.withDefaults().override("warmup.min_runs=9")
                .override("warmup.max_runs=3").override("warmup.window=2").resolve()))
                .containsExactly("warmup.min_runs: 9 is above warmup.max_runs (3)");
        assertThat(problems(() -> ConfigResolver.withDefaults().override("warmup.window=8")
                .override("warmup.max_runs=4").override("warmup.min_runs=1").resolve()))
                .containsExactly("warmup.window: 8 is above warmup.max_runs (4), so warm-up could never converge; "
                        + "lower the window or raise max_runs");
    }

    @Test
    void presetsFillWhatWasNotSetExplicitly() {
        ExperimentConfig c = ConfigResolver.withDefaults().override("decoding.preset=standard")
                .override("decoding.top_k=7").resolve();
        assertThat(c.decoding().greedy()).isFalse();
        assertThat(c.decoding().temperature()).isEqualTo(0.7);
        assertThat(c.decoding().topP()).isEqualTo(0.9);
        assertThat(c.decoding().topK()).isEqualTo(7);
        assertThat(c.sourceOf("decoding.temperature")).isEqualTo(ValueSource.preset("standard"));
        assertThat(c.sourceOf("decoding.top_k")).isEqualTo(ValueSource.OVERRIDE);
        ExperimentConfig implied = ConfigResolver.withDefaults().override("decoding.temperature=0.5").resolve();
        assertThat(implied.decoding().greedy()).isFalse();
        assertThat(implied.decoding().temperature()).isEqualTo(0.5);
    }

    @Test
    void overridesParseYamlScalarsAndWinOverFiles() throws IOException {
        Path p = write("exp.yaml", "cycles: 7\nenergy: {meters: [rapl]}\n");
        ExperimentConfig c = ConfigResolver.withDefaults().file(p).override("cycles=3")
                .override("energy.meters=[nvml, rapl]").override("decoding.ignore_eos=false")
                .override("model=synthetic:GPT-2").override("options.hidden_size=64").resolve();
        assertThat(c.cycles()).isEqualTo(3);
        assertThat(c.energy().meters()).containsExactly("nvml", "rapl");
        assertThat(c.decoding().ignoreEos()).isFalse();
        assertThat(c.model()).isEqualTo("synthetic:GPT-2");
        assertThat(c.options()).containsEntry("hidden_size", 64);
        assertThat(c.sourceOf("cycles")).isEqualTo(ValueSource.OVERRIDE);
        assertThat(c.sourceOf("energy.meters")).isEqualTo(ValueSource.OVERRIDE);
        assertThat(problems(() -> ConfigResolver.withDefaults().override("no-equals-sign").resolve()))
                .containsExactly("no-equals-sign: an override is written key.path=value, e.g. cycles=3");
        assertThat(ConfigResolver.withDefaults().override("carbon.country=FRA").override("carbon.country=").resolve()
                .carbon().country()).as("an empty override unsets").isEmpty();
    }

    @Test
    void builderValuesAreCheckedWhereTheyAreSet() {
        assertThatThrownBy(() -> ConfigResolver.checkValue("batching.batch_size", 0))
                .isInstanceOf(ConfigException.class)
                .hasMessage("Invalid configuration: batching.batch_size: 0 is below the minimum 1");
        assertThatThrownBy(() -> ConfigResolver.withDefaults().set("batching.size", 1, ValueSource.BUILDER))
                .hasMessageContaining("did you mean \"batching.batch_size\"");
    }

    @Test
    void resolvingFromAConfigKeepsExplicitValuesAndSources() {
        ExperimentConfig c = ConfigResolver.withDefaults().override("cycles=9").resolve();
        ExperimentConfig again = ConfigResolver.from(c).set("seed", 7L, ValueSource.BUILDER).resolve();
        assertThat(again.cycles()).isEqualTo(9);
        assertThat(again.sourceOf("cycles")).isEqualTo(ValueSource.OVERRIDE);
        assertThat(again.seed()).isEqualTo(7L);
    }

    @Test
    void relativeModelFoldersInFilesResolveAgainstTheFile() throws IOException {
        Path p = write("cfg/exp.yaml", "model: ./models/tiny\n");
        assertThat(ConfigResolver.withDefaults().file(p).resolve().model())
                .isEqualTo(dir.resolve("cfg/models/tiny").toString());
    }

    @Test
    void qualityAndAdapterPathsResolveAgainstTheFileWhileTheirWordsStayAsWritten() throws IOException {
        Path p = write("cfg/q.yaml", "quality:\n  perplexity:\n    dataset: texts/corpus.jsonl\n"
                + "adapter:\n  path: adapters/my-lora\n");
        ExperimentConfig c = ConfigResolver.withDefaults().file(p).resolve();
        assertThat(c.quality().perplexity().dataset()).contains(dir.resolve("cfg/texts/corpus.jsonl").toString());
        assertThat(c.quality().perplexity().enabled()).isTrue();
        assertThat(c.adapter().path()).contains(dir.resolve("cfg/adapters/my-lora").toString());
        assertThat(c.adapter().effectiveName()).contains("my-lora");
        Path words = write("cfg/w.yaml", "quality: {perplexity: {dataset: builtin}}\nadapter: {path: \"synthetic:r=8,"
                + "alpha=16\"}\n");
        ExperimentConfig w = ConfigResolver.withDefaults().file(words).resolve();
        assertThat(w.quality().perplexity().dataset()).contains("builtin");
        assertThat(w.adapter().path()).contains("synthetic:r=8,alpha=16");
        assertThat(w.adapter().synthetic()).isTrue();
        assertThat(w.adapter().effectiveName()).contains("lora-r8");
        Path none = write("cfg/n.yaml", "adapter: {path: none}\n");
        assertThat(ConfigResolver.withDefaults().file(none).resolve().adapter().source()).isEmpty();
        assertThat(ExperimentConfig.defaults().quality().perplexity().enabled()).isFalse();
    }

    @Test
    void aPerplexityStrideMustLeaveContextAndTheAdaptiveMetricMustBePerCycle() {
        assertThatThrownBy(() -> ConfigResolver.withDefaults().set("quality.perplexity.window", 64, ValueSource.OVERRIDE)
                .set("quality.perplexity.stride", 64, ValueSource.OVERRIDE).resolve())
                .isInstanceOf(ConfigException.class).hasMessageContaining("quality.perplexity.stride")
                .hasMessageContaining("64 is not below quality.perplexity.window (64)");
        assertThatThrownBy(() -> ConfigResolver.withDefaults().set("stats.adaptive.enabled", true, ValueSource.OVERRIDE)
                .set("stats.adaptive.metric", "perplexity", ValueSource.OVERRIDE).resolve())
                .isInstanceOf(ConfigException.class).hasMessageContaining("stats.adaptive.metric")
                .hasMessageContaining("measured once per experiment");
    }
}
