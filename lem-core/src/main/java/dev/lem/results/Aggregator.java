package dev.lem.results;

import dev.lem.Metric;
import dev.lem.env.EnvironmentCapture;
import dev.lem.result.Completeness;
import dev.lem.result.CycleEnergy;
import dev.lem.result.RunStatus;
import dev.lem.result.CycleResult;
import dev.lem.result.ExperimentResult;
import dev.lem.result.ProcessResult;
import dev.lem.result.RunSetup;
import dev.lem.result.Summary;
import dev.lem.result.SummaryCalculator;
import dev.lem.result.SummaryInputs;
import dev.lem.config.ExperimentConfig;
import dev.lem.energy.CarbonIntensities;
import dev.lem.energy.CarbonIntensity;
import dev.lem.energy.DomainEnergy;
import dev.lem.energy.DomainScope;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.ThrottleSummary;
import dev.lem.flops.FlopsEstimate;
import dev.lem.flops.FlopsInput;
import dev.lem.flops.MemoryTraffic;
import dev.lem.model.TensorDtype;
import dev.lem.spi.ModelInfo;
import dev.lem.metrics.CycleMetrics;
import dev.lem.metrics.CycleMetricsCalculator;
import dev.lem.metrics.MetricDefinitions;
import dev.lem.metrics.RequestRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Late aggregation: merges the raw per-process results of each cycle (sums of tokens and energy,
 * maxima of memory, latency percentiles recomputed from the pooled raw timelines — never averaged
 * percentiles), then has {@link SummaryCalculator} compute the statistics across the complete cycles.
 *
 * <p>Energy merging: a {@link DomainScope#DEVICE device} domain counts once per device, a
 * {@link DomainScope#MACHINE machine} domain once per host (from the lowest-ranked process on that
 * host), {@link DomainScope#PROCESS process} domains are summed. So four processes on one machine do
 * not count the CPU package four times.
 */
public final class Aggregator {
    private Aggregator() {
    }

    /**
     * Aggregates an experiment from its raw files' contents.
     *
     * @param id the experiment id
     * @param setups every process's setup
     * @param results every raw process result
     * @return the aggregated result
     */
    public static ExperimentResult aggregate(String id, List<RunSetup> setups, List<ProcessResult> results) {
        return aggregate(id, setups, results, List.of());
    }

    /**
     * Aggregates an experiment from its raw files' contents.
     *
     * @param id the experiment id
     * @param setups every process's setup
     * @param results every readable raw process result
     * @param skipped raw files that could not be read and were left out, each with the reason (they are listed in
     *                the warnings, and their cycles are reported missing)
     * @return the aggregated result
     */
    public static ExperimentResult aggregate(String id, List<RunSetup> setups, List<ProcessResult> results,
            List<String> skipped) {
        if (setups.isEmpty()) {
            throw new ResultsException("Experiment " + id + " has no process setups to aggregate");
        }
        List<RunSetup> sorted = setups.stream().sorted(Comparator.comparingInt(RunSetup::rank)).toList();
        RunSetup first = sorted.get(0);
        ExperimentConfig config = first.config();
        int worldSize = first.worldSize();
        List<String> warnings = new ArrayList<>();
        sorted.forEach(s -> s.warnings().forEach(w -> warnings.add(prefix(s.rank(), worldSize) + w)));
        sorted.forEach(s -> s.failure().ifPresent(f -> warnings.add(prefix(s.rank(), worldSize) + "stopped early: " + f)));
        Set<Integer> ranksPresent = sorted.stream().map(RunSetup::rank).collect(Collectors.toCollection(TreeSet::new));
        if (ranksPresent.size() < worldSize) {
            warnings.add("only ranks " + ranksPresent + " of " + worldSize + " wrote a setup");
        }
        skipped.forEach(sk -> warnings.add("left out, unreadable: " + sk));

        Optional<CarbonIntensity> carbon = Optional.empty();
        String carbonReason = CarbonIntensities.whyUnavailable(config.carbon());
        try {
            carbon = CarbonIntensities.resolve(config.carbon(),
                    first.environment().contributions().getOrDefault("carbon", Map.of()));
        } catch (RuntimeException e) {
            carbonReason = e.getMessage();
            warnings.add("carbon: " + e.getMessage());
        }

        Map<Integer, List<ProcessResult>> byCycle = new TreeMap<>();
        for (ProcessResult r : results) {
            byCycle.computeIfAbsent(r.cycle(), c -> new ArrayList<>()).add(r);
        }
        List<CycleResult> cycles = new ArrayList<>();
        List<CycleResult> complete = new ArrayList<>();
        for (Map.Entry<Integer, List<ProcessResult>> e : byCycle.entrySet()) {
            CycleResult c = mergeCycle(e.getKey(), e.getValue(), config, carbon, first.model());
            cycles.add(c);
            if (c.processes().size() == worldSize) {
                complete.add(c);
            } else {
                warnings.add("cycle " + (e.getKey() + 1) + " has results from ranks " + c.processes() + " of " + worldSize
                        + "; it is kept in cycles but left out of the summary");
            }
        }
        int last = byCycle.isEmpty() ? -1 : ((TreeMap<Integer, ?>) byCycle).lastKey();
        List<String> missing = new ArrayList<>();
        for (int c = 0; c < last; c++) {
            if (!byCycle.containsKey(c)) {
                missing.add(String.valueOf(c + 1));
            }
        }
        if (!missing.isEmpty()) {
            warnings.add("cycle" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing) + " of 1.." + (last + 1)
                    + " have no results (a file was unreadable or removed); the summary is over the others");
        }
        warnings.addAll(failureWarnings(complete));
        throttleWarning(cycles).ifPresent(warnings::add);
        SummaryInputs inputs = SummaryInputs.of(config, sorted, carbon, carbonReason);
        Summary summary = SummaryCalculator.summarize(complete, inputs);
        warnings.addAll(outlierWarnings(summary, complete, inputs));
        Status status = status(sorted, worldSize, complete,
                complete.stream().map(CycleResult::cycle).collect(Collectors.toCollection(TreeSet::new)), config);
        return new ExperimentResult(ResultsJson.SCHEMA_VERSION, id, Instant.now(), config, first.environment(),
                first.model(), sorted, cycles, summary, carbon, MetricDefinitions.all(), warnings, status.state(),
                status.reason());
    }

    /**
     * An experiment's completeness and why.
     *
     * @param state  the state
     * @param reason why it is not complete; empty when it is
     */
    public record Status(Completeness state, String reason) {
    }

    /**
     * Where an experiment stands, from its processes' setups (their end markers) and its complete cycles: failed
     * or interrupted as a process recorded it; incomplete when a process left no end marker (still running, or
     * killed without a chance to write one) or a rank wrote no setup; incomplete when fewer cycles have results
     * from every rank than the processes recorded running (a cycle file was unreadable and skipped, or removed);
     * failed when more requests failed than {@code stats.max_failure_rate}; else complete.
     *
     * @param setups every process's setup
     * @param worldSize the number of processes
     * @param complete      the cycles with results from every rank (for the failure rate; may be empty when only
     *                      the end markers matter)
     * @param wholeCycles   the numbers (0-based) of the cycles with readable results from every rank
     * @param config the experiment's configuration
     * @return the status
     */
    public static Status status(List<RunSetup> setups, int worldSize, List<CycleResult> complete,
            java.util.SortedSet<Integer> wholeCycles, ExperimentConfig config) {
        String planned = config.stats().adaptive().enabled() ? "at most " + config.stats().adaptive().maxCycles()
                : String.valueOf(config.cycles());
        for (RunSetup s : setups) {
            if (s.status() == RunStatus.FAILED) {
                return new Status(Completeness.FAILED, s.failure().orElse("failed") + " (" + complete.size() + " of "
                        + planned + " cycles completed)");
            }
        }
        for (RunSetup s : setups) {
            if (s.status() == RunStatus.INTERRUPTED) {
                return new Status(Completeness.INTERRUPTED, s.failure().orElse("interrupted"));
            }
        }
        for (RunSetup s : setups) {
            if (s.status() == RunStatus.RUNNING) {
                boolean alive = s.host().equals(EnvironmentCapture.hostName())
                        && ProcessHandle.of(s.pid()).map(ProcessHandle::isAlive).orElse(false);
                return new Status(Completeness.INCOMPLETE, alive
                        ? "still running (pid " + s.pid() + "); " + s.cyclesRun() + " of " + planned + " cycles so far"
                        : "no end marker: the process (pid " + s.pid() + " on " + s.host() + ") stopped without "
                                + "writing one (killed with SIGKILL, out of memory, or the machine stopped) after "
                                + s.cyclesRun() + " of " + planned + " cycles");
            }
        }
        if (setups.size() < worldSize) {
            return new Status(Completeness.INCOMPLETE, "only " + setups.size() + " of " + worldSize
                    + " processes wrote a setup");
        }
        int recorded = setups.stream().mapToInt(RunSetup::cyclesRun).max().orElse(0);
        if (wholeCycles.size() < recorded) {
            List<String> gone = new ArrayList<>();
            for (int c = 0; c < recorded; c++) {
                if (!wholeCycles.contains(c)) {
                    gone.add(String.valueOf(c + 1));
                }
            }
            return new Status(Completeness.INCOMPLETE, wholeCycles.size() + " of the " + recorded + " cycles run have "
                    + "readable results; missing: cycle" + (gone.size() == 1 ? " " : "s ") + String.join(", ", gone)
                    + " (a file was unreadable and skipped, or removed)");
        }
        long requests = complete.stream().mapToLong(c -> c.metrics().requests()).sum();
        long failed = complete.stream().mapToLong(c -> c.metrics().failed()).sum();
        double max = config.stats().maxFailureRate();
        if (requests > 0 && (double) failed / requests > max) {
            return new Status(Completeness.FAILED, String.format(Locale.ROOT, "%d of %d requests failed (%.1f%%), above "
                    + "stats.max_failure_rate (%.1f%%)", failed, requests, 100.0 * failed / requests, 100 * max));
        }
        return new Status(Completeness.COMPLETE, "");
    }

    /** One warning per cycle in which requests failed: how many, and the commonest reasons. */
    static List<String> failureWarnings(List<CycleResult> cycles) {
        List<String> out = new ArrayList<>();
        for (CycleResult c : cycles) {
            if (c.metrics().failed() == 0) {
                continue;
            }
            String head = c.metrics().completed() == 0
                    ? "cycle " + (c.cycle() + 1) + ": every request failed (" + c.metrics().failed() + " of "
                            + c.metrics().requests() + "); the cycle is left out of the summary"
                    : String.format(Locale.ROOT, "cycle %d: %d of %d requests failed (%.1f%%)", c.cycle() + 1,
                            c.metrics().failed(), c.metrics().requests(), 100.0 * c.failureRate());
            List<String> reasons = c.commonestFailures(3);
            out.add(head + (reasons.isEmpty() ? "" : "; commonest: " + String.join("; ", reasons)));
        }
        return out;
    }

    private static final List<Metric> OUTLIER_METRICS = List.of(Metric.OUTPUT_TOKENS_PER_S, Metric.TTFT_MEAN_MS,
            Metric.TPOT_MEAN_MS, Metric.E2E_MEAN_MS, Metric.ENERGY_PER_OUTPUT_TOKEN_J);

    /** The outlier cycles of the headline metrics, with the cycle's value against the median. */
    static List<String> outlierWarnings(Summary summary, List<CycleResult> complete, SummaryInputs inputs) {
        List<String> out = new ArrayList<>();
        List<CycleResult> used = SummaryCalculator.usable(complete);
        for (Metric m : OUTLIER_METRICS) {
            summary.find(m).ifPresent(e -> {
                if (e.outlierCycles().isEmpty()) {
                    return;
                }
                SummaryCalculator.sample(m, used, inputs).map(dev.lem.stats.CycleSample::perCycle).ifPresent(values -> {
                    double[] sorted = values.clone();
                    java.util.Arrays.sort(sorted);
                    double median = dev.lem.stats.Percentiles.linear(sorted, 0.5);
                    for (int i : e.outlierCycles()) {
                        out.add(String.format(Locale.ROOT, "cycle %d is an outlier in %s: %.4g %s against a median of "
                                + "%.4g (flagged, still included)", used.get(i).cycle() + 1, m.key(), values[i], m.unit(),
                                median));
                    }
                });
            });
        }
        return out;
    }

    /**
     * One warning for the cycles during which a device throttled (thermal or power), naming them and the worst
     * shares of samples; empty when none did.
     *
     * @param cycles the cycles
     * @return the warning; empty when no device throttled
     */
    public static Optional<String> throttleWarning(List<CycleResult> cycles) {
        List<CycleResult> hit = cycles.stream().filter(c -> c.throttle().map(ThrottleSummary::flagged).orElse(false))
                .toList();
        if (hit.isEmpty()) {
            return Optional.empty();
        }
        double thermal = hit.stream().mapToDouble(c -> c.throttle().orElseThrow().thermalShare()).max().orElse(0);
        double power = hit.stream().mapToDouble(c -> c.throttle().orElseThrow().powerShare()).max().orElse(0);
        Set<String> reasons = new TreeSet<>();
        hit.forEach(c -> reasons.addAll(c.throttle().orElseThrow().reasons()));
        return Optional.of(String.format(java.util.Locale.ROOT, "throttling in %d of %d cycles (cycle%s %s): thermal in "
                + "up to %.0f%% and power in up to %.0f%% of samples (%s); their speed and energy reflect throttled "
                + "clocks", hit.size(), cycles.size(), hit.size() == 1 ? "" : "s",
                String.join(", ", hit.stream().map(c -> String.valueOf(c.cycle() + 1)).toList()), 100 * thermal,
                100 * power, String.join(", ", reasons)));
    }

    private static String prefix(int rank, int worldSize) {
        return worldSize > 1 ? "rank " + rank + ": " : "";
    }

    /**
     * Merges one cycle's process results.
     *
     * @param cycle the cycle number
     * @param procs the cycle's result of each process
     * @param config the experiment's configuration
     * @param carbon the carbon intensity of the electricity, when known
     * @param model the model's facts, when known
     * @return the cycle's result
     */
    public static CycleResult mergeCycle(int cycle, List<ProcessResult> procs, ExperimentConfig config,
            Optional<CarbonIntensity> carbon, Optional<ModelInfo> model) {
        List<ProcessResult> ps = procs.stream().sorted(Comparator.comparingInt(ProcessResult::rank)).toList();
        List<RequestRecord> requests = new ArrayList<>();
        Instant firstDispatch = null;
        Instant lastCompletion = null;
        for (ProcessResult p : ps) {
            requests.addAll(p.requests());
            for (RequestRecord r : p.requests()) {
                Instant s = p.startedAt().plusNanos(r.startNanos());
                Instant e = p.startedAt().plusNanos(r.endNanos());
                firstDispatch = firstDispatch == null || s.isBefore(firstDispatch) ? s : firstDispatch;
                lastCompletion = lastCompletion == null || e.isAfter(lastCompletion) ? e : lastCompletion;
            }
        }
        double durationS = firstDispatch == null ? ps.stream().mapToLong(ProcessResult::durationNanos).max().orElse(0) / 1e9
                : java.time.Duration.between(firstDispatch, lastCompletion).toNanos() / 1e9;
        CycleMetrics metrics = CycleMetricsCalculator.compute(requests, durationS, config.slo());
        Optional<CycleEnergy> energy = mergeEnergy(ps);
        Optional<Double> grams = energy.filter(en -> en.domains().stream().anyMatch(d -> d.domain().usedByWorkload()))
                .flatMap(en -> carbon.map(c -> c.gramsFor(en.totalJoules())));
        Optional<FlopsEstimate> flops = mergeFlops(ps);
        Optional<ThrottleSummary> throttle = ps.stream().map(p -> p.energy().flatMap(e -> e.throttle()))
                .flatMap(Optional::stream)
                .max(Comparator.comparingDouble((ThrottleSummary t) -> t.thermalShare() + t.powerShare()));
        Optional<Long> rss = ps.stream().map(ProcessResult::peakRssBytes).flatMap(Optional::stream)
                .max(Long::compare);
        List<String> warnings = new ArrayList<>();
        ps.forEach(p -> p.warnings().forEach(w -> warnings.add((ps.size() > 1 ? "rank " + p.rank() + ": " : "") + w)));
        throttle.filter(ThrottleSummary::flagged).ifPresent(t -> warnings.add(String.format(
                "throttling during the cycle: thermal %.0f%% and power %.0f%% of samples (%s)",
                100 * t.thermalShare(), 100 * t.powerShare(), String.join(", ", t.reasons()))));
        Map<String, Integer> reasons = new LinkedHashMap<>();
        requests.stream().filter(r -> !r.ok()).map(r -> r.error().orElse("no reason given"))
                .collect(Collectors.groupingBy(x -> x, TreeMap::new, Collectors.counting())).entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(CycleResult.MAX_FAILURE_REASONS)
                .forEach(e -> reasons.put(e.getKey(), e.getValue().intValue()));
        return new CycleResult(cycle, ps.stream().map(ProcessResult::rank).toList(), metrics, energy, grams, flops,
                throttle, rss, memoryTraffic(requests, config, model), warnings, reasons, phaseSplit(ps, energy),
                requestEnergy(ps, energy));
    }

    /**
     * The cycle's energy (over the domains the workload uses) apportioned by the engine's phase times, which the
     * processes recorded as counters (the engine's own counters' increase over the window): per-request phase
     * times ({@link dev.lem.result.PhaseSplit#PREFILL_TIME_COUNTER} and
     * {@link dev.lem.result.PhaseSplit#DECODE_TIME_COUNTER}, vLLM), else iteration time by phase
     * ({@link dev.lem.result.PhaseSplit#PREFILL_ITERATION_TIME_COUNTER} and
     * {@link dev.lem.result.PhaseSplit#DECODE_ITERATION_TIME_COUNTER}, TensorRT-LLM), each with its own basis.
     * Every process must have the same pair: one process without it gives no split of the whole.
     */
    static Optional<dev.lem.result.PhaseSplit> phaseSplit(List<ProcessResult> ps, Optional<CycleEnergy> energy) {
        Optional<CycleEnergy> used = energy.filter(en -> en.domains().stream().anyMatch(d -> d.domain()
                .usedByWorkload()));
        if (used.isEmpty() || ps.isEmpty()) {
            return Optional.empty();
        }
        double joules = used.get().totalJoules();
        Optional<double[]> perRequest = phaseSums(ps, dev.lem.result.PhaseSplit.PREFILL_TIME_COUNTER,
                dev.lem.result.PhaseSplit.DECODE_TIME_COUNTER);
        if (perRequest.isPresent()) {
            return Optional.of(dev.lem.result.PhaseSplit.byPhaseTime(joules, perRequest.get()[0],
                    perRequest.get()[1], "the engine's per-request prefill and decode times over the cycle's window"));
        }
        return phaseSums(ps, dev.lem.result.PhaseSplit.PREFILL_ITERATION_TIME_COUNTER,
                dev.lem.result.PhaseSplit.DECODE_ITERATION_TIME_COUNTER)
                .map(t -> dev.lem.result.PhaseSplit.byIterationTime(joules, t[0], t[1], "TensorRT-LLM iteration "
                        + "statistics over the cycle's window: context-only iterations to prefill, generation-only "
                        + "to decode, mixed iterations by token work"));
    }

    /**
     * The two counters summed over the processes: {prefill, decode} s; empty when a process lacks either, or the
     * sums are negative or both zero (nothing to split by).
     */
    private static Optional<double[]> phaseSums(List<ProcessResult> ps, String prefillCounter, String decodeCounter) {
        double prefill = 0;
        double decode = 0;
        for (ProcessResult p : ps) {
            Double a = p.counters().get(prefillCounter);
            Double b = p.counters().get(decodeCounter);
            if (a == null || b == null) {
                return Optional.empty(); // one process without phase times: no honest split of the whole
            }
            prefill += a;
            decode += b;
        }
        if (prefill < 0 || decode < 0 || prefill + decode <= 0) {
            return Optional.empty();
        }
        return Optional.of(new double[] {prefill, decode});
    }

    /**
     * The cycle's energy (over the domains the workload uses) divided among its requests by their share of in-flight
     * token-time, every process's requests on one timeline (each process's cycle start as it recorded it).
     */
    static Optional<dev.lem.metrics.RequestEnergy> requestEnergy(List<ProcessResult> ps, Optional<CycleEnergy> energy) {
        Optional<CycleEnergy> used = energy.filter(e -> e.domains().stream().anyMatch(d -> d.domain().usedByWorkload()));
        if (used.isEmpty()) {
            return Optional.empty();
        }
        Instant origin = ps.stream().map(ProcessResult::startedAt).min(Instant::compareTo).orElseThrow();
        List<dev.lem.metrics.EnergyAttribution.Span> spans = new ArrayList<>();
        for (ProcessResult p : ps) {
            long offset = java.time.Duration.between(origin, p.startedAt()).toNanos();
            p.requests().forEach(r -> spans.add(dev.lem.metrics.EnergyAttribution.Span.of(r, offset)));
        }
        return dev.lem.metrics.EnergyAttribution.summarize(spans, used.get().totalJoules());
    }

    /** Bytes moved per cycle for MBU, for in-process models with a known architecture. */
    static Optional<Double> memoryTraffic(List<RequestRecord> requests, ExperimentConfig config,
            Optional<ModelInfo> model) {
        if (model.isEmpty() || model.get().source().equals("server") || model.get().architecture().isEmpty()) {
            return Optional.empty();
        }
        Optional<TensorDtype> dtype = TensorDtype.find(model.get().dtype());
        if (dtype.isEmpty()) {
            return Optional.empty();
        }
        List<FlopsInput.RequestTokens> tokens = requests.stream().filter(RequestRecord::ok)
                .map(r -> new FlopsInput.RequestTokens(r.promptTokens(), r.outputTokens())).toList();
        if (tokens.isEmpty()) {
            return Optional.empty();
        }
        Optional<Double> weightBytes = model.get().weights().flatMap(dev.lem.spi.WeightFormat::bytesPerForwardPass);
        return Optional.of((weightBytes.isPresent()
                ? MemoryTraffic.cycleTraffic(model.get().architecture().get(), dtype.get(), tokens,
                        config.batching().batchSize(), weightBytes.get())
                : MemoryTraffic.cycleTraffic(model.get().architecture().get(), dtype.get(), tokens,
                        config.batching().batchSize())).totalBytes());
    }

    /**
     * Merges energy by the scope rules; empty when no process measured energy.
     *
     * @param procs the cycle's result of each process
     * @return the merged energy; empty when no process measured energy
     */
    public static Optional<CycleEnergy> mergeEnergy(List<ProcessResult> procs) {
        List<ProcessResult> ps = procs.stream().filter(p -> p.energy().isPresent())
                .sorted(Comparator.comparingInt(ProcessResult::rank)).toList();
        if (ps.isEmpty()) {
            return Optional.empty();
        }
        boolean multiHost = ps.stream().map(ProcessResult::host).distinct().count() > 1;
        boolean multiRank = ps.size() > 1;
        Map<String, DomainEnergy> kept = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        Set<String> dropped = new TreeSet<>();
        for (ProcessResult p : ps) {
            for (DomainEnergy d : p.energy().get().domains()) {
                EnergyDomain dom = d.domain();
                String hostPrefix = multiHost ? p.host() + "/" : "";
                String key = switch (dom.scope()) {
                    case DEVICE -> hostPrefix + "device:" + (dom.device().isEmpty() ? dom.id() : dom.device());
                    case MACHINE -> hostPrefix + "machine:" + dom.id();
                    case PROCESS -> "rank" + p.rank() + ":" + dom.id();
                };
                if (kept.containsKey(key)) {
                    dropped.add(dom.id() + " from rank " + p.rank());
                    DomainEnergy k = kept.get(key);
                    if (dom.usedByWorkload() && !k.domain().usedByWorkload()) {
                        // a device several processes see is the workload's when any of them uses it
                        kept.put(key, new DomainEnergy(k.domain().withUse(dev.lem.energy.DomainUse.WORKLOAD),
                                k.joules(), k.idleWatts(), k.adjustedJoules(), k.belowIdle()));
                    }
                    continue;
                }
                String id = dom.scope() == DomainScope.PROCESS && multiRank ? "rank" + p.rank() + "/" + dom.id()
                        : hostPrefix + dom.id();
                String base = id;
                if (kept.values().stream().anyMatch(k -> k.domain().id().equals(base))) {
                    // two processes each call their own GPU "gpu[0]": name the second by its device
                    id = base + "@" + (dom.device().isEmpty() ? "rank" + p.rank() : dom.device());
                }
                EnergyDomain renamed = dom.withId(id);
                kept.put(key, new DomainEnergy(renamed, d.joules(), d.idleWatts(), d.adjustedJoules(), d.belowIdle()));
            }
            p.energy().get().notes().forEach(n -> notes.add((multiRank ? "rank " + p.rank() + ": " : "") + n));
        }
        if (!dropped.isEmpty()) {
            notes.add("counted once per device/host (lowest rank kept), not summed: " + String.join(", ", dropped));
        }
        List<DomainEnergy> domains = List.copyOf(kept.values());
        List<DomainEnergy> used = domains.stream().filter(d -> d.domain().usedByWorkload()).toList();
        double total = used.stream().mapToDouble(DomainEnergy::joules).sum();
        boolean allAdjusted = !used.isEmpty() && used.stream().allMatch(d -> d.adjustedJoules().isPresent());
        Optional<Double> adjusted = allAdjusted
                ? Optional.of(used.stream().mapToDouble(d -> d.adjustedJoules().orElseThrow()).sum())
                : Optional.empty();
        Map<String, Double> byKind = new TreeMap<>();
        used.forEach(d -> byKind.merge(d.domain().kind(), d.joules(), Double::sum));
        List<DomainEnergy> measured = used.stream()
                .filter(d -> d.domain().method() == dev.lem.energy.MeasurementMethod.MEASURED).toList();
        Optional<Double> measuredJoules = measured.isEmpty() ? Optional.empty()
                : Optional.of(measured.stream().mapToDouble(DomainEnergy::joules).sum());
        double notUsed = domains.stream().filter(d -> !d.domain().usedByWorkload()).mapToDouble(DomainEnergy::joules)
                .sum();
        Optional<String> disturbed = ps.stream().map(p -> p.energy().get().baselineDisturbed())
                .flatMap(Optional::stream).findFirst();
        return Optional.of(new CycleEnergy(domains, total, adjusted, byKind, SummaryCalculator.basis(used), notes,
                measuredJoules, notUsed, disturbed));
    }

    private static Optional<FlopsEstimate> mergeFlops(List<ProcessResult> ps) {
        List<FlopsEstimate> all = ps.stream().map(ProcessResult::flops).flatMap(Optional::stream).toList();
        if (all.isEmpty() || all.size() != ps.size()) {
            return Optional.empty();
        }
        FlopsEstimate worst = all.stream().max(Comparator.comparing(FlopsEstimate::confidence)).orElseThrow();
        String estimators = all.stream().map(FlopsEstimate::estimator).distinct().collect(Collectors.joining(", "));
        return Optional.of(new FlopsEstimate(estimators, worst.confidence(),
                all.stream().mapToDouble(FlopsEstimate::prefillFlops).sum(),
                all.stream().mapToDouble(FlopsEstimate::decodeFlops).sum(),
                all.size() == 1 ? all.get(0).notes() : "summed over " + all.size() + " processes"));
    }

}
