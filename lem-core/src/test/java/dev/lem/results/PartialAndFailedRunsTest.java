package dev.lem.results;

import static dev.lem.results.AggregatorTest.ID;
import static dev.lem.results.AggregatorTest.T0;
import static dev.lem.results.AggregatorTest.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lem.Metric;
import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.env.EnvironmentCapture;
import dev.lem.metrics.RequestRecord;
import dev.lem.result.Completeness;
import dev.lem.result.ExperimentResult;
import dev.lem.result.ProcessResult;
import dev.lem.result.RunSetup;
import dev.lem.result.RunStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How partial, interrupted and failed work is labelled and summarised (issue 17): every case here was once
 * presented as a complete result.
 */
class PartialAndFailedRunsTest {
    static final ExperimentConfig FOUR_CYCLES = ConfigResolver.withDefaults().override("cycles=4").resolve();

    @TempDir
    Path dir;

    static RunSetup setup(ExperimentConfig config, int cyclesRun, RunStatus status, Optional<String> failure, long pid) {
        return new RunSetup(ResultsJson.SCHEMA_VERSION, ID, 0, 1, EnvironmentCapture.hostName(), pid, T0, config,
                EnvironmentCapture.capture(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), List.of(), Map.of(), cyclesRun, "fixed count of " + config.cycles() + " cycles",
                List.of(), failure, status, status == RunStatus.RUNNING ? Optional.empty()
                        : Optional.of(T0.plusSeconds(5)));
    }

    static RunSetup finished(ExperimentConfig config, int cyclesRun) {
        return setup(config, cyclesRun, RunStatus.COMPLETE, Optional.empty(), 4242);
    }

    static RequestRecord failed(String id, String why) {
        return new RequestRecord(id, false, Optional.of(why), 0, 0, "error", "none", Optional.empty(), 0,
                Optional.empty(), AggregatorTest.ms(1), List.of(), List.of());
    }

    static ProcessResult cycle(int cycle, List<RequestRecord> requests) {
        return new ProcessResult(ResultsJson.SCHEMA_VERSION, ID, cycle, 0, "h1", T0.plusSeconds(cycle),
                AggregatorTest.ms(40 + cycle), requests, Optional.empty(), Map.of(), Map.of(), Map.of(),
                Optional.empty(), Optional.empty(), Optional.empty(), List.of());
    }

    /** Two requests with TTFT 10 and 12 ms; 4 and 2 output tokens. */
    static List<RequestRecord> healthy() {
        return List.of(ok("a", 5, new long[] {10, 20, 35}, new int[] {1, 2, 1}, 36),
                ok("b", 3, new long[] {12, 22}, new int[] {1, 1}, 23));
    }

    @Test
    void aCycleInWhichEveryRequestFailedIsLeftOutOfLatencyAndThroughputAndListedAsFailed() {
        ExperimentConfig config = ConfigResolver.withDefaults().override("cycles=3").resolve();
        ExperimentResult r = Aggregator.aggregate(ID, List.of(finished(config, 3)), List.of(cycle(0, healthy()),
                cycle(1, healthy()), cycle(2, List.of(failed("c", "connection refused"), failed("d",
                        "connection refused")))));
        // the latency of the two good cycles is reported, not hidden behind the failed one
        assertThat(r.summary().get(Metric.TTFT_MEAN_MS).mean()).isCloseTo(11, within(1e-9));
        assertThat(r.summary().cycles()).isEqualTo(2);
        assertThat(r.summary().get(Metric.OUTPUT_TOKENS_PER_S).n()).isEqualTo(2);
        assertThat(r.summary().excludedCycles()).containsOnlyKeys(2);
        assertThat(r.summary().excludedCycles().get(2)).isEqualTo("no request succeeded (2 of 2 failed; commonest: connection refused (2))");
        assertThat(r.cycles()).hasSize(3);
        assertThat(r.cycles().get(2).failedEntirely()).isTrue();
        assertThat(r.cycles().get(2).commonestFailures(1)).containsExactly("connection refused (2)");
        assertThat(r.warnings()).anySatisfy(w -> assertThat(w).startsWith("cycle 3: every request failed (2 of 2)")
                .contains("left out of the summary", "connection refused (2)"));
        // 2 of 6 requests failed: far above the default 5% threshold
        assertThat(r.status()).isEqualTo(Completeness.FAILED);
        assertThat(r.statusReason()).contains("2 of 6 requests failed (33.3%)", "stats.max_failure_rate (5.0%)");
        assertThat(r.isComplete()).isFalse();
    }

    @Test
    void aWindowMeasuredWithoutRequestsIsNotAFailedCycle() {
        // JMH iterations and JUnit tests record energy windows with no requests: they are in the summary
        ExperimentConfig two = ConfigResolver.withDefaults().override("cycles=2").resolve();
        ExperimentResult r = Aggregator.aggregate(ID, List.of(finished(two, 2)), List.of(cycle(0, List.of()),
                cycle(1, List.of())));
        assertThat(r.summary().cycles()).isEqualTo(2);
        assertThat(r.summary().excludedCycles()).isEmpty();
        assertThat(r.cycles()).noneMatch(c -> c.failedEntirely());
        assertThat(r.status()).isEqualTo(Completeness.COMPLETE);
    }

    @Test
    void failuresUnderTheThresholdAreWarnedAboutButTheRunIsComplete() {
        ExperimentConfig lenient = ConfigResolver.withDefaults().override("cycles=2")
                .override("stats.max_failure_rate=0.5").resolve();
        List<RequestRecord> oneBad = new ArrayList<>(healthy());
        oneBad.add(failed("x", "HTTP 500"));
        ExperimentResult r = Aggregator.aggregate(ID, List.of(finished(lenient, 2)),
                List.of(cycle(0, oneBad), cycle(1, healthy())));
        assertThat(r.status()).isEqualTo(Completeness.COMPLETE);
        assertThat(r.warnings()).anySatisfy(w -> assertThat(w).isEqualTo(
                "cycle 1: 1 of 3 requests failed (33.3%); commonest: HTTP 500 (1)"));
        assertThat(r.cycles().get(0).failureRate()).isCloseTo(1.0 / 3, within(1e-12));

        ExperimentConfig strict = ConfigResolver.from(lenient).override("stats.max_failure_rate=0.1").resolve();
        ExperimentResult s = Aggregator.aggregate(ID, List.of(finished(strict, 2)),
                List.of(cycle(0, oneBad), cycle(1, healthy())));
        assertThat(s.status()).isEqualTo(Completeness.FAILED);
        assertThat(s.statusReason()).startsWith("1 of 5 requests failed (20.0%), above stats.max_failure_rate (10.0%)");
    }

    @Test
    void theIntervalOfAPositiveFigureNeverGoesBelowZeroEvenWhenCyclesDisagreeWildly() {
        // per-cycle throughput: 2 tokens in 40 ms... and the same tokens in 4 s: a t interval would reach below zero
        List<ProcessResult> cycles = new ArrayList<>();
        long[] durationsMs = {40, 4000, 45};
        for (int c = 0; c < durationsMs.length; c++) {
            cycles.add(new ProcessResult(ResultsJson.SCHEMA_VERSION, ID, c, 0, "h1", T0.plusSeconds(c),
                    AggregatorTest.ms(durationsMs[c]), List.of(ok("a" + c, 5, new long[] {10, durationsMs[c] - 1},
                            new int[] {1, 1}, durationsMs[c])), Optional.empty(), Map.of(), Map.of(), Map.of(),
                    Optional.empty(), Optional.empty(), Optional.empty(), List.of()));
        }
        ExperimentConfig config = ConfigResolver.withDefaults().override("cycles=3").resolve();
        ExperimentResult r = Aggregator.aggregate(ID, List.of(finished(config, 3)), cycles);
        var tput = r.summary().get(Metric.OUTPUT_TOKENS_PER_S);
        assertThat(tput.ciLow()).isPresent();
        assertThat(tput.ciLow().orElseThrow()).isPositive();
        assertThat(tput.method()).contains("log");
        var e2e = r.summary().get(Metric.E2E_MEAN_MS);
        assertThat(e2e.ciLow().orElseThrow()).isPositive();
    }

    @Test
    void aProcessKilledWithoutWritingAnEndMarkerIsIncompleteWithTheCyclesItLeft() {
        long deadPid = deadPid();
        ExperimentResult r = Aggregator.aggregate(ID, List.of(setup(FOUR_CYCLES, 1, RunStatus.RUNNING, Optional.empty(),
                deadPid)), List.of(cycle(0, healthy())));
        assertThat(r.status()).isEqualTo(Completeness.INCOMPLETE);
        assertThat(r.statusReason()).contains("no end marker", "pid " + deadPid, "after 1 of 4 cycles");
        assertThat(r.summary().cycles()).isEqualTo(1);

        ExperimentResult live = Aggregator.aggregate(ID, List.of(setup(FOUR_CYCLES, 1, RunStatus.RUNNING,
                Optional.empty(), ProcessHandle.current().pid())), List.of(cycle(0, healthy())));
        assertThat(live.status()).isEqualTo(Completeness.INCOMPLETE);
        assertThat(live.statusReason()).startsWith("still running (pid " + ProcessHandle.current().pid() + ")");
    }

    @Test
    void anInterruptedRunSaysSoAndKeepsItsCompletedCycles() {
        ExperimentResult r = Aggregator.aggregate(ID, List.of(setup(FOUR_CYCLES, 2, RunStatus.INTERRUPTED,
                Optional.of("interrupted by SIGINT after cycle 2 of 4"), 4242)), List.of(cycle(0, healthy()),
                        cycle(1, healthy())));
        assertThat(r.status()).isEqualTo(Completeness.INTERRUPTED);
        assertThat(r.statusReason()).isEqualTo("interrupted by SIGINT after cycle 2 of 4");
        assertThat(r.summary().cycles()).isEqualTo(2);
    }

    @Test
    void aSetupFromBeforeStatusesExistedIsJudgedByWhatItSays() {
        // schema-1 files have neither status nor finished_at: a failure means failed, a full count complete
        RunSetup old = setup(FOUR_CYCLES, 1, null, Optional.empty(), 4242);
        assertThat(old.status()).isEqualTo(RunStatus.RUNNING);
        assertThat(setup(FOUR_CYCLES, 4, null, Optional.empty(), 1).status()).isEqualTo(RunStatus.COMPLETE);
        assertThat(setup(FOUR_CYCLES, 1, null, Optional.of("boom"), 1).status()).isEqualTo(RunStatus.FAILED);
    }

    @Test
    void aNullOrNonObjectFileIsACleanErrorNamingIt() {
        for (String text : new String[] {"null", "[]", "42", "\"text\""}) {
            assertThatThrownBy(() -> ResultsJson.read(text, RunSetup.class, "setup_0.json"))
                    .isInstanceOf(ResultsException.class)
                    .hasMessageStartingWith("setup_0.json is not a valid LEM result file: it holds ");
        }
        assertThatThrownBy(() -> ResultsJson.read("{\n  \"schema_version\": 2,\n  oops\n}", RunSetup.class, "f.json"))
                .isInstanceOf(ResultsException.class).hasMessageContaining("line 3");
    }

    @Test
    void aFileWithoutASchemaVersionIsRefusedWithTheReason() {
        String json = ResultsJson.write(cycle(0, healthy())).replaceFirst("\"schema_version\"\\s*:\\s*\\d+,?", "");
        assertThat(json).doesNotContain("schema_version");
        assertThatThrownBy(() -> ResultsJson.read(json, ProcessResult.class, "process_0.json"))
                .isInstanceOf(ResultsException.class)
                .hasMessageContaining("process_0.json has no schema_version");
    }

    @Test
    void aCorruptCycleFileBlocksOnlyItsExperimentAndCanBeSkippedWithTheGapReported() throws IOException {
        ResultsRepository repo = new ResultsRepository(dir);
        ExperimentConfig three = ConfigResolver.withDefaults().override("cycles=3").resolve();
        repo.writeSetup(finished(three, 3));
        for (int c = 0; c < 3; c++) {
            repo.writeProcessResult(cycle(c, healthy()));
        }
        Path corrupt = repo.cycleDirectory(ID, 1).resolve("process_0.json");
        Files.writeString(corrupt, "{\"schema_version\": 2, \"experiment_id\": ");

        assertThatThrownBy(() -> repo.aggregate(ID)).isInstanceOf(ResultsException.class)
                .hasMessageContaining(corrupt.toString()).hasMessageContaining("--skip-corrupt");

        ExperimentResult r = repo.aggregate(ID, true);
        assertThat(r.cycles()).extracting(c -> c.cycle()).containsExactly(0, 2);
        assertThat(r.summary().cycles()).isEqualTo(2);
        assertThat(r.warnings()).anySatisfy(w -> assertThat(w).startsWith("left out, unreadable: ").contains(
                corrupt.toString()));
        assertThat(r.warnings()).anySatisfy(w -> assertThat(w).contains("cycle 2 of 1..3 have no results"));
        assertThat(r.status()).isEqualTo(Completeness.INCOMPLETE);
        assertThat(r.statusReason()).contains("2 of the 3 cycles run have readable results; missing: cycle 2");
        assertThat(repo.readAggregated(ID)).isPresent();

        ExperimentOverview o = repo.overview(ID);
        assertThat(o.cycles()).as("list and show count the same cycles").isEqualTo(r.cycles().size());
        assertThat(o.status()).isEqualTo(Completeness.INCOMPLETE);
    }

    @Test
    void aNullSetupFileMakesItsExperimentUnreadableWithoutBlockingTheOthers() throws IOException {
        ResultsRepository repo = new ResultsRepository(dir);
        repo.writeSetup(finished(FOUR_CYCLES, 4));
        String other = "20260101T000001Z-zzz999";
        Files.createDirectories(repo.rawDirectory(other));
        Files.writeString(repo.rawDirectory(other).resolve("setup_0.json"), "null");
        assertThat(repo.experimentIds()).contains(ID, other);
        assertThat(repo.overview(ID).status()).isEqualTo(Completeness.INCOMPLETE);
        assertThatThrownBy(() -> repo.overview(other)).isInstanceOf(ResultsException.class)
                .hasMessageContaining("setup_0.json is not a valid LEM result file: it holds null");
    }

    @Test
    void anAggregateTakenWhileTheRunWentOnIsNeverShownAsItsResult() {
        ResultsRepository repo = new ResultsRepository(dir);
        repo.writeSetup(setup(FOUR_CYCLES, 1, RunStatus.RUNNING, Optional.empty(), ProcessHandle.current().pid()));
        repo.writeProcessResult(cycle(0, healthy()));
        assertThat(repo.aggregate(ID).statusReason()).startsWith("still running");
        // the run goes on, then is interrupted after cycle 2: the snapshot above is out of date
        repo.writeProcessResult(cycle(1, healthy()));
        repo.writeSetup(setup(FOUR_CYCLES, 2, RunStatus.INTERRUPTED,
                Optional.of("interrupted by SIGTERM after cycle 2 of 4"), 4242));
        ExperimentOverview o = repo.overview(ID);
        assertThat(o.status()).isEqualTo(Completeness.INTERRUPTED);
        assertThat(o.reason()).contains("the aggregate predates the end of the run: run `lem aggregate " + ID + "`");
        ExperimentResult shown = repo.current(ID);
        assertThat(shown.status()).isEqualTo(Completeness.INTERRUPTED);
        assertThat(shown.summary().cycles()).isEqualTo(2);
        assertThat(repo.overview(ID).reason()).isEqualTo("interrupted by SIGTERM after cycle 2 of 4");
        assertThat(repo.current(ID)).as("up to date now: read, not re-aggregated").isEqualTo(repo.readAggregated(ID)
                .orElseThrow());
    }

    private static long deadPid() {
        try {
            Process p = new ProcessBuilder("true").start();
            p.waitFor();
            return p.pid();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
