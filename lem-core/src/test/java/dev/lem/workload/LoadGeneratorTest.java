package dev.lem.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lem.config.TrafficPattern;
import dev.lem.config.ConfigResolver;
import dev.lem.config.DecodingConfig;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.ValueSource;
import dev.lem.serving.CountingLog;
import dev.lem.spi.GenerationRequest;
import dev.lem.testkit.EventLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class LoadGeneratorTest {
    private final FakeAsyncBackend backend = new FakeAsyncBackend(10);
    private final Map<String, Long> scheduled = new ConcurrentHashMap<>();
    private final List<String> expected = new ArrayList<>();

    @AfterEach
    void close() {
        backend.close();
    }

    private static ExperimentConfig config(Object... kv) {
        ConfigResolver r = ConfigResolver.withDefaults();
        for (int i = 0; i < kv.length; i += 2) {
            r.set((String) kv[i], kv[i + 1], ValueSource.BUILDER);
        }
        return r.resolve();
    }

    private static List<GenerationRequest> requests(int n) {
        List<GenerationRequest> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new GenerationRequest("c-" + i, "prompt number " + i, null, 8, 0,
                    DecodingConfig.greedyDecoding(true), i, false));
        }
        return out;
    }

    private LoadReport run(LoadGenerator g, List<GenerationRequest> reqs, CountingLog log) throws Exception {
        return g.run(reqs, log, (id, at) -> {
            synchronized (expected) {
                expected.add(id);
            }
            if (at != null) {
                scheduled.put(id, at);
            }
        });
    }

    private static void allCompleted(CountingLog log, List<String> ids) {
        assertThat(log.log().violations()).isEmpty();
        for (String id : ids) {
            EventLog.Event end = log.log().end(id);
            assertThat(end).as(id).isNotNull();
            assertThat(end.kind()).as(id).isEqualTo("completed");
        }
    }

    @Test
    void closedLoopKeepsExactlyTheConcurrencyInFlight() throws Exception {
        ExperimentConfig c = config("traffic.pattern", "closed", "traffic.concurrency", 8);
        CountingLog log = new CountingLog();
        LoadReport r = run(LoadGenerator.create(c, backend), requests(80), log);
        assertThat(r.sent()).isEqualTo(80);
        assertThat(r.pattern()).isEqualTo(TrafficPattern.CLOSED);
        assertThat(backend.maxInFlight.get()).isEqualTo(8);
        assertThat(r.maxInFlight()).isEqualTo(8);
        assertThat(scheduled).as("closed loop has no schedule").isEmpty();
        allCompleted(log, expected);
        assertThat(expected).hasSize(80).doesNotHaveDuplicates();
        assertThat(r.stoppedBy()).isEqualTo("requests");
    }

    /**
     * An open loop opens, before its window, the connections of the streams it will hold in flight: the rate times
     * the warm-up's mean end-to-end latency plus 3 σ (here 10/s × 20 s = 200, + 3 × √200 → 243), not only its first
     * second's arrivals (10); without a warm-up only the first second is known. The fake backend stamps each
     * completion 20 s after its start, so the figure does not depend on the test machine's timing.
     */
    @Test
    void anOpenLoopOpensTheConnectionsOfTheStreamsItWillHoldInFlight() throws Exception {
        backend.stampedLatencyS = 20.0;
        ExperimentConfig c = config("traffic.pattern", "poisson", "traffic.rate", 10.0, "traffic.warmup_requests", 4,
                "traffic.max_duration_s", 60.0, "seed", 3L);
        LoadGenerator.create(c, backend).prepare(requests(4));
        assertThat(backend.openedConnections).containsExactly(243);

        FakeAsyncBackend cold = new FakeAsyncBackend(1);
        try {
            cold.stampedLatencyS = 20.0;
            LoadGenerator.create(config("traffic.pattern", "poisson", "traffic.rate", 10.0, "traffic.warmup_requests",
                    0, "traffic.max_duration_s", 60.0), cold).prepare(requests(4));
            assertThat(cold.openedConnections).as("no warm-up: the first second's arrivals").containsExactly(10);
        } finally {
            cold.close();
        }

        FakeAsyncBackend warmedByTheExperiment = new FakeAsyncBackend(1);
        try {
            warmedByTheExperiment.stampedLatencyS = 5.0;
            LoadGenerator g = LoadGenerator.create(config("traffic.pattern", "poisson", "traffic.rate", 10.0,
                    "traffic.warmup_requests", 0, "traffic.max_duration_s", 60.0), warmedByTheExperiment);
            List<GenerationRequest> warm = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                warm.add(new GenerationRequest("w-" + i, "warm " + i, null, 8, 0, DecodingConfig.greedyDecoding(true),
                        i, true));
            }
            g.run(warm, new CountingLog(), (id, due) -> { });
            g.prepare(requests(4));
            assertThat(warmedByTheExperiment.openedConnections).as("the experiment's warm-up runs: 10/s x 5 s = 50, "
                    + "+ 3 sqrt(50) -> 72").containsExactly(72);
        } finally {
            warmedByTheExperiment.close();
        }
    }

    @Test
    void autoIsAClosedLoopForServedBackends() throws Exception {
        LoadGenerator g = LoadGenerator.create(config("traffic.concurrency", 3), backend);
        assertThat(g.pattern()).isEqualTo(TrafficPattern.CLOSED);
        run(g, requests(12), new CountingLog());
        assertThat(backend.maxInFlight.get()).isEqualTo(3);
    }

    @Test
    void constantRateIsAchievedWithinTwoPercentOnAnAbsoluteSchedule() throws Exception {
        ExperimentConfig c = config("traffic.pattern", "constant", "traffic.rate", 100.0);
        CountingLog log = new CountingLog();
        LoadReport r = run(LoadGenerator.create(c, backend), requests(150), log);
        assertThat(r.achievedRatePerS()).hasValueSatisfying(a -> assertThat(a).isCloseTo(100.0, within(2.0)));
        List<Long> due = expected.stream().map(scheduled::get).toList();
        for (int i = 1; i < due.size(); i++) {
            assertThat(due.get(i) - due.get(i - 1)).as("scheduled gap " + i).isEqualTo(10_000_000L);
        }
        for (String id : expected) {
            assertThat(log.start(id)).as("never sent before its time").isGreaterThanOrEqualTo(scheduled.get(id));
        }
        allCompleted(log, expected);
    }

    @Test
    void poissonArrivalsHaveTheRightStatisticsAndTheDispatcherKeepsUp() throws Exception {
        int n = 600;
        ExperimentConfig c = config("traffic.pattern", "poisson", "traffic.rate", 200.0, "seed", 11L);
        CountingLog log = new CountingLog();
        LoadReport r = run(LoadGenerator.create(c, backend), requests(n), log);
        List<Long> due = expected.stream().map(scheduled::get).toList();
        double sum = 0;
        double sq = 0;
        for (int i = 1; i < n; i++) {
            double g = (due.get(i) - due.get(i - 1)) / 1e9;
            sum += g;
            sq += g * g;
        }
        double mean = sum / (n - 1);
        double cv = Math.sqrt(sq / (n - 1) - mean * mean) / mean;
        // 599 exponential gaps: standard error of the mean 4.1 %, of the CV about 6 %; 4 standard errors allowed
        assertThat(mean).isCloseTo(0.005, within(0.005 * 0.165));
        assertThat(cv).isCloseTo(1.0, within(0.25));
        double scheduledRate = (n - 1) / ((due.get(n - 1) - due.get(0)) / 1e9);
        assertThat(r.achievedRatePerS().orElseThrow()).as("achieved vs scheduled rate")
                .isCloseTo(scheduledRate, within(scheduledRate * 0.02));
        allCompleted(log, expected);
    }

    @Test
    void aDurationLimitStopsSendingAndRepeatsPromptsUntilThen() throws Exception {
        ExperimentConfig c = config("traffic.pattern", "closed", "traffic.concurrency", 4, "traffic.max_duration_s", 0.3);
        CountingLog log = new CountingLog();
        long t0 = System.nanoTime();
        LoadReport r = run(LoadGenerator.create(c, backend), requests(3), log);
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(2.0);
        assertThat(r.stoppedBy()).isEqualTo("traffic.max_duration_s");
        assertThat(r.sent()).isGreaterThan(12);
        assertThat(expected).contains("c-0", "c-2", "c-0#1", "c-1#3");
        allCompleted(log, expected);
    }

    @Test
    void maxRequestsCutsOrRepeatsTheRequests() throws Exception {
        ExperimentConfig c = config("traffic.pattern", "closed", "traffic.max_requests", 7);
        LoadReport r = run(LoadGenerator.create(c, backend), requests(3), new CountingLog());
        assertThat(expected).containsExactly("c-0", "c-1", "c-2", "c-0#1", "c-1#1", "c-2#1", "c-0#2");
        assertThat(r.stoppedBy()).isEqualTo("traffic.max_requests");
        assertThat(backend.requests.get("c-0#1").seed()).isNotEqualTo(backend.requests.get("c-0").seed());
    }

    @Test
    void warmupRequestsGoFirstOnceAndAreNotRecorded() throws Exception {
        ExperimentConfig c = config("traffic.pattern", "closed", "traffic.concurrency", 2, "traffic.warmup_requests", 5);
        LoadGenerator g = LoadGenerator.create(c, backend);
        CountingLog log = new CountingLog();
        LoadReport first = run(g, requests(4), log);
        assertThat(first.warmupSent()).isEqualTo(5);
        assertThat(first.notes()).anySatisfy(n -> assertThat(n).contains("inside its measured window"));
        assertThat(backend.submitted.get()).isEqualTo(9);
        assertThat(log.log().all().stream().map(EventLog.Event::requestId).distinct()).hasSize(4)
                .noneMatch(id -> id.startsWith("warmup"));
        LoadReport second = run(g, requests(4), new CountingLog());
        assertThat(second.warmupSent()).isZero();
        assertThat(backend.submitted.get()).isEqualTo(13);
    }

    @Test
    void prepareSendsTheWarmupRequestsSoThatTheRunHoldsOnlyItsOwnRequests() throws Exception {
        ExperimentConfig c = config("traffic.pattern", "closed", "traffic.concurrency", 2, "traffic.warmup_requests", 5);
        LoadGenerator g = LoadGenerator.create(c, backend);
        var prepared = g.prepare(requests(4));
        assertThat(backend.submitted.get()).as("the warm-up ran in prepare").isEqualTo(5);
        CountingLog log = new CountingLog();
        LoadReport first = g.run(prepared, log, (id, s) -> expected.add(id));
        assertThat(first.warmupSent()).isEqualTo(5);
        assertThat(first.notes()).noneSatisfy(n -> assertThat(n).contains("inside its measured window"));
        assertThat(backend.submitted.get()).isEqualTo(9);
    }

    @Test
    void requestsThatNeverEndAreRecordedAsFailedNotDropped() throws Exception {
        ExperimentConfig c = config("traffic.pattern", "closed", "traffic.concurrency", 4);
        List<GenerationRequest> reqs = new ArrayList<>(requests(3));
        reqs.add(new GenerationRequest("c-hang", "HANG forever", null, 8, 0, DecodingConfig.greedyDecoding(true), 9,
                false));
        CountingLog log = new CountingLog();
        LoadReport r = run(LoadGenerator.create(c, backend, 300_000_000L), reqs, log);
        assertThat(log.log().end("c-hang").kind()).isEqualTo("failed");
        assertThat(log.log().end("c-hang").cause()).contains("no final event within 0.300 s");
        assertThat(r.notes()).anySatisfy(n -> assertThat(n).contains("1 request(s) had not ended"));
        assertThat(log.log().end("c-0").kind()).isEqualTo("completed");
    }

    @Test
    void syntheticPromptsAreSizedWithTheBackendTokenizerOnceAndGetTheirOutputLengths() throws Exception {
        ExperimentConfig c = config("traffic.pattern", "closed", "traffic.concurrency", 4, "prompts.source", "synthetic",
                "prompts.limit", 6, "prompts.synthetic.input_tokens_mean", 40, "prompts.synthetic.input_tokens_std", 8.0,
                "prompts.synthetic.output_tokens_mean", 12, "prompts.synthetic.output_tokens_std", 3.0);
        LoadGenerator g = LoadGenerator.create(c, backend);
        List<GenerationRequest> reqs = requests(6);
        run(g, reqs, new CountingLog());
        int calls = backend.tokenizeCalls.get();
        assertThat(calls).isGreaterThanOrEqualTo(6);
        for (int i = 0; i < 6; i++) {
            GenerationRequest sent = backend.requests.get("c-" + i);
            int target = SyntheticPrompts.inputTokens(c.prompts().synthetic(), c.seed(), i);
            assertThat(backend.countTokens(sent.prompt())).as("prompt " + i).hasValue(target);
            int out = SyntheticPrompts.outputTokens(c.prompts().synthetic(), c.maxOutputTokens(), c.seed(), i);
            assertThat(sent.maxOutputTokens()).isEqualTo(out);
            assertThat(sent.minOutputTokens()).as("ignore_eos: exact length").isEqualTo(out);
        }
        assertThat(backend.prompts).hasSize(6);
        int before = backend.tokenizeCalls.get();
        run(g, requests(6), new CountingLog());
        assertThat(backend.tokenizeCalls.get() - before).as("texts are kept for later cycles (+6 checks above)")
                .isZero();
    }

    @Test
    void openLoopWithoutARateIsAConfigError() {
        assertThatThrownBy(() -> config("traffic.pattern", "poisson")).hasMessageContaining("traffic.rate");
    }
}
