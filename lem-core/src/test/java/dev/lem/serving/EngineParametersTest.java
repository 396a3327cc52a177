package dev.lem.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.config.ConfigProblem;
import dev.lem.config.ConfigResolver;
import dev.lem.config.EngineArgument;
import dev.lem.config.EngineSnapshot;
import dev.lem.config.Option;
import dev.lem.config.OptionValues;
import dev.lem.config.ParameterCoverage;
import dev.lem.config.ValueSource;
import dev.lem.results.ResultsJson;
import dev.lem.spi.BackendSettings;
import dev.lem.spi.EngineSetting;
import dev.lem.spi.EngineSetting.Source;
import dev.lem.spi.ModelInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The engine-parameter machinery: versions, snapshots and coverage, flags, pass-through, recorded settings. */
class EngineParametersTest {
    static final Option<Integer> SEQS = Option.integer("max_num_seqs").range(1, 1000).engineArgument("max_num_seqs")
            .engineDefault("256");
    static final Option<Boolean> EAGER = Option.bool("enforce_eager").engineArgument("enforce_eager")
            .engineDefault("false");
    static final Option<Boolean> PREFIX = Option.bool("enable_prefix_caching").engineArgument("enable_prefix_caching");
    static final Option<List<Integer>> SIZES = Option.integerList("capture_sizes").engineArgument("capture_sizes")
            .since("0.11.1");
    static final Option<String> METHOD = Option.text("method").engineArgument("spec.method");
    static final Option<Integer> TOKENS = Option.integer("tokens").min(1).engineArgument("spec.tokens");
    static final EngineFlags FLAGS = EngineFlags.of(List.of(EngineFlags.Flag.value(SEQS, "--max-num-seqs"),
            EngineFlags.Flag.when(EAGER, "--enforce-eager"), EngineFlags.Flag.negatable(PREFIX, "--enable-prefix-caching"),
            EngineFlags.Flag.list(SIZES, "--capture-sizes"), EngineFlags.Flag.json(METHOD, "--spec", "method"),
            EngineFlags.Flag.json(TOKENS, "--spec", "tokens")), true);
    static final List<Option<?>> OPTIONS = FLAGS.options();

    private static BackendSettings settings(boolean managed, Object... kv) {
        ConfigResolver r = ConfigResolver.withDefaults().set("backend", "openai", ValueSource.BUILDER)
                .set("server.url", "http://127.0.0.1:8000", ValueSource.BUILDER)
                .set("server.managed", managed, ValueSource.BUILDER);
        Map<String, Object> options = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            String k = (String) kv[i];
            if (k.startsWith("options.")) {
                options.put(k.substring(8), kv[i + 1]);
            } else {
                r.set(k, kv[i + 1], ValueSource.BUILDER);
            }
        }
        var c = r.resolve();
        return BackendSettings.of(c, OptionValues.check("test", OPTIONS, options));
    }

    @Test
    void versionsCompareByReleaseNumbersWithPreReleasesFirst() {
        assertThat(new EngineVersion("0.11.1").atLeast(new EngineVersion("0.11.1"))).isTrue();
        assertThat(new EngineVersion("0.10.2").atLeast(new EngineVersion("0.11.1"))).isFalse();
        assertThat(new EngineVersion("0.12").atLeast(new EngineVersion("0.11.1"))).isTrue();
        assertThat(new EngineVersion("0.11.1rc2").atLeast(new EngineVersion("0.11.1"))).isFalse();
        assertThat(new EngineVersion("0.11.1.dev5+g1234").atLeast(new EngineVersion("0.11.1"))).isFalse();
        assertThat(new EngineVersion("0.11.1.post1").atLeast(new EngineVersion("0.11.1"))).isTrue();
        assertThat(new EngineVersion("1.0.0rc4").atLeast(new EngineVersion("0.21.0"))).isTrue();
        assertThat(EngineVersion.parse("triton 2.50")).isEmpty();
        assertThat(EngineVersion.find("INFO vllm 0.11.1 ready\n")).hasValue(new EngineVersion("0.11.1"));
        assertThat(EngineVersion.find("no number")).isEmpty();
    }

    @Test
    void aSnapshotNeedsItsHeaderAndThreeColumns() {
        EngineSnapshot s = EngineSnapshot.parse("# engine: E\n# version: 1.0\n# source: a\n# source: b\nx\tyes\twhy\n"
                + "y\tno\twhy not\nz\tgroup\tparts\n", "t.tsv");
        assertThat(s.source()).isEqualTo("a b");
        assertThat(s.arguments()).extracting(EngineArgument::relevance).containsExactly(
                EngineArgument.Relevance.RELEVANT, EngineArgument.Relevance.NOT_RELEVANT, EngineArgument.Relevance.GROUP);
        assertThatThrownBy(() -> EngineSnapshot.parse("# engine: E\n# version: 1\n# source: s\nx\tmaybe\twhy\n", "t.tsv"))
                .hasMessage("t.tsv line 4: \"maybe\" is not yes, no or group");
        assertThatThrownBy(() -> EngineSnapshot.parse("# engine: E\n# version: 1\n# source: s\nx yes why\n", "t.tsv"))
                .hasMessageContaining("t.tsv line 4: expected 3 tab-separated columns");
        assertThatThrownBy(() -> EngineSnapshot.parse("x\tyes\twhy\n", "t.tsv")).hasMessageContaining("must name the "
                + "engine, version and source");
        assertThatThrownBy(() -> EngineSnapshot.parse("# engine: E\n# version: 1\n# source: s\nx\tyes\ta\nx\tno\tb\n",
                "t.tsv")).hasMessageContaining("lists x twice");
    }

    @Test
    void coverageIsModelledRelevantOverRelevantAndMismatchesAreReported() {
        EngineSnapshot s = EngineSnapshot.parse("# engine: E\n# version: 1\n# source: s\nmax_num_seqs\tyes\ta\n"
                + "enforce_eager\tyes\tb\nenable_prefix_caching\tno\tc\ncapture_sizes\tyes\td\nspec\tgroup\te\n"
                + "spec.method\tyes\tf\nspec.tokens\tyes\tg\nseed\tyes\th\nunmodelled\tyes\ti\n", "t");
        ParameterCoverage c = ParameterCoverage.of(s, OPTIONS, Map.of("seed", "seed"));
        assertThat(c.relevant()).hasSize(7);
        assertThat(c.modelled()).hasSize(6);
        assertThat(c.missing()).extracting(EngineArgument::name).containsExactly("unmodelled");
        assertThat(c.percent()).isEqualTo("85.7%");
        assertThat(c.mismatches()).containsExactly("options.enable_prefix_caching claims enable_prefix_caching, which "
                + "the snapshot classifies as no");
        assertThat(ParameterCoverage.of(s, List.of(Option.integer("x").engineArgument("nope")), Map.of()).mismatches())
                .containsExactly("options.x claims nope, which E 1 does not list");
        assertThatThrownBy(() -> ParameterCoverage.of(s, OPTIONS, Map.of("max_num_seqs", "seed")))
                .hasMessage("max_num_seqs is set by both seed and options.max_num_seqs");
    }

    @Test
    void anEngineOptionsHelpSaysTheEnginesDefaultAndVersion() {
        assertThat(SIZES.parameter().description()).endsWith(" (needs engine version >= 0.11.1)");
        assertThat(SEQS.parameter().description()).endsWith(" (engine default: 256)");
        assertThat(SEQS.parameter().defaultValue()).as("unset: the engine decides").isNull();
        assertThatThrownBy(() -> Option.integer("a").engineArgument("Bad-Name")).hasMessageContaining("snake_case");
        assertThatThrownBy(() -> Option.integer("a").since("v1")).hasMessageContaining("does not start with a number");
    }

    @Test
    void setOptionsBecomeFlagsAndJsonFieldsShareOneFlag() {
        BackendSettings s = settings(true, "options.max_num_seqs", 8, "options.enforce_eager", false,
                "options.enable_prefix_caching", false, "options.capture_sizes", List.of(1, 2), "options.method",
                "ngram", "options.tokens", 3);
        assertThat(FLAGS.commandLine(s.options())).containsExactly("--max-num-seqs", "8", "--no-enable-prefix-caching",
                "--capture-sizes", "1", "2", "--spec", "{\"method\":\"ngram\",\"tokens\":3}");
    }

    @Test
    void passThroughIsFoundInEverySpellingAndTyped() {
        List<ConfigProblem> problems = new ArrayList<>();
        List<EngineFlags.PassThrough> p = FLAGS.passThrough(settings(true, "server.args", List.of("--max-num-seqs=12",
                "--no-enable-prefix-caching", "--capture-sizes", "1", "2", "--other", "x")), problems);
        assertThat(problems).isEmpty();
        assertThat(p).extracting(EngineFlags.PassThrough::value).containsExactly(12, false, List.of(1, 2));
        List<EngineFlags.PassThrough> e = FLAGS.passThrough(settings(true, "extra", Map.of("enforce_eager", true,
                "no_enable_prefix_caching", true)), problems);
        assertThat(problems).isEmpty();
        assertThat(e).extracting(x -> x.flag().option().name() + "=" + x.value() + "@" + x.where()).containsExactly(
                "enforce_eager=true@extra.enforce_eager", "enable_prefix_caching=false@extra.no_enable_prefix_caching");
    }

    @Test
    void settingsSayWhereEachValueCameFrom() {
        BackendSettings managed = settings(true, "options.max_num_seqs", 8, "server.args", List.of("--enforce-eager"));
        List<EngineSetting> rec = FLAGS.settings(managed, FLAGS.passThrough(managed, new ArrayList<>()));
        assertThat(rec).extracting(EngineSetting::name, EngineSetting::source).containsExactly(
                org.assertj.core.groups.Tuple.tuple("max_num_seqs", Source.SET_BY_LEM),
                org.assertj.core.groups.Tuple.tuple("enforce_eager", Source.PASSED_THROUGH),
                org.assertj.core.groups.Tuple.tuple("enable_prefix_caching", Source.ENGINE_DEFAULT),
                org.assertj.core.groups.Tuple.tuple("capture_sizes", Source.ENGINE_DEFAULT),
                org.assertj.core.groups.Tuple.tuple("spec.method", Source.ENGINE_DEFAULT),
                org.assertj.core.groups.Tuple.tuple("spec.tokens", Source.ENGINE_DEFAULT));
        assertThat(rec.get(0).value()).isEqualTo(8);
        assertThat(rec.get(1).value()).isEqualTo(true);
        assertThat(rec.get(2).note()).isEqualTo("engine default");
        BackendSettings url = settings(false, "options.max_num_seqs", 8);
        List<EngineSetting> declared = FLAGS.settings(url, List.of());
        assertThat(declared.get(0).source()).isEqualTo(Source.DECLARED);
        assertThat(declared.get(1).source()).isEqualTo(Source.OUTSIDE_LEM);
        List<String> mismatches = new ArrayList<>();
        List<EngineSetting> merged = EngineFlags.withReported(declared, Map.of("max_num_seqs", "16",
                "enforce_eager", "False", "num_gpu_blocks", "100"), mismatches);
        assertThat(mismatches).containsExactly("options.max_num_seqs is 8 but the server reports max_num_seqs 16");
        assertThat(merged.get(1)).isEqualTo(new EngineSetting("enforce_eager", false, Source.REPORTED_BY_SERVER,
                "False", "read from the server"));
        assertThat(merged.get(merged.size() - 1)).isEqualTo(new EngineSetting("num_gpu_blocks", 100L,
                Source.REPORTED_BY_SERVER, "100", "read from the server"));
        assertThat(EngineFlags.same(0.9, "0.90")).isTrue();
        assertThat(EngineFlags.same(16, "16")).isTrue();
        assertThat(EngineFlags.same(true, "True")).isTrue();
    }

    @Test
    void versionChecksNameTheOptionAndBothVersions() {
        BackendSettings s = settings(true, "options.capture_sizes", List.of(1));
        assertThat(FLAGS.unsupported(s.options(), new EngineVersion("0.10.2"), "vLLM", "the server at x"))
                .containsExactly("options.capture_sizes needs vLLM >= 0.11.1 (engine argument capture_sizes), but the "
                        + "server at x reports version 0.10.2: upgrade vLLM, or leave options.capture_sizes unset so the "
                        + "engine's own default applies");
        assertThat(FLAGS.unsupported(s.options(), new EngineVersion("0.11.1"), "vLLM", "x")).isEmpty();
    }

    @Test
    void engineSettingsRoundTripThroughResultsJsonTypedAndOldFilesReadAsNone() {
        ModelInfo m = new ModelInfo("m", "server", "http://x", Optional.empty(), "fp16", false, Optional.empty(),
                Map.of()).withEngineSettings(List.of(new EngineSetting("max_num_seqs", 64, Source.SET_BY_LEM, null,
                "options.max_num_seqs"), new EngineSetting("gpu_memory_utilization", 0.9, Source.REPORTED_BY_SERVER,
                "0.9", "read from the server"), new EngineSetting("capture_sizes", List.of(1, 2), Source.PASSED_THROUGH,
                null, "server.args"), new EngineSetting("x", null, Source.ENGINE_DEFAULT, null, "engine default: 1")));
        String json = ResultsJson.write(m);
        ModelInfo back = ResultsJson.read(json, ModelInfo.class, "test");
        assertThat(back.engineSettings()).isEqualTo(m.engineSettings());
        assertThat(back.engineSetting("max_num_seqs").orElseThrow().value()).isInstanceOf(Integer.class);
        ModelInfo old = ResultsJson.read(json.replaceAll("(?s),\\s*\"engine_settings\"\\s*:\\s*\\[.*\\]", ""),
                ModelInfo.class, "old");
        assertThat(old.engineSettings()).isEmpty();
    }
}
