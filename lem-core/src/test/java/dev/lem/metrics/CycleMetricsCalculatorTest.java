package dev.lem.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.config.SloConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Hand-computed values for every definition in {@link MetricDefinitions} (vLLM and GenAI-Perf conventions). */
class CycleMetricsCalculatorTest {
    private static final long MS = 1_000_000L;

    private static RequestRecord ok(String id, int prompt, int output, Long scheduledMs, long startMs, long endMs,
            long[] chunksMs, int[] tokens) {
        List<Long> c = new ArrayList<>();
        List<Integer> t = new ArrayList<>();
        for (int i = 0; i < chunksMs.length; i++) {
            c.add(chunksMs[i] * MS);
            t.add(tokens[i]);
        }
        return new RequestRecord(id, true, Optional.empty(), prompt, output, "length", "server_usage",
                Optional.ofNullable(scheduledMs).map(s -> s * MS), startMs * MS,
                c.isEmpty() ? Optional.empty() : Optional.of(c.get(0)), endMs * MS, c, t);
    }

    private static final List<RequestRecord> RECORDS = List.of(
            // 5 tokens in chunks of 1, 3, 1; the usage chunk and [DONE] came later (end 170 ms) and do not count
            ok("r1", 10, 5, null, 0, 170, new long[] {100, 120, 150}, new int[] {1, 3, 1}),
            ok("r2", 20, 2, 8L, 10, 75, new long[] {60, 70}, new int[] {1, 1}),
            new RequestRecord("r3", false, Optional.of("HTTP 500"), 0, 1, "error", "chunk_count_fallback",
                    Optional.of(15 * MS), 20 * MS, Optional.of(80 * MS), 90 * MS, List.of(80 * MS), List.of(1)),
            ok("r4", 30, 1, null, 0, 45, new long[] {40}, new int[] {1}));

    private static SloConfig slo(Double ttft, Double tpot, Double e2e) {
        return new SloConfig(Optional.ofNullable(ttft), Optional.ofNullable(tpot), Optional.ofNullable(e2e));
    }

    @Test
    void countsAndThroughputUseCompletedRequestsOnly() {
        CycleMetrics m = CycleMetricsCalculator.compute(RECORDS, 1.0, slo(null, null, null));
        assertThat(m.requests()).isEqualTo(4);
        assertThat(m.completed()).isEqualTo(3);
        assertThat(m.failed()).as("failed requests are counted, not dropped").isEqualTo(1);
        assertThat(m.outputTokens()).isEqualTo(8);
        assertThat(m.promptTokens()).isEqualTo(60);
        assertThat(m.requestsPerS()).isEqualTo(3.0);
        assertThat(m.outputTokensPerS()).isEqualTo(8.0);
        assertThat(m.totalTokensPerS()).isEqualTo(68.0);
        assertThat(m.goodputRequestsPerS()).as("no SLO, no goodput").isEmpty();
    }

    @Test
    void ttftIsDispatchToTheFirstTokenBearingChunk() {
        LatencyStats ttft = CycleMetricsCalculator.compute(RECORDS, 1.0, slo(null, null, null)).ttftMs().orElseThrow();
        assertThat(ttft.n()).isEqualTo(3);
        assertThat(ttft.mean()).isCloseTo((100 + 50 + 40) / 3.0, within(1e-9));
        assertThat(ttft.p50()).isEqualTo(50.0);
        assertThat(ttft.max()).isEqualTo(100.0);
    }

    @Test
    void itlIsOneSamplePerChunkGapPooledOverRequests() {
        LatencyStats itl = CycleMetricsCalculator.compute(RECORDS, 1.0, slo(null, null, null)).itlMs().orElseThrow();
        // r1: 20, 30 (the 3-token chunk is one sample); r2: 10; r4 has one chunk; r3 failed
        assertThat(itl.n()).isEqualTo(3);
        assertThat(itl.mean()).isCloseTo(20.0, within(1e-9));
        assertThat(itl.min()).isEqualTo(10.0);
        assertThat(itl.max()).isEqualTo(30.0);
    }

    @Test
    void tpotAndPerRequestItlAreE2eMinusTtftOverTokensMinusOne() {
        CycleMetrics m = CycleMetricsCalculator.compute(RECORDS, 1.0, slo(null, null, null));
        LatencyStats tpot = m.tpotMs().orElseThrow();
        // r1: (150 - 100) / 4 = 12.5; r2: (70 - 60) / 1 = 10; r4 has one token: no sample
        assertThat(tpot.n()).isEqualTo(2);
        assertThat(tpot.mean()).isCloseTo(11.25, within(1e-9));
        assertThat(m.itlPerRequestMs()).isEqualTo(m.tpotMs());
    }

    @Test
    void e2eEndsAtTheLastTokenBearingChunk() {
        LatencyStats e2e = CycleMetricsCalculator.compute(RECORDS, 1.0, slo(null, null, null)).e2eMs().orElseThrow();
        assertThat(e2e.n()).isEqualTo(3);
        assertThat(e2e.max()).as("r1: 150 ms, not its end event at 170 ms").isEqualTo(150.0);
        assertThat(e2e.mean()).isCloseTo((150 + 60 + 40) / 3.0, within(1e-9));
    }

    @Test
    void sendLagIsActualMinusScheduledForEveryOpenLoopRequest() {
        LatencyStats lag = CycleMetricsCalculator.compute(RECORDS, 1.0, slo(null, null, null)).sendLagMs().orElseThrow();
        assertThat(lag.n()).as("failed requests were sent too").isEqualTo(2);
        assertThat(lag.min()).isEqualTo(2.0);
        assertThat(lag.max()).isEqualTo(5.0);
    }

    @Test
    void goodputCountsCompletedRequestsMeetingEverySlo() {
        assertThat(CycleMetricsCalculator.compute(RECORDS, 2.0, slo(60.0, null, null)).goodputRequestsPerS())
                .hasValue(1.0); // r2, r4 in 2 s
        assertThat(CycleMetricsCalculator.compute(RECORDS, 1.0, slo(null, 11.0, null)).goodputRequestsPerS())
                .as("r1's TPOT 12.5 misses; r4 has no TPOT and passes, as in vLLM").hasValue(2.0);
        assertThat(CycleMetricsCalculator.compute(RECORDS, 1.0, slo(60.0, 11.0, 50.0)).goodputRequestsPerS())
                .hasValue(1.0);
    }

    @Test
    void percentilesInterpolateAndP999NeedsAThousandSamples() {
        double[] nanos = new double[1000];
        for (int i = 0; i < nanos.length; i++) {
            nanos[i] = (i + 1) * 1e6;
        }
        LatencyStats s = LatencyStats.ofNanos(nanos).orElseThrow();
        assertThat(s.p50()).isCloseTo(500.5, within(1e-9));
        assertThat(s.p99()).isCloseTo(990.01, within(1e-9));
        assertThat(s.p999()).hasValueSatisfying(v -> assertThat(v).isCloseTo(999.001, within(1e-9)));
        assertThat(LatencyStats.ofNanos(new double[] {1e6, 2e6}).orElseThrow().p999()).isEmpty();
        assertThat(LatencyStats.ofNanos(new double[0])).isEmpty();
    }

    @Test
    void achievedSendRateAndRequestsInFlightComeFromTheSendAndFinalEventTimes() {
        CycleMetrics m = CycleMetricsCalculator.compute(RECORDS, 1.0, slo(null, null, null));
        // sends at 0, 10, 20, 0 ms: (4 - 1) / 20 ms
        assertThat(m.achievedSendRatePerS()).hasValueSatisfying(v -> assertThat(v).isCloseTo(150.0, within(1e-9)));
        // [0,170], [10,75], [20,90], [0,45]: all four at 20 ms; (170 + 65 + 70 + 45) / 170 ms
        assertThat(m.maxInFlight()).hasValue(4);
        assertThat(m.meanInFlight()).hasValueSatisfying(v -> assertThat(v).isCloseTo(350.0 / 170, within(1e-9)));
    }

    @Test
    void aRequestEndingAsAnotherIsSentIsNotInFlightWithIt() {
        List<RequestRecord> back = List.of(ok("a", 1, 1, null, 0, 10, new long[] {5}, new int[] {1}),
                ok("b", 1, 1, null, 10, 20, new long[] {15}, new int[] {1}));
        CycleMetrics m = CycleMetricsCalculator.compute(back, 0.02, slo(null, null, null));
        assertThat(m.maxInFlight()).hasValue(1);
        assertThat(m.meanInFlight()).hasValueSatisfying(v -> assertThat(v).isCloseTo(1.0, within(1e-9)));
        assertThat(CycleMetricsCalculator.compute(back.subList(0, 1), 0.01, slo(null, null, null))
                .achievedSendRatePerS()).as("one send has no rate").isEmpty();
    }
}
