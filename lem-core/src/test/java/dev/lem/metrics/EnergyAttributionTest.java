package dev.lem.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link EnergyAttribution} on scripted timelines whose answer is worked out by hand: average power over the span,
 * split among the requests in flight by the tokens each holds (prompt + output received so far).
 */
class EnergyAttributionTest {
    private static final long S = 1_000_000_000L;

    private static EnergyAttribution.Span span(double startS, double endS, int prompt, double[] chunkS, int[] tokens,
            boolean ok) {
        long[] at = new long[chunkS.length];
        for (int i = 0; i < at.length; i++) {
            at[i] = Math.round(chunkS[i] * S);
        }
        return new EnergyAttribution.Span(Math.round(startS * S), Math.round(endS * S), prompt, at, tokens, ok);
    }

    private static EnergyAttribution.Span span(double startS, double endS, int prompt) {
        return span(startS, endS, prompt, new double[0], new int[0], true);
    }

    @Test
    void overlappingRequestsShareByThePromptTokensTheyHold() {
        // 100 J over 10 s: 10 W. [0, 5) A alone: 50 J. [5, 10) A holds 10 tokens, B 30: A 12.5 J, B 37.5 J
        EnergyAttribution.Shares s = EnergyAttribution.attribute(List.of(span(0, 10, 10), span(5, 10, 30)), 100);
        assertThat(s.joules()[0]).isCloseTo(62.5, within(1e-9));
        assertThat(s.joules()[1]).isCloseTo(37.5, within(1e-9));
        assertThat(s.unattributedJoules()).isZero();
    }

    @Test
    void outputTokensCountFromTheirArrival() {
        // 60 J over 6 s: 10 W. A: prompt 2, +4 tokens at 2 s; B: prompt 4, 0-6 s.
        // [0, 2): 2 vs 4 -> A 20·2/6, B 20·4/6; [2, 6): 6 vs 4 -> A 40·6/10, B 40·4/10
        EnergyAttribution.Shares s = EnergyAttribution.attribute(List.of(
                span(0, 6, 2, new double[] {2}, new int[] {4}, true), span(0, 6, 4)), 60);
        assertThat(s.joules()[0]).isCloseTo(20.0 * 2 / 6 + 24, within(1e-9));
        assertThat(s.joules()[1]).isCloseTo(20.0 * 4 / 6 + 16, within(1e-9));
    }

    @Test
    void timeWithNoRequestInFlightStaysUnattributedAndEverythingAddsUp() {
        // A 0-2 s, B 6-10 s: the span is 10 s, 4 s of it empty
        EnergyAttribution.Shares s = EnergyAttribution.attribute(List.of(span(0, 2, 5), span(6, 10, 5)), 50);
        assertThat(s.joules()[0]).isCloseTo(10, within(1e-9));
        assertThat(s.joules()[1]).isCloseTo(20, within(1e-9));
        assertThat(s.unattributedJoules()).isCloseTo(20, within(1e-9));
    }

    @Test
    void requestsHoldingNoTokenYetShareEqually() {
        // a server that reported no prompt count: two requests in flight together, nothing received yet
        EnergyAttribution.Shares s = EnergyAttribution.attribute(List.of(span(0, 4, 0), span(0, 4, 0)), 8);
        assertThat(s.joules()).containsExactly(4.0, 4.0);
    }

    @Test
    void theSummaryKeepsFailedRequestsApartAndReadsPercentilesOfTheCompletedOnes() {
        // four requests one after the other, 8 W: 8, 8, 16, 8 J; a failed one overlapping the last
        List<EnergyAttribution.Span> spans = List.of(span(0, 1, 8), span(1, 2, 8), span(2, 4, 8), span(4, 5, 8),
                span(4, 5, 8, new double[0], new int[0], false));
        RequestEnergy e = EnergyAttribution.summarize(spans, 40).orElseThrow();
        assertThat(e.requests()).isEqualTo(4);
        // the last second is shared by the fourth request and the failed one (8 tokens each): 4 J each
        assertThat(e.failedJoules()).isCloseTo(4, within(1e-9));
        assertThat(e.attributedJoules()).isCloseTo(36, within(1e-9));
        assertThat(e.attributedJoules() + e.failedJoules() + e.unattributedJoules()).isCloseTo(40, within(1e-9));
        // completed: 4, 8, 8, 16 -> median 8; p90: h = 2.7 -> 8 + 0.7·8 = 13.6; max 16
        assertThat(e.p50Joules()).isCloseTo(8, within(1e-9));
        assertThat(e.p90Joules()).isCloseTo(13.6, within(1e-9));
        assertThat(e.p99Joules()).isCloseTo(8 + 0.97 * 8, within(1e-9));
        assertThat(e.maxJoules()).isCloseTo(16, within(1e-9));
        assertThat(e.meanJoules()).isCloseTo(9, within(1e-9));
    }

    @Test
    void noCompletedRequestMeansNoSummary() {
        assertThat(EnergyAttribution.summarize(List.of(span(0, 1, 3, new double[0], new int[0], false)), 5)).isEmpty();
    }
}
