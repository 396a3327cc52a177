package dev.lem.jmh.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.energy.DomainEnergy;
import dev.lem.energy.DomainScope;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.MeasurementMethod;
import dev.lem.energy.MeterResolution;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Mode;

/** The rate per JMH mode and the figures of one window, on numbers worked by hand. */
class OpsRateTest {
    @Test
    void throughputSumsTheThreadsRates() {
        // 2 ops/ms + 3 ops/ms = 5,000 ops/s
        assertThat(OpsRate.opsPerSecond(Mode.Throughput, TimeUnit.MILLISECONDS, new double[] {2, 3}))
                .isCloseTo(5_000, within(1e-9));
    }

    @Test
    void timeModesAddEachThreadsOneOverItsTimePerOp() {
        // 4 us/op and 2 us/op side by side: 250,000 + 500,000 ops/s
        for (Mode m : List.of(Mode.AverageTime, Mode.SampleTime, Mode.SingleShotTime)) {
            assertThat(OpsRate.opsPerSecond(m, TimeUnit.MICROSECONDS, new double[] {4, 2}))
                    .as(m.name()).isCloseTo(750_000, within(1e-6));
        }
        assertThat(OpsRate.opsPerSecond(Mode.AverageTime, TimeUnit.SECONDS, new double[] {0.5})).isEqualTo(2.0);
    }

    @Test
    void noRateWithoutAPositiveScore() {
        assertThat(OpsRate.opsPerSecond(Mode.SampleTime, TimeUnit.NANOSECONDS, new double[] {Double.NaN})).isNaN();
        assertThat(OpsRate.opsPerSecond(Mode.Throughput, TimeUnit.NANOSECONDS, new double[] {0})).isNaN();
        assertThat(OpsRate.opsPerSecond(Mode.Throughput, TimeUnit.NANOSECONDS, new double[0])).isNaN();
    }

    static DomainEnergy domain(String id, MeasurementMethod method, double joules, Optional<Double> adjusted) {
        return new DomainEnergy(new EnergyDomain(id, id.replaceAll("[.\\[].*", ""), "", DomainScope.MACHINE, method,
                "m"), joules, adjusted.map(a -> 0.0), adjusted, false);
    }

    @Test
    void energyPerOpIsPowerOverRateInTheBenchmarksUnit() {
        // 2 s window, CPU 100 J measured (50 W), RAM 10 J estimated (5 W); 1,000 ops/s -> 50 mJ/op and 5 mJ/op
        EnergyMeasurement m = new EnergyMeasurement("w", 2_000_000_000L, List.of(
                domain("cpu.package[0]", MeasurementMethod.MEASURED, 100, Optional.of(60.0)),
                domain("ram", MeasurementMethod.ESTIMATED, 10, Optional.of(4.0))), Optional.empty(), List.of());
        IterationFigures f = IterationFigures.of(m, 1_000, id -> Optional.empty(), 0.05,
                IterationFigures.EnergyUnit.forTimeUnit(TimeUnit.MILLISECONDS));
        assertThat(f.refusals()).isEmpty();
        assertThat(f.figures()).extracting(IterationFigures.Figure::label).containsExactly(
                "lem.energy.cpu.package0 (measured)", "lem.power.cpu.package0 (measured)",
                "lem.energy.cpu.package0.adjusted (measured)", "lem.energy.ram (estimated)", "lem.power.ram (estimated)",
                "lem.energy.ram.adjusted (estimated)", "lem.energy.total (measured+estimated)",
                "lem.power.total (measured+estimated)", "lem.energy.total.adjusted (measured+estimated)");
        assertThat(f.figures().get(0).value()).isCloseTo(50, within(1e-9));
        assertThat(f.figures().get(0).unit()).isEqualTo("mJ/op");
        assertThat(f.figures().get(1).value()).isCloseTo(50, within(1e-9));
        assertThat(f.figures().get(1).unit()).isEqualTo("W");
        assertThat(f.figures().get(2).value()).as("60 J over 2 s above idle, per op").isCloseTo(30, within(1e-9));
        assertThat(f.figures().get(6).value()).isCloseTo(55, within(1e-9));
        assertThat(f.figures().get(8).value()).isCloseTo(32, within(1e-9));
    }

    @Test
    void aDomainWithinTheResolutionIsLeftOutAndTheTotalWithIt() {
        EnergyMeasurement m = new EnergyMeasurement("w", 150_000_000L, List.of(
                domain("gpu[0]", MeasurementMethod.MEASURED, 30, Optional.empty()),
                domain("cpu.package[0]", MeasurementMethod.MEASURED, 3, Optional.empty())), Optional.empty(), List.of());
        MeterResolution nvml = new MeterResolution(1e-3, Duration.ofMillis(100), "test");
        IterationFigures f = IterationFigures.of(m, 10, id -> id.startsWith("gpu") ? Optional.of(nvml) : Optional.empty(),
                0.05, IterationFigures.EnergyUnit.JOULES);
        assertThat(f.figures()).extracting(IterationFigures.Figure::label)
                .containsExactly("lem.energy.cpu.package0 (measured)", "lem.power.cpu.package0 (measured)");
        assertThat(f.refusals()).singleElement().asString().startsWith("gpu[0]: 30 J over 150 ms is below the meter's "
                + "resolution (1 mJ steps, updated every 100 ms: up to 67% error");
    }

    @Test
    void labelsCarryNoCharacterJmhsJsonLayoutBreaksOn() {
        assertThat(IterationFigures.labelId("cpu.package[0]")).isEqualTo("cpu.package0");
        assertThat(IterationFigures.labelId("gpu[0].mig[1]")).isEqualTo("gpu0.mig1");
        assertThat(IterationFigures.labelId("a,b{c};d<e>&\"")).isEqualTo("a_b_c__d_e___");
    }

    @Test
    void energyUnitFollowsTheOutputTimeUnit() {
        assertThat(IterationFigures.EnergyUnit.forTimeUnit(TimeUnit.NANOSECONDS).label()).isEqualTo("nJ/op");
        assertThat(IterationFigures.EnergyUnit.forTimeUnit(TimeUnit.SECONDS).label()).isEqualTo("J/op");
        assertThat(IterationFigures.EnergyUnit.forTimeUnit(TimeUnit.MINUTES).perJoule()).isEqualTo(1.0);
    }
}
