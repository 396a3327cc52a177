package dev.lem.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lem.Metric;
import dev.lem.config.ConfigResolver;
import dev.lem.result.ExperimentResult;
import dev.lem.results.ScriptedResults;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What drives a metric: effects recovered from grids whose answer is known by construction. */
class EffectsTest {
    /** The same small multiplicative noise in every cell: cycle by cycle ×e^{+0.02}, e^{−0.02}, e^{+0.01}, e^{−0.01}. */
    static final double[] NOISE = {Math.exp(0.02), Math.exp(-0.02), Math.exp(0.01), Math.exp(-0.01)};

    /** An experiment whose energy per output token is {@code jPerToken} times the noise, cycle by cycle. */
    static ExperimentResult cell(String id, double jPerToken, String... overrides) {
        ConfigResolver c = ConfigResolver.withDefaults().override("cycles=4");
        for (String o : overrides) {
            c = c.override(o);
        }
        List<ScriptedResults.Cycle> cycles = new ArrayList<>();
        for (double n : NOISE) {
            cycles.add(new ScriptedResults.Cycle(1.0, 4, 8, jPerToken * n * 32));
        }
        return ScriptedResults.experiment(id, c.resolve(), cycles);
    }

    /** A 2 × 2 grid: batch 8 uses a quarter of batch 1's energy per token, 64 tokens 1.2 times 32 tokens'. */
    static List<ExperimentResult> grid(double interaction) {
        return List.of(
                cell("20260101T000000Z-grid00", 1.0, "batching.batch_size=1", "max_output_tokens=32"),
                cell("20260101T000000Z-grid01", 1.2, "batching.batch_size=1", "max_output_tokens=64"),
                cell("20260101T000000Z-grid10", 0.25, "batching.batch_size=8", "max_output_tokens=32"),
                cell("20260101T000000Z-grid11", 0.25 * 1.2 * interaction, "batching.batch_size=8",
                        "max_output_tokens=64"));
    }

    @Test
    void mainEffectsAreTheDesignedRatiosRankedBySize() {
        Effects e = Effects.of(grid(1.0), Metric.ENERGY_PER_OUTPUT_TOKEN_J);
        assertThat(e.observations()).isEqualTo(16);
        assertThat(e.factors()).extracting(Effects.Factor::key).containsExactly("batching.batch_size",
                "max_output_tokens");
        assertThat(e.factors().get(0).levels()).containsExactly("1", "8");
        assertThat(e.factors().get(0).maxRatio()).isCloseTo(4, within(1e-9));
        Effects.Effect batch = e.main().stream().filter(x -> x.term().equals("batching.batch_size=8")).findFirst()
                .orElseThrow();
        assertThat(batch.ratio()).isCloseTo(0.25, within(1e-9));
        assertThat(batch.baseline()).isEqualTo("1");
        assertThat(batch.interval().orElseThrow().low()).isLessThan(0.25);
        assertThat(batch.interval().orElseThrow().high()).isGreaterThan(0.25).isLessThan(1);
        assertThat(batch.clear()).isTrue();
        assertThat(batch.describe(e.level())).startsWith("batching.batch_size=8 vs 1: ×0.25 (95% CI ")
                .endsWith("75.0% lower");
        // no interaction by construction: estimated as 1 and not clear
        assertThat(e.interactions()).hasSize(1);
        assertThat(e.interactions().get(0).ratio()).isCloseTo(1, within(1e-9));
        assertThat(e.interactions().get(0).clear()).isFalse();
        assertThat(e.warnings()).isEmpty();
        assertThat(e.toText()).contains("batching.batch_size (levels 1, 8): up to ×4 between levels");
    }

    @Test
    void anInteractionIsFoundWhereOneWasBuiltIn() {
        // at batch 8, going to 64 tokens costs 1.5 × more than it does at batch 1
        Effects e = Effects.of(grid(1.5), Metric.ENERGY_PER_OUTPUT_TOKEN_J);
        Effects.Effect i = e.interactions().get(0);
        assertThat(i.term()).isEqualTo("batching.batch_size=8 × max_output_tokens=64");
        assertThat(i.ratio()).isCloseTo(1.5, within(1e-9));
        assertThat(i.clear()).isTrue();
    }

    @Test
    void keysThatVaryTogetherCannotBeSeparatedAndSaySo() {
        List<ExperimentResult> confounded = List.of(
                cell("20260101T000000Z-conf00", 1.0, "batching.batch_size=1", "max_output_tokens=32"),
                cell("20260101T000000Z-conf11", 0.3, "batching.batch_size=8", "max_output_tokens=64"));
        Effects e = Effects.of(confounded, Metric.ENERGY_PER_OUTPUT_TOKEN_J);
        assertThat(e.factors()).hasSize(1);
        assertThat(e.warnings()).anySatisfy(w -> assertThat(w).contains("max_output_tokens varies together with "
                + "batching.batch_size").contains("cannot be separated"));
    }

    @Test
    void missingCombinationsSkipTheirInteractionAndNothingVariedIsSaid() {
        List<ExperimentResult> l = new ArrayList<>(grid(1.0).subList(0, 3));
        Effects e = Effects.of(l, Metric.ENERGY_PER_OUTPUT_TOKEN_J);
        assertThat(e.interactions()).isEmpty();
        assertThat(e.warnings()).anySatisfy(w -> assertThat(w).contains("interaction batching.batch_size × "
                + "max_output_tokens not estimated"));
        Effects same = Effects.of(List.of(grid(1).get(0), cell("20260101T000000Z-same00", 1.1,
                "batching.batch_size=1", "max_output_tokens=32")), Metric.ENERGY_PER_OUTPUT_TOKEN_J);
        assertThat(same.factors()).isEmpty();
        assertThat(same.warnings()).containsExactly("no setting varies between these experiments: there is nothing to "
                + "attribute");
        assertThatThrownBy(() -> Effects.of(List.of(grid(1).get(0)), Metric.ENERGY_PER_OUTPUT_TOKEN_J))
                .isInstanceOf(ReportException.class).hasMessageContaining("at least two experiments");
    }
}
