package dev.lem.result;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.LemException;
import dev.lem.Metric;
import dev.lem.results.ResultsJson;
import dev.lem.stats.Estimate;
import dev.lem.stats.Interval;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SummaryTest {
    static final Estimate TPS = new Estimate(3, 12.5, Optional.of(0.4), Optional.of(0.032),
            Optional.of(new Interval(11.5, 13.5, "t_delta")), 0.95, "", List.of(), "tokens/s",
            "measured (System.nanoTime timestamps)");

    static Summary summary() {
        Map<Metric, Estimate> m = new EnumMap<>(Metric.class);
        m.put(Metric.OUTPUT_TOKENS_PER_S, TPS);
        return new Summary(m, Map.of(Metric.MFU, "no accelerator was detected"), 3, "fixed count of 3 cycles");
    }

    @Test
    void isKeyedByMetricWithTheReasonForEveryMissingOne() {
        Summary s = summary();
        assertThat(s.find(Metric.OUTPUT_TOKENS_PER_S)).contains(TPS);
        assertThat(s.get(Metric.OUTPUT_TOKENS_PER_S)).isSameAs(TPS);
        assertThat(s.whyUnavailable(Metric.OUTPUT_TOKENS_PER_S)).isEmpty();
        assertThat(s.whyUnavailable(Metric.MFU)).contains("no accelerator was detected");
        assertThat(s.whyUnavailable(Metric.CARBON_G)).contains("it was not computed for this experiment");
        assertThatThrownBy(() -> s.get(Metric.MFU)).isInstanceOf(LemException.class)
                .hasMessage("mfu is not available: no accelerator was detected");
        assertThatThrownBy(() -> new Summary(Map.of(Metric.MFU, TPS), Map.of(Metric.MFU, "x"), 1, ""))
                .hasMessageContaining("both available and unavailable");
    }

    @Test
    void printsOneReadableLinePerMetric() {
        assertThat(summary().toString()).isEqualTo("""
                Summary over 3 cycles (fixed count of 3 cycles):
                  output_tokens_per_s  12.5 tokens/s, 95% CI [11.5, 13.5] (t_delta), n=3, measured (System.nanoTime \
                timestamps)
                  not available: mfu""");
    }

    @Test
    void roundTripsThroughJsonWithMetricKeys() {
        String json = ResultsJson.write(summary());
        assertThat(json).contains("\"output_tokens_per_s\"").contains("\"mfu\" : \"no accelerator was detected\"");
        assertThat(ResultsJson.read(json, Summary.class, "test")).isEqualTo(summary());
    }
}
