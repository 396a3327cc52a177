package dev.lem.results;

import dev.lem.result.CycleEnergy;
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

    /** Aggregates an experiment from its raw files' contents. */
    public static ExperimentResult aggregate(String id, List<RunSetup> setups, List<ProcessResult> results) {
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
                warnings.add("cycle " + e.getKey() + " has results from ranks " + c.processes() + " of " + worldSize
                        + "; it is kept in cycles but left out of the summary");
            }
        }
        throttleWarning(cycles).ifPresent(warnings::add);
        Summary summary = SummaryCalculator.summarize(complete,
                SummaryInputs.of(config, sorted, carbon, carbonReason));
        return new ExperimentResult(ResultsJson.SCHEMA_VERSION, id, Instant.now(), config, first.environment(),
                first.model(), sorted, cycles, summary, carbon, MetricDefinitions.all(), warnings);
    }

    /**
     * One warning for the cycles during which a device throttled (thermal or power), naming them and the worst
     * shares of samples; empty when none did.
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

    /** Merges one cycle's process results. */
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
        return new CycleResult(cycle, ps.stream().map(ProcessResult::rank).toList(), metrics, energy, grams, flops,
                throttle, rss, memoryTraffic(requests, config, model), warnings);
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
        return Optional.of(MemoryTraffic.cycleTraffic(model.get().architecture().get(), dtype.get(), tokens,
                config.batching().batchSize()).totalBytes());
    }

    /** Merges energy by the scope rules; empty when no process measured energy. */
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
