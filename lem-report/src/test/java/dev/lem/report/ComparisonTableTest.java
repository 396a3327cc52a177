package dev.lem.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lem.Metric;
import dev.lem.result.ExperimentResult;
import dev.lem.stats.CiMethod;
import java.util.List;
import org.junit.jupiter.api.Test;

/** B against A, metric by metric, on scripted results (seeded resampling: the same answer on any machine). */
class ComparisonTableTest {
    static final List<ExperimentResult> RS = PlotsTest.three();
    static final ExperimentResult BATCH1 = RS.get(0);
    static final ExperimentResult BATCH8 = RS.get(2);

    @Test
    void eachMetricGetsItsDifferenceRatioVerdictAndSentence() {
        ComparisonTable t = ComparisonTable.of(BATCH1, BATCH8);
        ComparisonTable.Row energy = t.rows().stream().filter(r -> r.metric() == Metric.ENERGY_PER_OUTPUT_TOKEN_J)
                .findFirst().orElseThrow();
        // batch 1: 100 W x 8.2 s / 128 tokens; batch 8: 240 W x 2.42 s / 128 tokens
        assertThat(energy.a().mean()).isCloseTo(100 * 8.2 / 128, within(1e-9));
        assertThat(energy.b().mean()).isCloseTo(240 * 2.42 / 128, within(1e-9));
        assertThat(energy.verdict()).isEqualTo(ComparisonTable.Verdict.BETTER);
        assertThat(energy.sentence()).startsWith("batch 8 has 29.2% lower energy per output token than batch 1 (95% CI ")
                .endsWith("% lower)");
        ComparisonTable.Row power = t.rows().stream().filter(r -> r.metric() == Metric.AVERAGE_POWER_W).findFirst()
                .orElseThrow();
        assertThat(power.verdict()).isEqualTo(ComparisonTable.Verdict.DIFFERENT);
        // carbon is always given (here inferred: the world average), and says so where the figure is
        assertThat(t.unavailable()).isEmpty();
        assertThat(t.rows()).filteredOn(r -> r.metric() == Metric.CARBON_PER_1K_OUTPUT_TOKENS_G).singleElement()
                .satisfies(r -> assertThat(r.a().basis()).contains("world average, inferred"));
        String text = t.toText();
        assertThat(text).contains("A: batch 1 (" + BATCH1.id() + ")").contains("energy_per_output_token_j")
                .contains("better").contains("cycles are not paired");
    }

    @Test
    void theGateCatchesAClearRegressionAndIgnoresNoise() {
        // B = batch 1 against A = batch 8: 41.2% more energy per token, clearly
        ComparisonTable worse = ComparisonTable.of(BATCH8, BATCH1, List.of(Metric.ENERGY_PER_OUTPUT_TOKEN_J,
                Metric.OUTPUT_TOKENS_PER_S, Metric.AVERAGE_POWER_W));
        assertThat(worse.regressions(10)).extracting(ComparisonTable.Row::metric)
                .containsExactly(Metric.ENERGY_PER_OUTPUT_TOKEN_J, Metric.OUTPUT_TOKENS_PER_S);
        assertThat(worse.regressions(50)).extracting(ComparisonTable.Row::metric)
                .containsExactly(Metric.OUTPUT_TOKENS_PER_S);
        assertThat(worse.regressions(1000)).isEmpty();
        // an experiment against itself: no regression at any threshold
        assertThat(ComparisonTable.of(BATCH1, BATCH1).regressions(0)).isEmpty();
        assertThatThrownBy(() -> worse.regressions(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1.0%");
    }

    @Test
    void aMetricMissingInEitherIsNotComparedAndSaysWhy() {
        ComparisonTable t = ComparisonTable.of(BATCH1, BATCH8, List.of(Metric.MFU, Metric.TPOT_MEAN_MS));
        assertThat(t.rows()).extracting(ComparisonTable.Row::metric).containsExactly(Metric.TPOT_MEAN_MS);
        assertThat(t.unavailable().get(Metric.MFU)).startsWith("not available in A (batch 1): ");
        assertThat(t.toText()).contains("Not compared:").contains("mfu: not available in A");
    }

    @Test
    void bootstrapIntervalsOnRequest() {
        ComparisonTable t = ComparisonTable.of(BATCH1, BATCH8, List.of(Metric.ENERGY_PER_OUTPUT_TOKEN_J),
                CiMethod.BCA);
        assertThat(t.rows().get(0).comparison().ratioCi().orElseThrow().method()).startsWith("bootstrap");
        assertThat(t.toText()).contains("bootstrap");
        // seeded: the same again, bit for bit
        assertThat(ComparisonTable.of(BATCH1, BATCH8, List.of(Metric.ENERGY_PER_OUTPUT_TOKEN_J), CiMethod.BCA).rows()
                .get(0).comparison()).isEqualTo(t.rows().get(0).comparison());
    }
}
