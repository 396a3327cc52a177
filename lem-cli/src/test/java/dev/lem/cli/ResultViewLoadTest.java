package dev.lem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.ValueSource;
import dev.lem.result.ExperimentResult;
import dev.lem.results.ScriptedResults;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The printed summary (after a run, and {@code lem results show}) says what the load generator achieved beside
 * what was configured, which ITL is which, and how many requests each cycle sent, completed and lost.
 */
class ResultViewLoadTest {
    private static ExperimentResult result() {
        ExperimentConfig c = ConfigResolver.withDefaults().set("backend", "openai", ValueSource.BUILDER)
                .set("server.url", "http://127.0.0.1:9", ValueSource.BUILDER)
                .set("traffic.pattern", "poisson", ValueSource.BUILDER).set("traffic.rate", 5.0, ValueSource.BUILDER)
                .resolve();
        // 4 requests back to back over 2 s: one every 0.5 s, sent at 0, 0.5, 1.0, 1.5 s -> 3 / 1.5 s
        return ScriptedResults.experiment("20260101T000000Z-load01", c,
                List.of(new ScriptedResults.Cycle(2.0, 4, 5, 3.0), new ScriptedResults.Cycle(2.0, 4, 5, 3.0)));
    }

    @Test
    void theAchievedRateAndRequestsInFlightStandBesideTheConfiguredRate() {
        String view = ResultView.summary(result(), Path.of("results"));
        assertThat(view).contains("Load (configured: traffic.pattern poisson, traffic.rate 5.000 requests/s)")
                .containsPattern("achieved_request_rate_per_s\\s+requests/s\\s+2\\b")
                .containsPattern("max_in_flight\\s+requests\\s+1\\b")
                .containsPattern("mean_in_flight\\s+requests\\s+1\\b")
                .containsPattern("send_lag_p99_ms\\s+ms\\s+n/a\\s+no request had a scheduled send time");
    }

    @Test
    void theSummaryNamesWhichItlIsWhichAndCountsRequestsPerCycle() {
        String view = ResultView.summary(result(), Path.of("results"));
        assertThat(view).contains("itl_*   per-chunk gaps").contains("vLLM bench serve's ITL")
                .contains("tpot_*  per token: (e2e - ttft) / (output tokens - 1) per request")
                .contains("GenAI-Perf's and AIPerf's per-request ITL");
        assertThat(view).containsPattern("cycle\\s+sent\\s+succeeded\\s+failed");
    }
}
