package dev.lem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.campaign.CampaignDefinition;
import dev.lem.campaign.CampaignPlanner;
import dev.lem.campaign.SkippedCombination;
import dev.lem.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Grid expansion: backend applicability, invalid combinations reported, exact counts. */
class CampaignGridTest {
    @TempDir
    Path dir;

    private Map<String, Object> base() {
        return Map.of("backend", "simulated", "model", "synthetic:tiny-llama", "server", Map.of("url",
                "http://127.0.0.1:9"), "results_dir", dir.resolve("results").toString());
    }

    @Test
    void aKeyIsExpandedOnlyForTheBackendsItHasAnEffectOn() {
        Campaign c = Campaign.builder().base(base()).vary("backend", "simulated", "openai")
                .vary("batching.batch_size", 1, 4, 8).cycles(2).build();
        CampaignPlanner.Plan plan = c.plan();
        assertThat(plan.experiments()).extracting(CampaignPlanner.PlannedExperiment::label).containsExactly(
                "backend=simulated batching.batch_size=1", "backend=simulated batching.batch_size=4",
                "backend=simulated batching.batch_size=8", "backend=openai");
        assertThat(plan.units()).isEqualTo(8);
        assertThat(plan.skipped()).hasSize(2).allSatisfy(s -> {
            assertThat(s.invalid()).isFalse();
            assertThat(s.reason()).isEqualTo("the same experiment as backend=openai: batching.batch_size has no effect "
                    + "on openai");
        });
        assertThat(plan.skipped()).extracting(SkippedCombination::label).containsExactly(
                "backend=openai batching.batch_size=4", "backend=openai batching.batch_size=8");
        assertThat(plan.notes()).contains("batching.batch_size has no effect on backend openai (served): it is not "
                + "varied for openai");
        assertThat(plan.notes().get(0)).isEqualTo("grid: 6 combination(s) of 2 key(s) -> 4 experiment(s); 2 "
                + "duplicate(s) where a key has no effect, 0 invalid");
        // the openai experiment keeps the base's batch size: not a varied value it ignores
        assertThat(plan.experiments().get(3).config().batching().batchSize()).isEqualTo(1);
        assertThat(plan.experiments().get(1).config().batching().batchSize()).isEqualTo(4);
        assertThat(plan.experiments()).allSatisfy(p -> {
            assertThat(p.config().cycles()).as("the campaign's cycles").isEqualTo(2);
            assertThat(p.config().resultsDir()).isEqualTo(dir.resolve("results").toString());
        });
    }

    @Test
    void pluginOptionsVaryOnlyForTheBackendsThatDeclareThem() {
        CampaignPlanner.Plan plan = Campaign.builder().base(base()).vary("backend", "simulated", "openai")
                .vary("options.decode_ms_per_step", 1.0, 2.0).build().plan();
        assertThat(plan.experiments()).extracting(CampaignPlanner.PlannedExperiment::label).containsExactly(
                "backend=simulated options.decode_ms_per_step=1.0", "backend=simulated options.decode_ms_per_step=2.0",
                "backend=openai");
    }

    @Test
    void invalidCombinationsAreListedWithTheReasonAndTheOthersRun() {
        CampaignPlanner.Plan plan = Campaign.builder().base(base()).vary("batching.batch_size", 0, 2)
                .vary("max_output_tokens", 4, -1).build().plan();
        assertThat(plan.experiments()).extracting(CampaignPlanner.PlannedExperiment::label)
                .containsExactly("batching.batch_size=2 max_output_tokens=4");
        assertThat(plan.skipped()).hasSize(3).allSatisfy(s -> assertThat(s.invalid()).isTrue());
        assertThat(plan.skipped().get(0).label()).isEqualTo("batching.batch_size=0 max_output_tokens=4");
        assertThat(plan.skipped().get(0).reason()).contains("batching.batch_size: 0 is below the minimum 1");
        assertThat(plan.skipped().get(2).reason()).contains("max_output_tokens: -1 is below the minimum 1");
    }

    @Test
    void nothingLeftToRunIsAnErrorNamingEveryReason() {
        assertThatThrownBy(() -> Campaign.builder().base(base()).vary("batching.batch_size", 0, -3).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("no experiment is left to run")
                .hasMessageContaining("batching.batch_size=0").hasMessageContaining("batching.batch_size=-3");
    }

    @Test
    void aCampaignFileNamesEveryMistakeWithTheFix() throws IOException {
        Path f = Files.writeString(dir.resolve("campaign.yaml"), """
                base: {backend: simulated}
                vary:
                  batch_size: [1, 2]
                  batching: {batch_size: 4}
                structur: grouped
                cycles: 0
                gaps: {between_experiments_s: -1}
                schedule: {start_at: [tomorrow]}
                """);
        assertThatThrownBy(() -> CampaignDefinition.read(f)).isInstanceOf(ConfigException.class).satisfies(e -> {
            List<String> problems = ((ConfigException) e).problems().stream().map(Object::toString).toList();
            assertThat(problems).contains(
                    "structur: unknown campaign key; did you mean \"structure\"?",
                    "cycles: 0 is below the minimum 1",
                    "gaps.between_experiments_s: -1 is below the minimum 0",
                    "vary.batch_size: unknown key; did you mean \"batching.batch_size\"?",
                    "vary.batching.batch_size: must be a list of the values to try, e.g. vary.batching.batch_size: "
                            + "[4, ...]");
            assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("schedule.start_at[0]: \"tomorrow\" is "
                    + "not a time"));
        });
    }

    @Test
    void listedConfigsRunAsTheyAreNextToTheGrid() throws IOException {
        Path a = Files.writeString(dir.resolve("a.yaml"), "backend: simulated\nbatching: {batch_size: 2}\ncycles: 9\n");
        CampaignPlanner.Plan plan = Campaign.builder().config(a).base(base()).vary("batching.batch_size", 1, 4)
                .cycles(3).build().plan();
        assertThat(plan.experiments()).extracting(CampaignPlanner.PlannedExperiment::label)
                .containsExactly("a", "batching.batch_size=1", "batching.batch_size=4");
        assertThat(plan.experiments().get(0).config().cycles()).as("the campaign's cycles win").isEqualTo(3);
        assertThat(plan.experiments().get(0).config().batching().batchSize()).isEqualTo(2);
    }

    @Test
    void adaptiveAndMultiProcessExperimentsCannotRunInACampaign() {
        CampaignPlanner.Plan plan = Campaign.builder().base(base()).vary("stats.adaptive.enabled", false, true).build()
                .plan();
        assertThat(plan.experiments()).hasSize(1);
        assertThat(plan.skipped()).singleElement().satisfies(s -> assertThat(s.reason())
                .contains("adaptive cycles cannot run in a campaign's cycle rounds"));
    }
}
