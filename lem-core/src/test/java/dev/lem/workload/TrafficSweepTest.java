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
        List<TrafficSweep.Point> points = TrafficSweep.points(config("closed", List.of(1.0, 4.0, 16.0)), false);
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
        List<TrafficSweep.Point> points = TrafficSweep.points(config("poisson", List.of(0.5, 2.0)), false);
        assertThat(points).extracting(TrafficSweep.Point::label).containsExactly("rate=0.5", "rate=2");
        assertThat(points).extracting(p -> p.config().traffic().rate().orElseThrow()).containsExactly(0.5, 2.0);
    }

    @Test
    void noSweepIsOnePoint() {
        ExperimentConfig c = ConfigResolver.withDefaults().resolve();
        assertThat(TrafficSweep.isSweep(c)).isFalse();
        assertThat(TrafficSweep.points(c, false)).singleElement().satisfies(p -> assertThat(p.config()).isSameAs(c));
    }

    @Test
    void aFractionalConcurrencyIsRefusedWithTheFix() {
        assertThatThrownBy(() -> TrafficSweep.points(config("closed", List.of(2.5)), false))
                .hasMessageContaining("traffic.sweep").hasMessageContaining("2.5 is not a concurrency");
    }

    @Test
    void anInProcessBackendSweepsItsBatchSizeNotAConcurrencyItWouldIgnore() {
        List<TrafficSweep.Point> points = TrafficSweep.points(config("auto", List.of(1.0, 4.0, 8.0)), true);
        assertThat(points).extracting(TrafficSweep.Point::key).containsOnly("batching.batch_size");
        assertThat(points).extracting(TrafficSweep.Point::label)
                .containsExactly("batch_size=1", "batch_size=4", "batch_size=8");
        assertThat(points).extracting(p -> p.config().batching().batchSize()).containsExactly(1, 4, 8);
        assertThat(points).extracting(p -> p.config().traffic().concurrency()).containsOnly(1);
        assertThatThrownBy(() -> TrafficSweep.points(config("closed", List.of(1.0, 4.0)), true))
                .hasMessageContaining("traffic.sweep: backend djl runs the model in this process")
                .hasMessageContaining("traffic.concurrency has no effect on it");
        assertThatThrownBy(() -> TrafficSweep.points(config("auto", List.of(0.5)), true))
                .hasMessageContaining("0.5 is not a batch size");
    }
}
