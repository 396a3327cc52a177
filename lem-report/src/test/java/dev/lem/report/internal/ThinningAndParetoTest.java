package dev.lem.report.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Display thinning keeps what matters (extremes, the CDF's ends), and fronts and SLO picks are right. */
class ThinningAndParetoTest {
    @Test
    void anHourOf100msSamplesBecomesAFewHundredPointsKeepingEverySpike() {
        int n = 36_000;
        double[] t = new double[n];
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = i * 0.1;
            v[i] = 300 + Math.sin(i / 50.0);
        }
        v[12_345] = 700;   // a spike of one sample
        v[30_000] = 20;    // a dip
        Downsample.Series s = Downsample.minMax(t, v, 600);
        assertThat(s.size()).isLessThanOrEqualTo(600);
        assertThat(Arrays.stream(s.v()).max().orElseThrow()).isEqualTo(700);
        assertThat(Arrays.stream(s.v()).min().orElseThrow()).isEqualTo(20);
        // times stay in order, so the line does not fold back
        for (int i = 1; i < s.size(); i++) {
            assertThat(s.t()[i]).isGreaterThanOrEqualTo(s.t()[i - 1]);
        }
        // few points pass through untouched, gaps (NaN) dropped
        Downsample.Series few = Downsample.minMax(new double[] {0, 1, 2}, new double[] {5, Double.NaN, 7}, 600);
        assertThat(few.v()).containsExactly(5, 7);
    }

    @Test
    void aCdfKeepsItsEndsAndShares() {
        double[] sorted = new double[10_000];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = i + 1;
        }
        Downsample.Series c = Downsample.cdf(sorted, 200);
        assertThat(c.size()).isEqualTo(200);
        assertThat(c.t()[0]).isEqualTo(1);
        assertThat(c.v()[0]).isCloseTo(1e-4, within(1e-12));
        assertThat(c.t()[199]).isEqualTo(10_000);
        assertThat(c.v()[199]).isEqualTo(1.0);
        // every kept point is a true ECDF point: value k has share k / n
        for (int i = 0; i < c.size(); i++) {
            assertThat(c.v()[i]).isCloseTo(c.t()[i] / 10_000, within(1e-12));
        }
        Downsample.Series small = Downsample.cdf(new double[] {3, 5}, 200);
        assertThat(small.t()).containsExactly(3, 5);
        assertThat(small.v()).containsExactly(0.5, 1.0);
    }

    @Test
    void theFrontHoldsExactlyTheUndominatedPoints() {
        // (latency, energy): a is fast and hungry, c slow and frugal, b between them, d worse than b on both,
        // e ties b on latency with more energy, f has no latency
        double[] lat = {10, 20, 40, 25, 20, Double.NaN};
        double[] energy = {5, 3, 1, 4, 3.5, 0.1};
        boolean[] front = Pareto.front(lat, energy);
        assertThat(front).containsExactly(true, true, true, false, false, false);
    }

    @Test
    void theSloPickIsTheCheapestMeetingTheDeadline() {
        double[] lat = {10, 20, 40, 25};
        double[] energy = {5, 3, 1, 4};
        assertThat(Pareto.cheapestMeeting(lat, energy, 9)).isEqualTo(-1);
        assertThat(Pareto.cheapestMeeting(lat, energy, 10)).isEqualTo(0);
        assertThat(Pareto.cheapestMeeting(lat, energy, 30)).isEqualTo(1);
        assertThat(Pareto.cheapestMeeting(lat, energy, 100)).isEqualTo(2);
        assertThat(Pareto.sloSteps(lat, energy)).containsExactly(new Pareto.Step(10, 0), new Pareto.Step(20, 1),
                new Pareto.Step(40, 2));
    }

    @Test
    void telemetryUnitsComeFromColumnNames() {
        assertThat(List.of("gpu0.temperature_c", "gpu0.sm_clock_mhz", "gpu0.utilization_gpu_pct",
                "gpu0.memory_used_mib", "gpu0.power_w", "gpu0.pstate").stream().map(RawLoader::unit))
                .containsExactly("°C", "MHz", "%", "MiB", "W", "value");
    }
}
