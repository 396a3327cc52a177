package dev.lem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.config.CarbonConfig;
import dev.lem.config.ConfigException;
import dev.lem.config.ConfigProblem;
import dev.lem.config.Precision;
import dev.lem.config.SloConfig;
import dev.lem.config.TrafficPattern;
import dev.lem.config.ValueSource;
import dev.lem.workload.Traffic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link Experiment.Builder#build()} checks before anything runs, and the typed builder methods. */
class ExperimentBuilderTest {
    @TempDir
    Path dir;

    private Experiment.Builder simulated() {
        return Experiment.builder().backend("simulated").resultsDir(dir.resolve("results"));
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
    void theBackendsOwnOptionsAreCheckedBeforeAnythingIsWritten() {
        List<String> p = problems(() -> simulated().option("decode_ms_per_stp", 1).option("chunk_size", 0)
                .set("cycles", 2).build());
        assertThat(p).hasSize(2).anySatisfy(s -> assertThat(s).isEqualTo("options.chunk_size: 0 is below the minimum 1"))
                .anySatisfy(s -> assertThat(s).startsWith("options.decode_ms_per_stp: is not an option of backend "
                        + "simulated; did you mean \"decode_ms_per_step\"?"));
        assertThat(dir.resolve("results")).as("nothing was written").doesNotExist();
    }

    @Test
    void aBackendOptionWrittenWithoutItsSectionPointsAtTheOption() {
        assertThat(problems(() -> simulated().override("decode_ms_per_step=5").build())).containsExactly(
                "decode_ms_per_step: unknown key; did you mean \"options.decode_ms_per_step\" (an option of the "
                        + "simulated backend; `lem config keys --backend simulated` lists them)?");
    }

    @Test
    void coreAndPluginProblemsAreReportedTogether() {
        assertThat(problems(() -> simulated().set("cycles", 0))).as("a typed value is checked where it is set")
                .containsExactly("cycles: 0 is below the minimum 1");
        List<String> p = problems(() -> simulated().override("cycles=0").option("nope", 1).build());
        assertThat(p).containsExactlyInAnyOrder("cycles: 0 is below the minimum 1",
                p.stream().filter(s -> s.startsWith("options.nope: is not an option of backend simulated")).findFirst()
                        .orElse("missing options.nope problem"));
    }

    @Test
    void anUnknownBackendIsAConfigurationProblemWithTheClosestName() {
        assertThat(problems(() -> Experiment.builder().backend("simulatd").build())).singleElement().asString()
                .startsWith("backend: unknown backend \"simulatd\"; did you mean \"simulated\"?")
                .contains("backends found:");
        assertThat(problems(() -> Experiment.builder().backend("vllm").build())).singleElement().asString()
                .contains("add the Maven artifact dev.lem:lem-backend-vllm-client");
    }

    @Test
    void meterOptionsAreCheckedAgainstTheMeterThatDeclaresThem() {
        assertThat(problems(() -> simulated().set("energy.meter_options.simulated.cpu_wats", 3).build()))
                .singleElement().asString().startsWith("energy.meter_options.simulated.cpu_wats: is not an option of "
                        + "energy meter simulated; did you mean \"cpu_watts\"?");
        assertThat(problems(() -> simulated().set("energy.meter_options.rapll.x", 3).build()))
                .singleElement().asString().startsWith("energy.meter_options.rapll: no energy meter is named \"rapll\"; "
                        + "did you mean \"rapl\"?");
    }

    @Test
    void carbonSettingsAndThePromptFileAreCheckedBeforeTheRun() throws IOException {
        assertThat(problems(() -> simulated().carbon(CarbonConfig.country("XXQ")).build())).singleElement().asString()
                .startsWith("carbon.country:");
        assertThat(problems(() -> simulated().set("prompts.source", "file").set("prompts.path", "/dev/zero").build()))
                .singleElement().asString().isEqualTo("prompts.path: \"/dev/zero\" is not a regular file (a device, "
                        + "pipe or socket); give a file");
        Path prompts = Files.writeString(dir.resolve("p.txt"), "hi\n");
        assertThat(simulated().set("prompts.source", "file").set("prompts.path", prompts.toString()).build()
                .config().prompts().path()).contains(prompts.toString());
    }

    @Test
    void keysWithoutEffectOnTheBackendAreWarnedAboutNotRefused() {
        Experiment e = simulated().set("traffic.rate", 3.0).set("server.url", "http://localhost:8000").build();
        assertThat(e.inProcess()).isTrue();
        assertThat(e.warnings()).containsExactlyInAnyOrder(
                "traffic.rate has no effect on backend simulated: it applies to served backends (vllm, trtllm, openai)",
                "server.url has no effect on backend simulated: it applies to served backends (vllm, trtllm, openai)");
        assertThat(simulated().build().warnings()).isEmpty();
    }

    @Test
    void aFileAndItsOverridesAreValidatedAsAWhole() throws IOException {
        Path f = Files.writeString(dir.resolve("exp.yaml"), "backend: simulated\ncycles: 0\noptions: {chunk_size: 0}\n");
        assertThat(problems(() -> Experiment.fromConfig(f).build())).hasSize(2);
        Experiment e = Experiment.fromConfig(f, "cycles=2", "options.chunk_size=2").build();
        assertThat(e.config().cycles()).isEqualTo(2);
        assertThat(e.config().options()).containsEntry("chunk_size", 2);
    }

    @Test
    void typedMethodsReachTheCommonKeys() {
        Experiment e = Experiment.builder().backend("openai").server("http://127.0.0.1:9/v1")
                .traffic(Traffic.poisson(4.5)).slo(SloConfig.none().withTtftMs(200).withTpotMs(40))
                .carbon(CarbonConfig.country("FRA").withPue(1.2)).precision(Precision.FP16).ignoreEos(false).build();
        var c = e.config();
        assertThat(c.server().url()).contains("http://127.0.0.1:9/v1");
        assertThat(c.traffic().pattern()).isEqualTo(TrafficPattern.POISSON);
        assertThat(c.traffic().rate()).contains(4.5);
        assertThat(c.slo().ttftMs()).contains(200.0);
        assertThat(c.slo().tpotMs()).contains(40.0);
        assertThat(c.slo().e2eMs()).isEmpty();
        assertThat(c.carbon().country()).contains("FRA");
        assertThat(c.carbon().pue()).isEqualTo(1.2);
        assertThat(c.sourceOf("slo.ttft_ms")).isEqualTo(ValueSource.BUILDER);
        assertThat(e.warnings()).as("precision has no effect on a served backend")
                .containsExactly("precision has no effect on backend openai: it applies to in-process backends (djl)");
        assertThat(simulated().traffic(Traffic.closedLoop(8)).build().config().traffic().concurrency())
                .isEqualTo(8);
        assertThatThrownBy(() -> Traffic.gamma(0, 1)).hasMessageContaining("traffic.rate (0.0) must be a positive");
    }

    @Test
    void toBuilderKeepsEverySettingAndItsSource() {
        Experiment a = simulated().set("cycles", 3).option("chunk_size", 2).build();
        Experiment b = a.toBuilder().set("seed", 7L).build();
        assertThat(b.config().cycles()).isEqualTo(3);
        assertThat(b.config().options()).containsEntry("chunk_size", 2);
        assertThat(b.config().sourceOf("cycles")).isEqualTo(ValueSource.BUILDER);
        assertThat(b.config().seed()).isEqualTo(7L);
        assertThat(a.config().seed()).as("the original is unchanged").isEqualTo(42L);
    }
}
