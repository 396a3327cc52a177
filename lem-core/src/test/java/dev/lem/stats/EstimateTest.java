package dev.lem.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.results.ResultsJson;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EstimateTest {

    @Test
    void roundTripsThroughResultsJsonAndReadsFilesWrittenBeforeOutlierCycles() {
        Estimate e = new Estimate(5, 2.0, Optional.of(0.5), Optional.of(0.25),
                Optional.of(new Interval(1.5, 2.5, "t")), 0.95, "", List.of(3), "J/token", "measured");
        String json = ResultsJson.write(e);
        assertThat(json).contains("\"outlier_cycles\"").contains("\"interval\"").contains("\"low\"");
        assertThat(ResultsJson.read(json, Estimate.class, "test")).isEqualTo(e);
        String old = json.replaceAll(",\\s*\"outlier_cycles\"\\s*:\\s*\\[[^]]*]", "");
        assertThat(old).doesNotContain("outlier_cycles");
        assertThat(ResultsJson.read(old, Estimate.class, "old file").outlierCycles()).isEmpty();
    }

    @Test
    void theShortFormFlagsNothingAndHalfWidthIsHalfTheInterval() {
        Estimate e = new Estimate(3, 2.0, Optional.of(1.0), Optional.of(0.5), Optional.of(new Interval(1.0, 4.0, "t")),
                0.95, "", List.of());
        assertThat(e.outlierCycles()).isEmpty();
        assertThat(e.halfWidth()).hasValue(1.5);
        assertThat(e.ciLow()).hasValue(1.0);
        assertThat(e.ciHigh()).hasValue(4.0);
        assertThat(e.method()).isEqualTo("t");
        assertThat(new Estimate(1, 2.0, Optional.empty(), Optional.empty(), Optional.empty(), 0.95, "one cycle",
                List.of()).method()).isEqualTo("none");
    }

    @Test
    void rejectsNanOrReversedIntervals() {
        assertThatThrownBy(() -> new Interval(Double.NaN, 1.0, "t")).hasMessageContaining("finite and ordered");
        assertThatThrownBy(() -> new Interval(3.0, 1.0, "t")).hasMessageContaining("(3.0, 1.0)");
    }

    @Test
    void printsValueUnitIntervalMethodAndBasisOnOneLine() {
        Estimate e = new Estimate(5, 0.012345678, Optional.of(0.001), Optional.of(0.08),
                Optional.of(new Interval(0.0118, 0.0129, "t_delta")), 0.95, "", List.of(), "J/token",
                "estimated: cpu, ram");
        assertThat(e).hasToString("0.01235 J/token, 95% CI [0.0118, 0.0129] (t_delta), n=5, estimated: cpu, ram");
        Estimate one = new Estimate(1, 3.0, Optional.empty(), Optional.empty(), Optional.empty(), 0.95,
                "one cycle: no spread and no interval (run cycles >= 2)", List.of(), "s", "measured");
        assertThat(one).hasToString("3 s, no interval, n=1, measured (one cycle: no spread and no interval "
                + "(run cycles >= 2))");
    }
}
