package dev.lem.result;

import dev.lem.Metric;
import dev.lem.energy.DomainEnergy;
import dev.lem.energy.MeasurementMethod;
import dev.lem.flops.FlopsEstimate;
import dev.lem.metrics.LatencyStats;
import dev.lem.metrics.RequestEnergy;
import dev.lem.stats.CrossCycleStatistics;
import dev.lem.stats.CycleSample;
import dev.lem.stats.Estimate;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Computes an experiment's {@link Summary} from its complete cycles, once per metric, from one table that
 * says for every {@link Metric} how its per-cycle observation is read from a {@link CycleResult}: a value
 * (the statistic is the mean over cycles) or a numerator and a denominator (the statistic is the ratio of
 * sums), how its figures were obtained (the basis), and why it is missing when a cycle lacks it. The same
 * table gives the per-cycle sample of one metric for comparisons between experiments and the estimate of
 * one metric for adaptive cycle counts, without computing the others.
 *
 * <p>Stateless and thread-safe. Intervals use {@code stats.*} and the seed {@code seed + metric ordinal},
 * so a summary recomputed from the same cycles is identical.
 */
public final class SummaryCalculator {
    private static final String TIMED = "measured (System.nanoTime timestamps)";
    private static final String NOT_PER_CYCLE = "measured once per experiment, not per cycle";
    private static final Map<Metric, Row> TABLE = table();

    private SummaryCalculator() {
    }

    /** How one metric is read from cycles. Functions take the inputs and the cycles (for the basis). */
    private record Row(
            BiFunction<SummaryInputs, CycleResult, Optional<Double>> value,
            BiFunction<SummaryInputs, CycleResult, Double> denominator,
            BiFunction<SummaryInputs, List<CycleResult>, String> basis,
            BiFunction<SummaryInputs, List<CycleResult>, String> whyMissing,
            BiFunction<SummaryInputs, List<CycleResult>, Optional<String>> precondition) {

        boolean ratio() {
            return denominator != null;
        }
    }

    private static Row mean(Function<CycleResult, Optional<Double>> value, String basis, String whyMissing) {
        return new Row((in, c) -> value.apply(c), null, (in, cs) -> basis, (in, cs) -> whyMissing,
                (in, cs) -> Optional.empty());
    }

    private static Row ratio(Function<CycleResult, Optional<Double>> num, Function<CycleResult, Double> den,
            BiFunction<SummaryInputs, List<CycleResult>, String> basis,
            BiFunction<SummaryInputs, List<CycleResult>, String> whyMissing) {
        return new Row((in, c) -> num.apply(c), (in, c) -> den.apply(c), basis, whyMissing, (in, cs) -> Optional.empty());
    }

    private static Map<Metric, Row> table() {
        Map<Metric, Row> t = new EnumMap<>(Metric.class);
        t.put(Metric.DURATION_S, mean(c -> Optional.of(c.metrics().durationS()), TIMED, "no duration"));
        t.put(Metric.REQUESTS_PER_S, ratio(c -> Optional.of((double) c.metrics().completed()),
                c -> c.metrics().durationS(), (in, cs) -> TIMED, (in, cs) -> "no completed requests"));
        t.put(Metric.OUTPUT_TOKENS_PER_S, ratio(c -> Optional.of((double) c.metrics().outputTokens()),
                c -> c.metrics().durationS(), (in, cs) -> TIMED, (in, cs) -> "no output tokens"));
        t.put(Metric.TOTAL_TOKENS_PER_S, ratio(c -> Optional.of((double) (c.metrics().outputTokens()
                + c.metrics().promptTokens())), c -> c.metrics().durationS(), (in, cs) -> TIMED, (in, cs) -> "no tokens"));
        t.put(Metric.GOODPUT_REQUESTS_PER_S, mean(c -> c.metrics().goodputRequestsPerS(), TIMED,
                "no SLO configured (set slo.ttft_ms, slo.tpot_ms or slo.e2e_ms)"));
        String noToken = "no request produced a token";
        t.put(Metric.TTFT_MEAN_MS, mean(c -> c.metrics().ttftMs().map(LatencyStats::mean), TIMED, noToken));
        t.put(Metric.TTFT_P50_MS, mean(c -> c.metrics().ttftMs().map(LatencyStats::p50), TIMED, noToken));
        t.put(Metric.TTFT_P99_MS, mean(c -> c.metrics().ttftMs().map(LatencyStats::p99), TIMED, noToken));
        String noTwoChunks = "no request produced two chunks";
        t.put(Metric.ITL_MEAN_MS, mean(c -> c.metrics().itlMs().map(LatencyStats::mean), TIMED, noTwoChunks));
        t.put(Metric.ITL_P99_MS, mean(c -> c.metrics().itlMs().map(LatencyStats::p99), TIMED, noTwoChunks));
        t.put(Metric.TPOT_MEAN_MS, mean(c -> c.metrics().tpotMs().map(LatencyStats::mean), TIMED,
                "no request produced two tokens"));
        t.put(Metric.E2E_MEAN_MS, mean(c -> c.metrics().e2eMs().map(LatencyStats::mean), TIMED, "no request completed"));
        t.put(Metric.E2E_P99_MS, mean(c -> c.metrics().e2eMs().map(LatencyStats::p99), TIMED, "no request completed"));

        BiFunction<SummaryInputs, List<CycleResult>, String> eBasis = (in, cs) -> energyBasis(cs);
        BiFunction<SummaryInputs, List<CycleResult>, String> noEnergy = (in, cs) -> cs.get(0).energy().isPresent()
                && used(cs.get(0)).isEmpty() ? "the workload uses none of the measured devices (they are measured "
                        + "apart: see " + Metric.ENERGY_NOT_USED_J.key() + "); no meter covers the CPU or memory here"
                        : in.noEnergy();
        t.put(Metric.ENERGY_J, energyMean(c -> used(c).map(CycleEnergy::totalJoules), eBasis, noEnergy));
        BiFunction<SummaryInputs, List<CycleResult>, String> adjustedBasis = (in, cs) -> energyBasis(cs)
                + cs.stream().map(c -> c.energy().flatMap(CycleEnergy::baselineDisturbed)).flatMap(Optional::stream)
                        .findFirst().map(r -> "; baseline disturbed: " + r).orElse("");
        t.put(Metric.ENERGY_ADJUSTED_J, energyMean(c -> c.energy().flatMap(CycleEnergy::adjustedJoules), adjustedBasis,
                SummaryCalculator::adjustedReason));
        for (Map.Entry<Metric, String> k : Map.of(Metric.ENERGY_GPU_J, "gpu", Metric.ENERGY_CPU_J, "cpu",
                Metric.ENERGY_DRAM_J, "dram", Metric.ENERGY_RAM_J, "ram").entrySet()) {
            String kind = k.getValue();
            t.put(k.getKey(), energyMean(c -> c.energy().flatMap(e -> Optional.ofNullable(e.joulesByKind().get(kind))),
                    (in, cs) -> cs.get(0).energy().map(e -> basis(e.domains().stream()
                            .filter(d -> d.domain().kind().equals(kind) && d.domain().usedByWorkload()).toList()))
                            .orElse(""),
                    (in, cs) -> cs.get(0).energy().isEmpty() ? in.noEnergy()
                            : cs.get(0).energy().get().domains().stream().anyMatch(d -> d.domain().kind().equals(kind))
                                    ? "the workload uses no " + kind + " (measured apart as not used: see "
                                            + Metric.ENERGY_NOT_USED_J.key() + ")"
                                    : "no " + kind + " energy domain was measured"));
        }
        t.put(Metric.ENERGY_PER_OUTPUT_TOKEN_J, ratio(c -> used(c).map(CycleEnergy::totalJoules),
                c -> (double) c.metrics().outputTokens(), eBasis, noEnergy));
        t.put(Metric.ENERGY_PER_OUTPUT_TOKEN_ADJUSTED_J, ratio(c -> c.energy().flatMap(CycleEnergy::adjustedJoules),
                c -> (double) c.metrics().outputTokens(), adjustedBasis, SummaryCalculator::adjustedReason));
        BiFunction<SummaryInputs, List<CycleResult>, String> measuredBasis = (in, cs) -> cs.get(0).energy()
                .map(e -> basis(e.domains().stream().filter(d -> d.domain().usedByWorkload()
                        && d.domain().method() == MeasurementMethod.MEASURED).toList())
                        + " only (hardware counters)").orElse("");
        BiFunction<SummaryInputs, List<CycleResult>, String> noMeasured = (in, cs) -> cs.get(0).energy().isEmpty()
                ? in.noEnergy() : "no domain the workload uses is read from a hardware counter here (the energy "
                        + "figures are " + energyBasis(cs) + ")";
        t.put(Metric.ENERGY_MEASURED_J, energyMean(c -> c.energy().flatMap(CycleEnergy::measuredJoules),
                measuredBasis, noMeasured));
        t.put(Metric.ENERGY_PER_OUTPUT_TOKEN_MEASURED_J, ratio(c -> c.energy().flatMap(CycleEnergy::measuredJoules),
                c -> (double) c.metrics().outputTokens(), measuredBasis, noMeasured));
        t.put(Metric.ENERGY_NOT_USED_J, energyMean(c -> c.energy().filter(e -> e.domains().stream()
                        .anyMatch(d -> !d.domain().usedByWorkload())).map(CycleEnergy::notUsedJoules),
                (in, cs) -> cs.get(0).energy().map(e -> basis(e.domains().stream()
                        .filter(d -> !d.domain().usedByWorkload()).toList()) + ": " + String.join(", ", e.domains()
                        .stream().filter(d -> !d.domain().usedByWorkload()).map(d -> d.domain().id()).toList())
                        + " (not used by the workload)").orElse(""),
                (in, cs) -> cs.get(0).energy().isEmpty() ? in.noEnergy()
                        : "every measured device is used by the workload"));
        t.put(Metric.ENERGY_PER_REQUEST_J, ratio(c -> used(c).map(CycleEnergy::totalJoules),
                c -> (double) c.metrics().completed(), eBasis, noEnergy));
        t.put(Metric.AVERAGE_POWER_W, ratio(c -> used(c).map(CycleEnergy::totalJoules), c -> c.metrics().durationS(),
                eBasis, noEnergy));
        BiFunction<SummaryInputs, List<CycleResult>, String> carbonBasis = (in, cs) -> in.carbon()
                .map(ci -> energyBasis(cs) + " energy x " + ci.basis() + " intensity").orElse("");
        BiFunction<SummaryInputs, List<CycleResult>, String> noCarbon = (in, cs) -> cs.get(0).energy().isEmpty()
                ? in.noEnergy() : in.noCarbon();
        t.put(Metric.CARBON_G, new Row((in, c) -> c.carbonGrams(), null, carbonBasis, noCarbon,
                (in, cs) -> Optional.empty()));
        t.put(Metric.CARBON_PER_1K_OUTPUT_TOKENS_G, ratio(c -> c.carbonGrams().map(g -> g * 1000),
                c -> (double) c.metrics().outputTokens(), carbonBasis, noCarbon));

        String noFlops = "no FLOPs estimator could estimate this model (see the flops plug-ins in `lem plugins`)";
        BiFunction<SummaryInputs, List<CycleResult>, String> fBasis = (in, cs) -> flopsBasis(cs);
        t.put(Metric.FLOPS_PER_OUTPUT_TOKEN, ratio(c -> c.flops().map(FlopsEstimate::totalFlops),
                c -> (double) c.metrics().outputTokens(), fBasis, (in, cs) -> noFlops));
        t.put(Metric.ACHIEVED_TFLOPS, ratio(c -> c.flops().map(f -> f.totalFlops() / 1e12), c -> c.metrics().durationS(),
                fBasis, (in, cs) -> noFlops));
        t.put(Metric.FLOPS_PER_JOULE, ratio(c -> c.flops().map(FlopsEstimate::totalFlops),
                c -> used(c).map(CycleEnergy::totalJoules).orElse(Double.NaN),
                (in, cs) -> flopsBasis(cs) + (energyBasis(cs).isEmpty() ? "" : " / " + energyBasis(cs) + " energy"),
                (in, cs) -> cs.get(0).flops().isEmpty() ? noFlops : in.noEnergy()));
        t.put(Metric.MFU, new Row(
                (in, c) -> c.flops().map(f -> f.totalFlops() / (in.peak().peakTflops().orElseThrow() * 1e12
                        * in.devices())),
                (in, c) -> c.metrics().durationS(),
                (in, cs) -> flopsBasis(cs) + " / " + in.peak().computeBasis(), (in, cs) -> noFlops,
                (in, cs) -> in.peak().peakTflops().isPresent() ? Optional.empty()
                        : Optional.of(in.peak().computeBasis())));
        t.put(Metric.MBU, new Row(
                (in, c) -> c.memoryTrafficBytes().map(b -> b / (in.peak().peakBandwidthGbS().orElseThrow() * 1e9
                        * in.devices())),
                (in, c) -> c.metrics().durationS(),
                (in, cs) -> "estimated (weights + KV cache per forward pass) / " + in.peak().bandwidthBasis(),
                (in, cs) -> "no architecture known for this model (served models have none unless configured)",
                (in, cs) -> in.peak().peakBandwidthGbS().isPresent() ? Optional.empty()
                        : Optional.of(in.peak().bandwidthBasis())));
        BiFunction<SummaryInputs, List<CycleResult>, String> splitBasis = (in, cs) -> cs.stream()
                .map(CycleResult::phaseSplit).flatMap(Optional::stream).map(PhaseSplit::basis).findFirst().orElse("")
                + "; energy " + energyBasis(cs);
        BiFunction<SummaryInputs, List<CycleResult>, String> noSplit = (in, cs) -> used(cs.get(0)).isEmpty()
                ? in.noEnergy() : "the engine exposes no prefill/decode phase times (vLLM: /metrics "
                        + "request_prefill_time_seconds and request_decode_time_seconds, with options.metrics on; "
                        + "trtllm-serve: /metrics iteration statistics with inflightBatchingStats, with "
                        + "enable_iter_perf_stats and options.metrics on; Triton: none; "
                        + "in-process backends record their phases' energy in the raw results)";
        t.put(Metric.PREFILL_ENERGY_PER_PROMPT_TOKEN_J, ratio(c -> c.phaseSplit().map(PhaseSplit::prefillJoules),
                c -> (double) c.metrics().promptTokens(), splitBasis, noSplit));
        t.put(Metric.DECODE_ENERGY_PER_OUTPUT_TOKEN_J, ratio(c -> c.phaseSplit().map(PhaseSplit::decodeJoules),
                c -> (double) c.metrics().outputTokens(), splitBasis, noSplit));
        String closedLoop = "no request had a scheduled send time (closed loop and batches schedule none; the "
                + "open-loop patterns poisson, gamma and constant do)";
        t.put(Metric.SEND_LAG_P50_MS, mean(c -> c.metrics().sendLagMs().map(LatencyStats::p50), TIMED, closedLoop));
        t.put(Metric.SEND_LAG_P99_MS, mean(c -> c.metrics().sendLagMs().map(LatencyStats::p99), TIMED, closedLoop));
        t.put(Metric.SEND_LAG_MAX_MS, mean(c -> c.metrics().sendLagMs().map(LatencyStats::max), TIMED, closedLoop));
        String counted = "counted (send and final-event timestamps)";
        t.put(Metric.ACHIEVED_REQUEST_RATE_PER_S, mean(c -> c.metrics().achievedSendRatePerS(), counted,
                "fewer than 2 requests were sent"));
        t.put(Metric.MAX_IN_FLIGHT, mean(c -> c.metrics().maxInFlight().map(Integer::doubleValue), counted,
                "no request was sent"));
        t.put(Metric.MEAN_IN_FLIGHT, mean(c -> c.metrics().meanInFlight(), counted, "no request was sent"));
        BiFunction<SummaryInputs, List<CycleResult>, String> noGood = (in, cs) ->
                cs.get(0).metrics().goodRequests().isEmpty()
                        ? "no SLO configured (set slo.ttft_ms, slo.tpot_ms or slo.e2e_ms)"
                        : used(cs.get(0)).isEmpty() ? noEnergy.apply(in, cs)
                                : "no request met every SLO in any cycle";
        t.put(Metric.ENERGY_PER_GOOD_REQUEST_J, ratio(c -> used(c).map(CycleEnergy::totalJoules),
                c -> c.metrics().goodRequests().map(Integer::doubleValue).orElse(Double.NaN), eBasis, noGood));
        t.put(Metric.GOOD_REQUESTS_PER_KJ, ratio(c -> c.metrics().goodRequests().map(Integer::doubleValue),
                c -> used(c).map(e -> e.totalJoules() / 1000).orElse(Double.NaN), eBasis, noGood));
        BiFunction<SummaryInputs, List<CycleResult>, String> attributed = (in, cs) -> "attributed by share of "
                + "in-flight token-time from " + energyBasis(cs) + " energy";
        BiFunction<SummaryInputs, List<CycleResult>, String> noAttribution = (in, cs) -> used(cs.get(0)).isEmpty()
                ? noEnergy.apply(in, cs) : "no request completed";
        t.put(Metric.ENERGY_PER_REQUEST_P50_J, new Row((in, c) -> c.requestEnergy().map(RequestEnergy::p50Joules),
                null, attributed, noAttribution, (in, cs) -> Optional.empty()));
        t.put(Metric.ENERGY_PER_REQUEST_P90_J, new Row((in, c) -> c.requestEnergy().map(RequestEnergy::p90Joules),
                null, attributed, noAttribution, (in, cs) -> Optional.empty()));
        t.put(Metric.ENERGY_PER_REQUEST_P99_J, new Row((in, c) -> c.requestEnergy().map(RequestEnergy::p99Joules),
                null, attributed, noAttribution, (in, cs) -> Optional.empty()));
        // measured once per experiment, not per cycle: see quality(); no per-cycle sample
        t.put(Metric.PERPLEXITY, new Row((in, c) -> Optional.empty(), null, (in, cs) -> "", (in, cs) -> "",
                (in, cs) -> Optional.of(NOT_PER_CYCLE)));
        t.put(Metric.PEAK_RSS_MB, mean(c -> c.peakRssBytes().map(b -> b / 1e6), "measured (/proc/self/status VmHWM)",
                "peak RSS is not readable on this OS"));
        for (Metric m : Metric.values()) {
            if (!t.containsKey(m)) {
                throw new IllegalStateException("the summary table has no row for " + m.key());
            }
        }
        return t;
    }

    /** A cycle's energy when the workload uses at least one of its measured domains. */
    private static Optional<CycleEnergy> used(CycleResult c) {
        return c.energy().filter(e -> e.domains().stream().anyMatch(d -> d.domain().usedByWorkload()));
    }

    private static Row energyMean(Function<CycleResult, Optional<Double>> value,
            BiFunction<SummaryInputs, List<CycleResult>, String> basis,
            BiFunction<SummaryInputs, List<CycleResult>, String> whyMissing) {
        return new Row((in, c) -> value.apply(c), null, basis, whyMissing, (in, cs) -> Optional.empty());
    }

    /**
     * The summary over {@code cycles} (the complete ones, in cycle order): every metric either estimated
     * or listed as unavailable with its reason.
     *
     * @param complete the complete cycles, in cycle order
     * @param inputs what the metrics need besides the cycles
     * @return the summary
     */
    public static Summary summarize(List<CycleResult> complete, SummaryInputs inputs) {
        List<CycleResult> cycles = usable(complete);
        Map<Integer, String> excluded = new java.util.TreeMap<>();
        complete.stream().filter(CycleResult::failedEntirely).forEach(c -> excluded.put(c.cycle(),
                "no request succeeded (" + c.metrics().failed() + " of " + c.metrics().requests() + " failed"
                        + (c.failureReasons().isEmpty() ? "" : "; commonest: "
                                + String.join("; ", c.commonestFailures(2))) + ")"));
        Map<Metric, Estimate> metrics = new EnumMap<>(Metric.class);
        Map<Metric, String> unavailable = new EnumMap<>(Metric.class);
        for (Metric m : Metric.values()) {
            if (!m.acrossCycles()) {
                Optional<Estimate> q = quality(m, inputs);
                if (q.isPresent()) {
                    metrics.put(m, q.get());
                } else {
                    unavailable.put(m, whyNoQuality(m, inputs));
                }
                continue;
            }
            Outcome o = compute(m, cycles, inputs);
            if (o.sample().isPresent()) {
                metrics.put(m, estimate(m, o.sample().get(), inputs).describedAs(m.unit(), o.basis()));
            } else {
                unavailable.put(m, o.whyMissing());
            }
        }
        return new Summary(metrics, unavailable, cycles.size(), inputs.stopReason(), excluded);
    }

    /**
     * The cycles a summary is over: those in which at least one request succeeded. A cycle in which every request
     * failed has no latency, and its zero throughput would drag every interval below zero; it is left out of
     * every figure and listed in {@link Summary#excludedCycles()}.
     *
     * @param complete the complete cycles
     * @return those with at least one successful request, in the same order
     */
    public static List<CycleResult> usable(List<CycleResult> complete) {
        return complete.stream().filter(c -> !c.failedEntirely()).toList();
    }

    /**
     * The per-cycle observations of one metric over the {@linkplain #usable usable} ones of {@code cycles}, in
     * cycle order; empty when the metric is unavailable.
     *
     * @param metric the metric
     * @param cycles the complete cycles, in cycle order
     * @param inputs what the metrics need besides the cycles
     * @return the observations; empty when the metric is unavailable
     */
    public static Optional<CycleSample> sample(Metric metric, List<CycleResult> cycles, SummaryInputs inputs) {
        return compute(metric, usable(cycles), inputs).sample();
    }

    /**
     * The estimate of one metric over the {@linkplain #usable usable} ones of {@code cycles} (nothing else is
     * computed), or empty with no sample.
     *
     * @param metric the metric
     * @param cycles the complete cycles, in cycle order
     * @param inputs what the metrics need besides the cycles
     * @return the estimate; empty when the metric is unavailable
     */
    public static Optional<Estimate> estimate(Metric metric, List<CycleResult> cycles, SummaryInputs inputs) {
        if (!metric.acrossCycles()) {
            return quality(metric, inputs);
        }
        Outcome o = compute(metric, usable(cycles), inputs);
        return o.sample().map(s -> estimate(metric, s, inputs).describedAs(metric.unit(), o.basis()));
    }

    /**
     * The per-cycle observations behind one metric of an aggregated result (its complete cycles).
     *
     * @param result the aggregated result
     * @param metric the metric
     * @return the observations; empty when the metric is unavailable
     */
    public static Optional<CycleSample> sample(ExperimentResult result, Metric metric) {
        return sample(metric, result.completeCycles(), SummaryInputs.of(result));
    }

    /** A figure measured once per experiment ({@link Metric#acrossCycles()} false), from the quality measurement. */
    private static Optional<Estimate> quality(Metric m, SummaryInputs in) {
        if (m != Metric.PERPLEXITY) {
            return Optional.empty();
        }
        return in.quality().flatMap(QualityResult::perplexity)
                .map(p -> p.estimate(in.config().stats().intervals(), in.config().seed() + m.ordinal()));
    }

    private static String whyNoQuality(Metric m, SummaryInputs in) {
        if (!in.config().quality().perplexity().enabled()) {
            return "no quality.perplexity.dataset configured (set it to builtin, or to a .txt or .jsonl file)";
        }
        return in.quality().flatMap(QualityResult::perplexityUnavailable).orElse("not measured: the experiment ended "
                + "before its quality window ran (it runs after the last cycle)");
    }

    private static Estimate estimate(Metric m, CycleSample s, SummaryInputs in) {
        return CrossCycleStatistics.estimate(s, in.config().stats().intervals(), in.config().seed() + m.ordinal(),
                m.positive());
    }

    private record Outcome(Optional<CycleSample> sample, String basis, String whyMissing) {
    }

    private static Outcome compute(Metric m, List<CycleResult> cycles, SummaryInputs in) {
        if (cycles.isEmpty()) {
            return new Outcome(Optional.empty(), "", "no complete cycle was recorded");
        }
        Row row = TABLE.get(m);
        Optional<String> pre = row.precondition().apply(in, cycles);
        if (pre.isPresent()) {
            return new Outcome(Optional.empty(), "", pre.get());
        }
        String why = row.whyMissing().apply(in, cycles);
        double[] num = new double[cycles.size()];
        double[] den = new double[cycles.size()];
        double denSum = 0;
        for (int i = 0; i < num.length; i++) {
            Optional<Double> x = row.value().apply(in, cycles.get(i));
            if (x.isEmpty() || !Double.isFinite(x.get())) {
                return new Outcome(Optional.empty(), "", why);
            }
            num[i] = x.get();
            if (row.ratio()) {
                double d = row.denominator().apply(in, cycles.get(i));
                if (!Double.isFinite(d)) {
                    return new Outcome(Optional.empty(), "", why);
                }
                den[i] = d;
                denSum += d;
            }
        }
        if (row.ratio() && denSum == 0) {
            return new Outcome(Optional.empty(), "", why);
        }
        CycleSample s = row.ratio() ? CycleSample.ratioOfSums(num, den) : CycleSample.of(num);
        return new Outcome(Optional.of(s), row.basis().apply(in, cycles), why);
    }

    private static String energyBasis(List<CycleResult> cycles) {
        return cycles.get(0).energy().map(CycleEnergy::basis).orElse("");
    }

    private static String flopsBasis(List<CycleResult> cycles) {
        return cycles.get(0).flops().map(f -> f.estimator().equals(f.confidence().label())
                ? f.confidence().label() : f.confidence().label() + " (" + f.estimator() + ")").orElse("");
    }

    private static String adjustedReason(SummaryInputs in, List<CycleResult> cycles) {
        if (cycles.get(0).energy().isEmpty()) {
            return in.noEnergy();
        }
        return "no idle baseline for every domain (energy.idle_baseline_s is 0, or a meter gave no baseline)";
    }

    /**
     * How a set of domains was obtained, e.g. {@code "measured: gpu; estimated: cpu, ram"}.
     *
     * @param domains the domains' energies
     * @return the basis, each method followed by its domains
     */
    public static String basis(List<DomainEnergy> domains) {
        Map<String, Set<String>> byMethod = new java.util.TreeMap<>(Comparator.comparing((String label) ->
                MeasurementMethod.valueOf(label.split(" ")[0].toUpperCase(java.util.Locale.ROOT)).ordinal())
                .thenComparing(Comparator.naturalOrder()));
        domains.forEach(d -> byMethod.computeIfAbsent(d.domain().methodLabel(), m -> new LinkedHashSet<>())
                .add(d.domain().kind()));
        if (byMethod.size() == 1) {
            return byMethod.keySet().iterator().next();
        }
        return byMethod.entrySet().stream().map(e -> e.getKey() + ": " + String.join(", ", e.getValue()))
                .collect(Collectors.joining("; "));
    }
}
