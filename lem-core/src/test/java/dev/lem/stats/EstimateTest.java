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
        Estimate e = new Estimate(5, 2.0, Optional.of(0.5), Optional.of(0.25), Optional.of(1.5), Optional.of(2.5), 0.95,
                "t", "", List.of(3));
        String json = ResultsJson.write(e);
        assertThat(json).contains("\"outlier_cycles\"").contains("\"ci_low\"");
        assertThat(ResultsJson.read(json, Estimate.class, "test")).isEqualTo(e);
        String old = json.replaceAll(",\\s*\"outlier_cycles\"\\s*:\\s*\\[[^]]*]", "");
        assertThat(old).doesNotContain("outlier_cycles");
        assertThat(ResultsJson.read(old, Estimate.class, "old file").outlierCycles()).isEmpty();
    }

    @Test
    void theNineArgumentFormFlagsNothingAndHalfWidthIsHalfTheInterval() {
        Estimate e = new Estimate(3, 2.0, Optional.of(1.0), Optional.of(0.5), Optional.of(1.0), Optional.of(4.0), 0.95,
                "t", "");
        assertThat(e.outlierCycles()).isEmpty();
        assertThat(e.halfWidth()).hasValue(1.5);
    }

    @Test
    void rejectsHalfOpenNanOrReversedIntervals() {
        assertThatThrownBy(() -> new Estimate(3, 2.0, Optional.empty(), Optional.empty(), Optional.of(1.0),
                Optional.empty(), 0.95, "t", "")).hasMessageContaining("both bounds");
        assertThatThrownBy(() -> new Estimate(3, 2.0, Optional.empty(), Optional.empty(), Optional.of(Double.NaN),
                Optional.of(1.0), 0.95, "t", "")).hasMessageContaining("finite and ordered");
        assertThatThrownBy(() -> new Estimate(3, 2.0, Optional.empty(), Optional.empty(), Optional.of(3.0),
                Optional.of(1.0), 0.95, "t", "")).hasMessageContaining("(3.0, 1.0)");
    }
}
