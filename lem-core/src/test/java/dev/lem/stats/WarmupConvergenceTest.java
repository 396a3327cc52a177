package dev.lem.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WarmupConvergenceTest {

    @Test
    void convergesOnceTheLastWindowIsSteady() {
        WarmupConvergence w = new WarmupConvergence(2, 20, 3, 0.05);
        double[] latencies = {900, 400, 210, 200, 205, 198};
        int stoppedAfter = 0;
        for (double l : latencies) {
            w.add(l);
            stoppedAfter++;
            if (w.done()) {
                break;
            }
        }
        // window {210, 200, 205}: mean 205, std 5, CV 0.0244 ≤ 0.05 after the 5th run
        assertThat(stoppedAfter).isEqualTo(5);
        assertThat(w.converged()).isTrue();
        assertThat(w.lastCv()).hasValueSatisfying(cv -> assertThat(cv).isCloseTo(5.0 / 205, within(1e-12)));
        assertThat(w.runs()).isEqualTo(5);
        assertThat(w.latencies()).containsExactly(900.0, 400.0, 210.0, 200.0, 205.0);
    }

    @Test
    void noCvBeforeAFullWindowAndMinRunsIsRespected() {
        WarmupConvergence w = new WarmupConvergence(6, 20, 3, 0.05);
        w.add(100);
        w.add(100);
        assertThat(w.lastCv()).isEmpty();
        assertThat(w.converged()).isFalse();
        w.add(100);
        assertThat(w.lastCv()).hasValue(0.0);
        assertThat(w.converged()).as("only 3 of min 6 runs").isFalse();
        w.add(100);
        w.add(100);
        w.add(100);
        assertThat(w.converged()).isTrue();
    }

    @Test
    void stopsUnconvergedAtMaxRuns() {
        WarmupConvergence w = new WarmupConvergence(0, 4, 2, 0.01);
        double[] noisy = {100, 150, 100, 150};
        for (double l : noisy) {
            assertThat(w.done()).isFalse();
            w.add(l);
        }
        assertThat(w.done()).isTrue();
        assertThat(w.converged()).isFalse();
        // window {100, 150}: std 35.36, mean 125
        assertThat(w.lastCv()).hasValueSatisfying(cv -> assertThat(cv).isCloseTo(Math.sqrt(1250) / 125, within(1e-12)));
    }

    @Test
    void zeroMeanWindowHasNoCvAndNeverConverges() {
        WarmupConvergence w = new WarmupConvergence(0, 3, 2, 0.5);
        w.add(0);
        w.add(0);
        assertThat(w.lastCv()).isEmpty();
        assertThat(w.converged()).isFalse();
    }

    @Test
    void rejectsBadSettingsAndLatenciesNamingThem() {
        assertThatThrownBy(() -> new WarmupConvergence(0, 5, 1, 0.05)).hasMessageContaining("warmup.window (1) must be >= 2");
        assertThatThrownBy(() -> new WarmupConvergence(0, 0, 2, 0.05)).hasMessageContaining("warmup.max_runs (0)");
        assertThatThrownBy(() -> new WarmupConvergence(6, 5, 2, 0.05))
                .hasMessageContaining("warmup.min_runs (6) must be between 0 and warmup.max_runs (5)");
        assertThatThrownBy(() -> new WarmupConvergence(0, 5, 2, Double.NaN)).hasMessageContaining("warmup.cv_threshold (NaN)");
        WarmupConvergence w = new WarmupConvergence(0, 5, 2, 0.05);
        assertThatThrownBy(() -> w.add(-1)).hasMessageContaining("warm-up latency (-1.0)");
        assertThatThrownBy(() -> w.add(Double.POSITIVE_INFINITY)).hasMessageContaining("must be finite");
        assertThat(w.runs()).isZero();
    }
}
