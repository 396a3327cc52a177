package dev.lem.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lem.config.TrafficPattern;

import org.junit.jupiter.api.Test;

class ArrivalProcessTest {
    private static final int N = 20_000;

    private static double[] meanAndCv(ArrivalProcess p) {
        double sum = 0;
        double sq = 0;
        for (int i = 0; i < N; i++) {
            double g = p.nextGapNanos() / 1e9;
            sum += g;
            sq += g * g;
        }
        double mean = sum / N;
        double var = sq / N - mean * mean;
        return new double[] {mean, Math.sqrt(var) / mean};
    }

    @Test
    void poissonGapsHaveMeanOneOverRateAndCvOne() {
        double[] m = meanAndCv(ArrivalProcess.of(TrafficPattern.POISSON, 50, 1, 1));
        // standard error of the mean of 20,000 exponential gaps: 0.7 %
        assertThat(m[0]).isCloseTo(0.02, within(0.02 * 0.025));
        assertThat(m[1]).isCloseTo(1.0, within(0.05));
    }

    @Test
    void gammaGapsHaveCvOneOverRootBurstiness() {
        double[] bursty = meanAndCv(ArrivalProcess.of(TrafficPattern.GAMMA, 10, 0.25, 2));
        assertThat(bursty[0]).isCloseTo(0.1, within(0.1 * 0.05));
        assertThat(bursty[1]).isCloseTo(2.0, within(0.15));
        double[] regular = meanAndCv(ArrivalProcess.of(TrafficPattern.GAMMA, 10, 16, 3));
        assertThat(regular[0]).isCloseTo(0.1, within(0.1 * 0.01));
        assertThat(regular[1]).isCloseTo(0.25, within(0.02));
        double[] one = meanAndCv(ArrivalProcess.of(TrafficPattern.GAMMA, 10, 1, 4));
        assertThat(one[1]).as("burstiness 1 is Poisson").isCloseTo(1.0, within(0.05));
    }

    @Test
    void constantGapsAreExact() {
        ArrivalProcess p = ArrivalProcess.of(TrafficPattern.CONSTANT, 8, 1, 5);
        for (int i = 0; i < 100; i++) {
            assertThat(p.nextGapNanos()).isEqualTo(125_000_000L);
        }
    }

    @Test
    void theSameSeedGivesTheSameGapsAndAnotherSeedOthers() {
        ArrivalProcess a = ArrivalProcess.of(TrafficPattern.GAMMA, 5, 0.5, 42);
        ArrivalProcess b = ArrivalProcess.of(TrafficPattern.GAMMA, 5, 0.5, 42);
        ArrivalProcess c = ArrivalProcess.of(TrafficPattern.GAMMA, 5, 0.5, 43);
        boolean differs = false;
        for (int i = 0; i < 50; i++) {
            long x = a.nextGapNanos();
            assertThat(b.nextGapNanos()).isEqualTo(x);
            differs |= c.nextGapNanos() != x;
        }
        assertThat(differs).isTrue();
    }

    @Test
    void badSettingsNameTheKey() {
        assertThatThrownBy(() -> ArrivalProcess.of(TrafficPattern.CLOSED, 1, 1, 1)).hasMessageContaining("traffic.pattern")
                .hasMessageContaining("\"closed\" is not an open-loop pattern");
        assertThatThrownBy(() -> ArrivalProcess.of(TrafficPattern.POISSON, 0, 1, 1)).hasMessageContaining("traffic.rate");
        assertThatThrownBy(() -> ArrivalProcess.of(TrafficPattern.GAMMA, 1, 0, 1)).hasMessageContaining("traffic.burstiness");
    }
}
