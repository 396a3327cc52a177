package dev.lem.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.ValueSource;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrafficSweepTest {

    private static ExperimentConfig config(String pattern, List<Double> sweep) {
        return ConfigResolver.withDefaults().set("traffic.pattern", pattern, ValueSource.BUILDER)
                .set("traffic.sweep", sweep, ValueSource.BUILDER).set("cycles", 3, ValueSource.BUILDER).resolve();
    }

    @Test
    void closedLoopSweepSetsConcurrencyAndKeepsTheRest() {
        List<TrafficSweep.Point> points = TrafficSweep.points(config("closed", List.of(1.0, 4.0, 16.0)));
        assertThat(points).extracting(TrafficSweep.Point::label)
                .containsExactly("concurrency=1", "concurrency=4", "concurrency=16");
        assertThat(points).extracting(p -> p.config().traffic().concurrency()).containsExactly(1, 4, 16);
        assertThat(points).allSatisfy(p -> {
            assertThat(p.config().traffic().sweep()).isEmpty();
            assertThat(p.config().cycles()).isEqualTo(3);
        });
    }

    @Test
    void openLoopSweepSetsRates() {
        List<TrafficSweep.Point> points = TrafficSweep.points(config("poisson", List.of(0.5, 2.0)));
        assertThat(points).extracting(TrafficSweep.Point::label).containsExactly("rate=0.5", "rate=2");
        assertThat(points).extracting(p -> p.config().traffic().rate().orElseThrow()).containsExactly(0.5, 2.0);
    }

    @Test
    void noSweepIsOnePoint() {
        ExperimentConfig c = ConfigResolver.withDefaults().resolve();
        assertThat(TrafficSweep.isSweep(c)).isFalse();
        assertThat(TrafficSweep.points(c)).singleElement().satisfies(p -> assertThat(p.config()).isSameAs(c));
    }

    @Test
    void aFractionalConcurrencyIsRefusedWithTheFix() {
        assertThatThrownBy(() -> TrafficSweep.points(config("closed", List.of(2.5))))
                .hasMessageContaining("traffic.sweep").hasMessageContaining("2.5 is not a concurrency");
    }
}
