package dev.lem.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.result.CycleEnergy;
import dev.lem.result.CycleResult;
import dev.lem.result.ExperimentResult;
import dev.lem.Metric;
import dev.lem.result.ProcessResult;
import dev.lem.result.RunSetup;
import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.energy.DomainEnergy;
import dev.lem.energy.DomainScope;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.MeasurementMethod;
import dev.lem.env.EnvironmentCapture;
import dev.lem.metrics.RequestRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Aggregation math against hand-computed expectations: two processes on one host, two cycles. Every
 * expected number below is worked out by hand in the comments.
 */
class AggregatorTest {
    static final String ID = "20260101T000000Z-abc123";
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final ExperimentConfig CONFIG = ConfigResolver.withDefaults().override("carbon.intensity_g_per_kwh=360")
            .override("carbon.pue=1.5").resolve();

    static long ms(double v) {
        return (long) (v * 1_000_000L);
    }

    static RequestRecord ok(String id, int prompt, long[] chunkMs, int[] tokens, double endMs) {
        List<Long> chunks = java.util.Arrays.stream(chunkMs).map(x -> ms(x)).boxed().toList();
        List<Integer> counts = java.util.Arrays.stream(tokens).boxed().toList();
        return new RequestRecord(id, true, Optional.empty(), prompt, counts.stream().mapToInt(i -> i).sum(), "length",
                "backend", Optional.empty(), 0, Optional.of(chunks.get(0)), ms(endMs), chunks, counts);
    }

    static DomainEnergy energy(String id, String kind, String device, DomainScope scope, double joules) {
        return new DomainEnergy(new EnergyDomain(id, kind, device, scope, MeasurementMethod.MEASURED, "test"), joules,
                Optional.of(1.0), Optional.of(joules - 1), false);
    }

    static ProcessResult process(int cycle, int rank, List<RequestRecord> reqs, double cpuJ, double gpuJ) {
        return process(cycle, rank, reqs, cpuJ, gpuJ, Map.of());
    }

    static ProcessResult process(int cycle, int rank, List<RequestRecord> reqs, double cpuJ, double gpuJ,
            Map<String, Double> counters) {
        Instant start = T0.plusMillis(rank * 5L);
        EnergyMeasurement e = new EnergyMeasurement("cycle_" + cycle, ms(45), List.of(
                energy("cpu.package[0]", "cpu", "0", DomainScope.MACHINE, cpuJ),
                energy("gpu[0]", "gpu", rank == 0 ? "GPU-A" : "GPU-B", DomainScope.DEVICE, gpuJ)),
                Optional.empty(), List.of());
        return new ProcessResult(1, ID, cycle, rank, "h1", start, ms(45), reqs, Optional.of(e), Map.of(), Map.of(),
                counters, Optional.empty(), Optional.of(1_000_000L * (rank + 1)), Optional.empty(), List.of());
    }

    static List<RequestRecord> rank0() {
        // r1: TTFT 10, chunks 10/20/35 (1+2+1 tokens), e2e 35, TPOT (35-10)/3 = 8.333; gaps 10, 15
        // r2: TTFT 12, chunks 12/22, e2e 22, TPOT 10; gap 10
        return List.of(ok("r1", 5, new long[] {10, 20, 35}, new int[] {1, 2, 1}, 36),
                ok("r2", 3, new long[] {12, 22}, new int[] {1, 1}, 23));
    }

    static List<RequestRecord> rank1() {
        // r3 (rank 1 starts 5 ms later): TTFT 15, chunks 15/25, e2e 25, TPOT 10, gap 10, ends at 40 ms (45 ms absolute)
        // r4 failed after 1 ms: counted, never dropped
        return List.of(ok("r3", 4, new long[] {15, 25}, new int[] {1, 1}, 40),
                new RequestRecord("r4", false, Optional.of("HTTP 500"), 0, 0, "error", "none", Optional.empty(), 0,
                        Optional.empty(), ms(1), List.of(), List.of()));
    }

    static RunSetup setup(int rank) {
        return new RunSetup(1, ID, rank, 2, "h1", 100 + rank, T0, CONFIG, EnvironmentCapture.capture(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), List.of(), Map.of(), 2,
                "fixed count of 2 cycles", List.of(), Optional.empty(), dev.lem.result.RunStatus.COMPLETE,
                Optional.of(T0.plusSeconds(1)));
    }

    static ExperimentResult aggregate() {
        return Aggregator.aggregate(ID, List.of(setup(1), setup(0)), List.of(
                process(0, 0, rank0(), 10, 20), process(0, 1, rank1(), 11, 30),
                process(1, 0, rank0(), 12, 22), process(1, 1, rank1(), 13, 32)));
    }

    @Test
    void latenciesArePooledFromRawSamplesAcrossProcesses() {
        CycleResult c = aggregate().cycles().get(0);
        var m = c.metrics();
        assertThat(m.requests()).isEqualTo(4);
        assertThat(m.completed()).isEqualTo(3);
        assertThat(m.failed()).isEqualTo(1);
        assertThat(m.promptTokens()).isEqualTo(12);
        assertThat(m.outputTokens()).isEqualTo(8);
        // first dispatch T0+0, last completion: rank 1's r3 at 5 + 40 = 45 ms
        assertThat(m.durationS()).isCloseTo(0.045, within(1e-9));
        assertThat(m.outputTokensPerS()).isCloseTo(8 / 0.045, within(1e-6));
        assertThat(m.requestsPerS()).isCloseTo(3 / 0.045, within(1e-6));
        assertThat(m.totalTokensPerS()).isCloseTo(20 / 0.045, within(1e-6));
        // TTFT 10, 12, 15: mean 12.333, median 12
        assertThat(m.ttftMs().orElseThrow().mean()).isCloseTo(37.0 / 3, within(1e-9));
        assertThat(m.ttftMs().orElseThrow().p50()).isCloseTo(12, within(1e-9));
        // ITL gaps 10, 15, 10, 10: mean 11.25; p99 = 10 + 0.97 * (15 - 10) = 14.85 (linear, h = 3 * 0.99)
        assertThat(m.itlMs().orElseThrow().n()).isEqualTo(4);
        assertThat(m.itlMs().orElseThrow().mean()).isCloseTo(11.25, within(1e-9));
        assertThat(m.itlMs().orElseThrow().p99()).isCloseTo(14.85, within(1e-9));
        // TPOT 8.333, 10, 10
        assertThat(m.tpotMs().orElseThrow().mean()).isCloseTo((25.0 / 3 + 20) / 3, within(1e-9));
        // E2E ends at the last chunk: 35, 22, 25
        assertThat(m.e2eMs().orElseThrow().mean()).isCloseTo(82.0 / 3, within(1e-9));
        assertThat(c.peakRssBytes()).contains(2_000_000L);
    }

    @Test
    void machineDomainsCountOncePerHostAndDevicesOncePerDevice() {
        CycleEnergy e = aggregate().cycles().get(0).energy().orElseThrow();
        // cpu from rank 0 only (10 J; rank 1's 11 J dropped), GPUs A and B both counted: 10 + 20 + 30
        assertThat(e.totalJoules()).isCloseTo(60, within(1e-9));
        assertThat(e.joulesByKind()).containsEntry("cpu", 10.0).containsEntry("gpu", 50.0);
        assertThat(e.domains()).extracting(d -> d.domain().id())
                .containsExactly("cpu.package[0]", "gpu[0]", "gpu[0]@GPU-B");
        assertThat(e.adjustedJoules().orElseThrow()).isCloseTo(57.0, within(1e-9));
        assertThat(e.notes()).anySatisfy(n -> assertThat(n).contains("cpu.package[0] from rank 1"));
        assertThat(e.basis()).isEqualTo("measured");
    }

    @Test
    void summaryUsesRatiosOfSumsAndMeansAcrossCycles() {
        ExperimentResult r = aggregate();
        var s = r.summary();
        assertThat(s.cycles()).isEqualTo(2);
        // energy 60 and 66 J: mean 63; per token (60 + 66) / (8 + 8) = 7.875
        assertThat(s.get(Metric.ENERGY_J).mean()).isCloseTo(63, within(1e-9));
        assertThat(s.get(Metric.ENERGY_J).n()).isEqualTo(2);
        assertThat(s.get(Metric.ENERGY_PER_OUTPUT_TOKEN_J).mean()).isCloseTo(7.875, within(1e-9));
        assertThat(s.get(Metric.ENERGY_PER_OUTPUT_TOKEN_ADJUSTED_J).mean()).isCloseTo((57.0 + 63) / 16, within(1e-9));
        assertThat(s.get(Metric.ENERGY_GPU_J).mean()).isCloseTo(52, within(1e-9));
        assertThat(s.get(Metric.ENERGY_CPU_J).mean()).isCloseTo(11, within(1e-9));
        assertThat(s.get(Metric.ENERGY_PER_REQUEST_J).mean()).isCloseTo(126.0 / 6, within(1e-9));
        assertThat(s.get(Metric.AVERAGE_POWER_W).mean()).isCloseTo(126 / 0.09, within(1e-6));
        assertThat(s.get(Metric.OUTPUT_TOKENS_PER_S).mean()).isCloseTo(16 / 0.09, within(1e-6));
        // carbon: J / 3.6e6 * 360 g/kWh * PUE 1.5 = J * 1.5e-4
        assertThat(s.get(Metric.CARBON_G).mean()).isCloseTo(63 * 1.5e-4, within(1e-12));
        assertThat(r.cycles().get(1).carbonGrams().orElseThrow()).isCloseTo(66 * 1.5e-4, within(1e-12));
        assertThat(s.find(Metric.ENERGY_DRAM_J)).isEmpty();
        assertThat(s.unavailable()).containsEntry(Metric.ENERGY_DRAM_J, "no dram energy domain was measured");
        assertThat(s.unavailable()).containsKey(Metric.FLOPS_PER_OUTPUT_TOKEN);
        assertThat(s.find(Metric.ENERGY_J).orElseThrow().basis()).isEqualTo("measured");
        assertThat(r.processes()).extracting(RunSetup::rank).containsExactly(0, 1);
    }

    @Test
    void aCycleMissingARankIsKeptButLeftOutOfTheSummary() {
        ExperimentResult r = Aggregator.aggregate(ID, List.of(setup(0), setup(1)), List.of(
                process(0, 0, rank0(), 10, 20), process(0, 1, rank1(), 11, 30), process(1, 0, rank0(), 12, 22)));
        assertThat(r.cycles()).hasSize(2);
        assertThat(r.summary().cycles()).isEqualTo(1);
        assertThat(r.warnings()).anySatisfy(w -> assertThat(w).contains("cycle 2 has results from ranks [0] of 2"));
        assertThat(r.summary().get(Metric.ENERGY_J).ciLow()).isEmpty();
        assertThat(r.summary().get(Metric.ENERGY_J).note()).contains("one cycle");
    }

    @Test
    void oneMetricAloneIsTheSameAsInTheSummaryAndComesFromTheSameTable() {
        ExperimentResult r = aggregate();
        var inputs = dev.lem.result.SummaryInputs.of(r);
        for (Metric m : Metric.values()) {
            var alone = dev.lem.result.SummaryCalculator.estimate(m, r.completeCycles(), inputs);
            assertThat(alone).as(m.key()).isEqualTo(r.summary().find(m));
            assertThat(dev.lem.result.SummaryCalculator.sample(r, m).isPresent()).as(m.key())
                    .isEqualTo(r.summary().find(m).isPresent());
        }
        assertThat(r.summary().metrics().size() + r.summary().unavailable().size()).as("every metric is accounted for")
                .isEqualTo(Metric.values().length);
    }

    @Test
    void eachEnginesPhaseTimesSplitTheEnergyWithTheirOwnBasis() {
        String prefillIter = dev.lem.result.PhaseSplit.PREFILL_ITERATION_TIME_COUNTER;
        String decodeIter = dev.lem.result.PhaseSplit.DECODE_ITERATION_TIME_COUNTER;
        // TensorRT-LLM: iteration time by phase, 0.1 + 0.2 s prefill and 0.3 + 0.4 s decode over both ranks: of
        // cycle 0's 60 J, 60 x 0.3 / 1.0 = 18 J prefill
        ExperimentResult trt = Aggregator.aggregate(ID, List.of(setup(0), setup(1)), List.of(
                process(0, 0, rank0(), 10, 20, Map.of(prefillIter, 0.1, decodeIter, 0.3)),
                process(0, 1, rank1(), 11, 30, Map.of(prefillIter, 0.2, decodeIter, 0.4))));
        dev.lem.result.PhaseSplit s = trt.cycles().get(0).phaseSplit().orElseThrow();
        assertThat(s.prefillSeconds()).isCloseTo(0.3, within(1e-12));
        assertThat(s.decodeSeconds()).isCloseTo(0.7, within(1e-12));
        assertThat(s.prefillJoules()).isCloseTo(18, within(1e-9));
        assertThat(s.decodeJoules()).isCloseTo(42, within(1e-9));
        assertThat(s.basis()).startsWith("apportioned by engine iteration time (TensorRT-LLM iteration statistics")
                .contains("context-only iterations to prefill, generation-only to decode, mixed iterations by "
                        + "token work").doesNotContain("per-request");
        assertThat(trt.summary().get(Metric.PREFILL_ENERGY_PER_PROMPT_TOKEN_J).basis())
                .startsWith("apportioned by engine iteration time");
        // vLLM: per-request phase times keep their own basis
        ExperimentResult vllm = Aggregator.aggregate(ID, List.of(setup(0), setup(1)), List.of(
                process(0, 0, rank0(), 10, 20, Map.of(dev.lem.result.PhaseSplit.PREFILL_TIME_COUNTER, 1.0,
                        dev.lem.result.PhaseSplit.DECODE_TIME_COUNTER, 3.0)),
                process(0, 1, rank1(), 11, 30, Map.of(dev.lem.result.PhaseSplit.PREFILL_TIME_COUNTER, 1.0,
                        dev.lem.result.PhaseSplit.DECODE_TIME_COUNTER, 1.0))));
        dev.lem.result.PhaseSplit v = vllm.cycles().get(0).phaseSplit().orElseThrow();
        assertThat(v.prefillJoules()).isCloseTo(20, within(1e-9));
        assertThat(v.basis()).startsWith("apportioned by engine phase time (the engine's per-request prefill and "
                + "decode times");
        // a rank without the counters, or with iteration times that did not move: no split, never a zero one
        ExperimentResult partial = Aggregator.aggregate(ID, List.of(setup(0), setup(1)), List.of(
                process(0, 0, rank0(), 10, 20, Map.of(prefillIter, 0.1, decodeIter, 0.3)),
                process(0, 1, rank1(), 11, 30)));
        assertThat(partial.cycles().get(0).phaseSplit()).isEmpty();
        ExperimentResult idle = Aggregator.aggregate(ID, List.of(setup(0), setup(1)), List.of(
                process(0, 0, rank0(), 10, 20, Map.of(prefillIter, 0.0, decodeIter, 0.0)),
                process(0, 1, rank1(), 11, 30, Map.of(prefillIter, 0.0, decodeIter, 0.0))));
        assertThat(idle.cycles().get(0).phaseSplit()).isEmpty();
    }
}
