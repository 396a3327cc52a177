package dev.lem.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.config.ConfigResolver;
import dev.lem.config.WarmupConfig;
import dev.lem.config.WarmupMode;
import dev.lem.metrics.RequestRecord;
import dev.lem.result.WarmupResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Warm-up against a scripted clock: each run "takes" a set time, so the cap is tested without waiting. */
class WarmupPhaseTest {
    private static WarmupConfig config(String... overrides) {
        ConfigResolver r = ConfigResolver.withDefaults();
        for (String o : overrides) {
            r.override(o);
        }
        return r.resolve().warmup();
    }

    private static RequestRecord ok() {
        return new RequestRecord("r", true, Optional.empty(), 4, 1, "length", "backend", Optional.empty(), 0,
                Optional.of(500_000L), 1_000_000, List.of(500_000L), List.of(1));
    }

    /** Runs warm-up where run i takes runMillis[i] ms of scripted time (the last repeats). */
    private static WarmupResult run(WarmupConfig c, List<String> warnings, long... runMillis) throws Exception {
        AtomicLong clock = new AtomicLong();
        int[] calls = {0};
        return new WarmupPhase(c, clock::get).run(r -> List.of(), reqs -> {
            long ms = runMillis[Math.min(calls[0]++, runMillis.length - 1)];
            clock.addAndGet(ms * 1_000_000);
            return List.of(ok());
        }, warnings::add);
    }

    @Test
    void aConvergeWarmupThatRunsPastItsTimeCapStopsAndSaysSo() throws Exception {
        List<String> warnings = new ArrayList<>();
        // alternating latencies never converge; each run takes 30 s of scripted time, the cap is 60 s
        WarmupResult w = run(config("warmup.max_runs=20"), warnings, 30_000, 60_000, 30_000, 60_000);
        assertThat(w.mode()).isEqualTo(WarmupMode.CONVERGE);
        assertThat(w.runs()).isEqualTo(2);
        assertThat(w.converged()).isFalse();
        assertThat(w.stopReason()).startsWith("warmup.max_s (60 s) reached after 2 runs before the CV fell to 0.05");
        assertThat(warnings).singleElement().asString().startsWith("warm-up did not converge: warmup.max_s (60 s)");
    }

    @Test
    void convergenceWithinTheCapIsNotAffected() throws Exception {
        List<String> warnings = new ArrayList<>();
        WarmupResult w = run(config(), warnings, 1000);
        assertThat(w.converged()).isTrue();
        assertThat(w.runs()).isEqualTo(5);
        assertThat(warnings).isEmpty();
    }

    @Test
    void aFixedWarmupAlsoStopsAtTheCapButAlwaysRunsOnce() throws Exception {
        List<String> warnings = new ArrayList<>();
        WarmupResult w = run(config("warmup.mode=fixed", "warmup.runs=10", "warmup.max_s=5"), warnings, 3000);
        assertThat(w.runs()).isEqualTo(2);
        assertThat(w.stopReason()).isEqualTo("warmup.max_s (5 s) reached after 2 runs of 10");
        assertThat(warnings).containsExactly("warm-up stopped early: warmup.max_s (5 s) reached after 2 runs of 10");
        WarmupResult once = run(config("warmup.mode=fixed", "warmup.runs=3", "warmup.max_s=1"), new ArrayList<>(),
                100_000);
        assertThat(once.runs()).as("one run always happens, however long").isEqualTo(1);
    }
}
