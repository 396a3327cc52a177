package dev.lem.results;

import dev.lem.CycleEnergy;
import dev.lem.CycleResult;
import dev.lem.ExperimentResult;
import dev.lem.Metric;
import dev.lem.MetricSummary;
import dev.lem.PluginStatus;
import dev.lem.ProcessResult;
import dev.lem.RunSetup;
import dev.lem.Summary;
import dev.lem.config.ExperimentConfig;
import dev.lem.energy.CarbonIntensities;
import dev.lem.energy.CarbonIntensity;
import dev.lem.energy.DomainEnergy;
import dev.lem.energy.DomainScope;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.MeasurementMethod;
import dev.lem.energy.ThrottleSummary;
import dev.lem.flops.FlopsEstimate;
import dev.lem.flops.FlopsInput;
import dev.lem.flops.MemoryTraffic;
import dev.lem.flops.Utilisation;
import dev.lem.model.TensorDtype;
import dev.lem.spi.ModelInfo;
import dev.lem.metrics.CycleMetrics;
import dev.lem.metrics.CycleMetricsCalculator;
import dev.lem.metrics.LatencyStats;
import dev.lem.metrics.MetricDefinitions;
import dev.lem.metrics.RequestRecord;
import dev.lem.stats.CrossCycleStatistics;
import dev.lem.stats.CycleSample;
import dev.lem.stats.Estimate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Late aggregation: merges the raw per-process results of each cycle (sums of tokens and energy,
 * maxima of memory, latency percentiles recomputed from the pooled raw timelines — never averaged
 * percentiles), then computes statistics across cycles.
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
            carbon = CarbonIntensities.resolve(config.carbon());
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
        Summary summary = summarize(complete, config, energyUnavailableReason(sorted), carbon, carbonReason,
                first.stopReason(), Optional.of(first));
        return new ExperimentResult(ResultsJson.SCHEMA_VERSION, id, Instant.now(), config, first.environment(),
                first.model(), sorted, cycles, summary, carbon, MetricDefinitions.all(), warnings);
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
        Optional<Double> grams = energy.flatMap(en -> carbon.map(c -> c.gramsFor(en.totalJoules())));
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

    /** The accelerator's name as a telemetry source reported it (e.g. NVML's {@code gpu0.name}). */
    static Optional<String> deviceName(RunSetup setup) {
        List<String> plugins = new ArrayList<>(setup.environment().contributions().keySet());
        plugins.sort(Comparator.comparing((String p) -> !p.equals("nvml")).thenComparing(Comparator.naturalOrder()));
        for (String p : plugins) {
            Map<String, String> facts = setup.environment().contributions().get(p);
            for (String key : List.of("gpu0.name", "gpu[0].name", "gpu.0.name", "device_name")) {
                if (facts.containsKey(key) && !facts.get(key).isBlank()) {
                    return Optional.of(facts.get(key));
                }
            }
        }
        return Optional.empty();
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
                    continue;
                }
                String id = dom.scope() == DomainScope.PROCESS && multiRank ? "rank" + p.rank() + "/" + dom.id()
                        : hostPrefix + dom.id();
                String base = id;
                if (kept.values().stream().anyMatch(k -> k.domain().id().equals(base))) {
                    // two processes each call their own GPU "gpu[0]": name the second by its device
                    id = base + "@" + (dom.device().isEmpty() ? "rank" + p.rank() : dom.device());
                }
                EnergyDomain renamed = new EnergyDomain(id, dom.kind(), dom.device(), dom.scope(), dom.method(), dom.meter());
                kept.put(key, new DomainEnergy(renamed, d.joules(), d.idleWatts(), d.adjustedJoules(), d.belowIdle()));
            }
            p.energy().get().notes().forEach(n -> notes.add((multiRank ? "rank " + p.rank() + ": " : "") + n));
        }
        if (!dropped.isEmpty()) {
            notes.add("counted once per device/host (lowest rank kept), not summed: " + String.join(", ", dropped));
        }
        List<DomainEnergy> domains = List.copyOf(kept.values());
        double total = domains.stream().mapToDouble(DomainEnergy::joules).sum();
        boolean allAdjusted = !domains.isEmpty() && domains.stream().allMatch(d -> d.adjustedJoules().isPresent());
        Optional<Double> adjusted = allAdjusted
                ? Optional.of(domains.stream().mapToDouble(d -> d.adjustedJoules().orElseThrow()).sum())
                : Optional.empty();
        Map<String, Double> byKind = new TreeMap<>();
        domains.forEach(d -> byKind.merge(d.domain().kind(), d.joules(), Double::sum));
        return Optional.of(new CycleEnergy(domains, total, adjusted, byKind, basis(domains), notes));
    }

    /** e.g. {@code "measured: gpu; estimated: cpu, ram"}. */
    static String basis(List<DomainEnergy> domains) {
        Map<MeasurementMethod, Set<String>> byMethod = new EnumMap<>(MeasurementMethod.class);
        domains.forEach(d -> byMethod.computeIfAbsent(d.domain().method(), m -> new LinkedHashSet<>()).add(d.domain().kind()));
        if (byMethod.size() == 1) {
            return byMethod.keySet().iterator().next().label();
        }
        return byMethod.entrySet().stream().map(e -> e.getKey().label() + ": " + String.join(", ", e.getValue()))
                .collect(Collectors.joining("; "));
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

    // ------------------------------------------------------------------------------- summary

    /**
     * The estimate of one metric over one process's cycles so far (used by adaptive cycle counts).
     * Empty when the metric is not available.
     */
    public static Optional<Estimate> estimateOf(Metric metric, List<ProcessResult> results, ExperimentConfig config) {
        Optional<CarbonIntensity> carbon;
        try {
            carbon = CarbonIntensities.resolve(config.carbon());
        } catch (RuntimeException e) {
            carbon = Optional.empty();
        }
        List<CycleResult> cycles = new ArrayList<>();
        for (ProcessResult r : results) {
            cycles.add(mergeCycle(r.cycle(), List.of(r), config, carbon, Optional.empty()));
        }
        Summary s = summarize(cycles, config, "no energy", carbon, "no carbon", "", Optional.empty());
        return s.find(metric).map(MetricSummary::estimate);
    }

    /**
     * The per-cycle observations behind one summary metric of a result (the complete cycles, as the
     * summary used them), for comparisons between experiments; empty when the metric is unavailable.
     */
    public static Optional<CycleSample> cycleSample(ExperimentResult result, Metric metric) {
        Set<Integer> complete = result.cycles().stream()
                .filter(c -> c.processes().size() == result.processes().get(0).worldSize())
                .map(CycleResult::cycle).collect(Collectors.toSet());
        List<CycleResult> cycles = result.cycles().stream().filter(c -> complete.contains(c.cycle())).toList();
        Map<Metric, CycleSample> samples = new EnumMap<>(Metric.class);
        summarize(cycles, result.config(), "", result.carbonIntensity(), "", "", result.processes().stream().findFirst(),
                samples);
        return Optional.ofNullable(samples.get(metric));
    }

    static Summary summarize(List<CycleResult> cycles, ExperimentConfig config, String noEnergy,
            Optional<CarbonIntensity> carbon, String carbonReason, String stopReason, Optional<RunSetup> first) {
        return summarize(cycles, config, noEnergy, carbon, carbonReason, stopReason, first,
                new EnumMap<>(Metric.class));
    }

    private static Summary summarize(List<CycleResult> cycles, ExperimentConfig config, String noEnergy,
            Optional<CarbonIntensity> carbon, String carbonReason, String stopReason, Optional<RunSetup> first,
            Map<Metric, CycleSample> samplesOut) {
        Map<String, MetricSummary> metrics = new LinkedHashMap<>();
        Map<String, String> unavailable = new LinkedHashMap<>();
        if (cycles.isEmpty()) {
            for (Metric m : Metric.values()) {
                unavailable.put(m.key(), "no complete cycle was recorded");
            }
            return new Summary(metrics, unavailable, 0, stopReason);
        }
        Summarizer s = new Summarizer(cycles, config, metrics, unavailable);
        String timed = "measured (System.nanoTime timestamps)";
        s.mean(Metric.DURATION_S, timed, c -> Optional.of(c.metrics().durationS()), "no duration");
        s.ratio(Metric.REQUESTS_PER_S, timed, c -> Optional.of((double) c.metrics().completed()),
                c -> c.metrics().durationS(), "no completed requests");
        s.ratio(Metric.OUTPUT_TOKENS_PER_S, timed, c -> Optional.of((double) c.metrics().outputTokens()),
                c -> c.metrics().durationS(), "no output tokens");
        s.ratio(Metric.TOTAL_TOKENS_PER_S, timed,
                c -> Optional.of((double) (c.metrics().outputTokens() + c.metrics().promptTokens())),
                c -> c.metrics().durationS(), "no tokens");
        s.mean(Metric.GOODPUT_REQUESTS_PER_S, timed, c -> c.metrics().goodputRequestsPerS(),
                "no SLO configured (set slo.ttft_ms, slo.tpot_ms or slo.e2e_ms)");
        s.mean(Metric.TTFT_MEAN_MS, timed, c -> c.metrics().ttftMs().map(LatencyStats::mean), "no request produced a token");
        s.mean(Metric.TTFT_P50_MS, timed, c -> c.metrics().ttftMs().map(LatencyStats::p50), "no request produced a token");
        s.mean(Metric.TTFT_P99_MS, timed, c -> c.metrics().ttftMs().map(LatencyStats::p99), "no request produced a token");
        s.mean(Metric.ITL_MEAN_MS, timed, c -> c.metrics().itlMs().map(LatencyStats::mean),
                "no request produced two chunks");
        s.mean(Metric.ITL_P99_MS, timed, c -> c.metrics().itlMs().map(LatencyStats::p99), "no request produced two chunks");
        s.mean(Metric.TPOT_MEAN_MS, timed, c -> c.metrics().tpotMs().map(LatencyStats::mean),
                "no request produced two tokens");
        s.mean(Metric.E2E_MEAN_MS, timed, c -> c.metrics().e2eMs().map(LatencyStats::mean), "no request completed");
        s.mean(Metric.E2E_P99_MS, timed, c -> c.metrics().e2eMs().map(LatencyStats::p99), "no request completed");

        String eBasis = cycles.get(0).energy().map(CycleEnergy::basis).orElse("");
        s.mean(Metric.ENERGY_J, eBasis, c -> c.energy().map(CycleEnergy::totalJoules), noEnergy);
        s.mean(Metric.ENERGY_ADJUSTED_J, eBasis, c -> c.energy().flatMap(CycleEnergy::adjustedJoules),
                adjustedReason(cycles, noEnergy));
        for (Map.Entry<Metric, String> k : Map.of(Metric.ENERGY_GPU_J, "gpu", Metric.ENERGY_CPU_J, "cpu",
                Metric.ENERGY_DRAM_J, "dram", Metric.ENERGY_RAM_J, "ram").entrySet()) {
            String kind = k.getValue();
            String basis = cycles.get(0).energy().map(e -> basis(e.domains().stream()
                    .filter(d -> d.domain().kind().equals(kind)).toList())).orElse("");
            s.mean(k.getKey(), basis, c -> c.energy().flatMap(e -> Optional.ofNullable(e.joulesByKind().get(kind))),
                    c0(cycles).energy().isEmpty() ? noEnergy : "no " + kind + " energy domain was measured");
        }
        s.ratio(Metric.ENERGY_PER_OUTPUT_TOKEN_J, eBasis, c -> c.energy().map(CycleEnergy::totalJoules),
                c -> (double) c.metrics().outputTokens(), noEnergy);
        s.ratio(Metric.ENERGY_PER_OUTPUT_TOKEN_ADJUSTED_J, eBasis, c -> c.energy().flatMap(CycleEnergy::adjustedJoules),
                c -> (double) c.metrics().outputTokens(), adjustedReason(cycles, noEnergy));
        s.ratio(Metric.ENERGY_PER_REQUEST_J, eBasis, c -> c.energy().map(CycleEnergy::totalJoules),
                c -> (double) c.metrics().completed(), noEnergy);
        s.ratio(Metric.AVERAGE_POWER_W, eBasis, c -> c.energy().map(CycleEnergy::totalJoules),
                c -> c.metrics().durationS(), noEnergy);
        String carbonBasis = carbon.map(ci -> eBasis + " energy x " + ci.basis() + " intensity").orElse("");
        String noCarbon = c0(cycles).energy().isEmpty() ? noEnergy : carbonReason;
        s.mean(Metric.CARBON_G, carbonBasis, CycleResult::carbonGrams, noCarbon);
        s.ratio(Metric.CARBON_PER_1K_OUTPUT_TOKENS_G, carbonBasis, c -> c.carbonGrams().map(g -> g * 1000),
                c -> (double) c.metrics().outputTokens(), noCarbon);

        String noFlops = "no FLOPs estimator could estimate this model (see the flops plug-ins in `lem plugins`)";
        String fBasis = cycles.get(0).flops().map(f -> f.estimator().equals(f.confidence().label())
                ? f.confidence().label() : f.confidence().label() + " (" + f.estimator() + ")").orElse("");
        s.ratio(Metric.FLOPS_PER_OUTPUT_TOKEN, fBasis, c -> c.flops().map(FlopsEstimate::totalFlops),
                c -> (double) c.metrics().outputTokens(), noFlops);
        s.ratio(Metric.ACHIEVED_TFLOPS, fBasis, c -> c.flops().map(f -> f.totalFlops() / 1e12),
                c -> c.metrics().durationS(), noFlops);
        s.ratio(Metric.FLOPS_PER_JOULE, fBasis + (eBasis.isEmpty() ? "" : " / " + eBasis + " energy"),
                c -> c.flops().map(FlopsEstimate::totalFlops),
                c -> c.energy().map(CycleEnergy::totalJoules).orElse(Double.NaN),
                c0(cycles).flops().isEmpty() ? noFlops : noEnergy);
        String dtype = first.flatMap(RunSetup::model).map(ModelInfo::dtype).orElse(config.precision());
        Utilisation.DevicePeak peak = Utilisation.resolve(config.flops().peakTflops(),
                config.flops().peakBandwidthGbS(), first.flatMap(Aggregator::deviceName), dtype);
        int devices = first.map(RunSetup::worldSize).orElse(1);
        if (peak.peakTflops().isPresent()) {
            double peakFlopsPerS = peak.peakTflops().get() * 1e12 * devices;
            s.ratio(Metric.MFU, fBasis + " / " + peak.computeBasis(),
                    c -> c.flops().map(f -> f.totalFlops() / peakFlopsPerS), c -> c.metrics().durationS(), noFlops);
        } else {
            unavailable.put(Metric.MFU.key(), peak.computeBasis());
        }
        if (peak.peakBandwidthGbS().isPresent()) {
            double peakBytesPerS = peak.peakBandwidthGbS().get() * 1e9 * devices;
            s.ratio(Metric.MBU, "estimated (weights + KV cache per forward pass) / " + peak.bandwidthBasis(),
                    c -> c.memoryTrafficBytes().map(b -> b / peakBytesPerS), c -> c.metrics().durationS(),
                    "no architecture known for this model (served models have none unless configured)");
        } else {
            unavailable.put(Metric.MBU.key(), peak.bandwidthBasis());
        }
        s.mean(Metric.PEAK_RSS_MB, "measured (/proc/self/status VmHWM)",
                c -> c.peakRssBytes().map(b -> b / 1e6), "peak RSS is not readable on this OS");
        samplesOut.putAll(s.samples);
        return new Summary(metrics, unavailable, cycles.size(), stopReason);
    }

    private static CycleResult c0(List<CycleResult> cycles) {
        return cycles.get(0);
    }

    private static String adjustedReason(List<CycleResult> cycles, String noEnergy) {
        if (c0(cycles).energy().isEmpty()) {
            return noEnergy;
        }
        return "no idle baseline for every domain (energy.idle_baseline_s is 0, or a meter gave no baseline)";
    }

    private static String energyUnavailableReason(List<RunSetup> setups) {
        List<String> reasons = new ArrayList<>();
        for (PluginStatus p : setups.get(0).plugins()) {
            if (p.kind().equals("energy_meter") && !p.used()) {
                reasons.add(p.name() + ": " + p.reason());
            }
        }
        if (!setups.get(0).config().server().sameHost()) {
            return "the server runs on another host (server.same_host: false); no energy is reported for work "
                    + "the local meters cannot see";
        }
        return reasons.isEmpty() ? "no energy meter is available (add lem-nvml for GPUs; see `lem plugins`)"
                : "no energy meter could be used: " + String.join("; ", reasons);
    }

    /** Computes metric estimates over cycles, recording a reason for each metric it cannot compute. */
    private static final class Summarizer {
        private final List<CycleResult> cycles;
        private final ExperimentConfig config;
        private final Map<String, MetricSummary> out;
        private final Map<String, String> unavailable;
        private final Map<Metric, CycleSample> samples = new EnumMap<>(Metric.class);

        Summarizer(List<CycleResult> cycles, ExperimentConfig config, Map<String, MetricSummary> out,
                Map<String, String> unavailable) {
            this.cycles = cycles;
            this.config = config;
            this.out = out;
            this.unavailable = unavailable;
        }

        void mean(Metric m, String basis, Function<CycleResult, Optional<Double>> value, String reason) {
            double[] v = new double[cycles.size()];
            for (int i = 0; i < v.length; i++) {
                Optional<Double> x = value.apply(cycles.get(i));
                if (x.isEmpty() || !Double.isFinite(x.get())) {
                    unavailable.put(m.key(), reason);
                    return;
                }
                v[i] = x.get();
            }
            samples.put(m, CycleSample.of(v));
            put(m, basis, CrossCycleStatistics.mean(v, config.stats(), config.seed() + m.ordinal()));
        }

        void ratio(Metric m, String basis, Function<CycleResult, Optional<Double>> numerator,
                Function<CycleResult, Double> denominator, String reason) {
            double[] num = new double[cycles.size()];
            double[] den = new double[cycles.size()];
            double denSum = 0;
            for (int i = 0; i < num.length; i++) {
                Optional<Double> x = numerator.apply(cycles.get(i));
                double d = denominator.apply(cycles.get(i));
                if (x.isEmpty() || !Double.isFinite(x.get()) || !Double.isFinite(d)) {
                    unavailable.put(m.key(), reason);
                    return;
                }
                num[i] = x.get();
                den[i] = d;
                denSum += d;
            }
            if (denSum == 0) {
                unavailable.put(m.key(), reason);
                return;
            }
            samples.put(m, CycleSample.ratioOfSums(num, den));
            put(m, basis, CrossCycleStatistics.ratioOfSums(num, den, config.stats(), config.seed() + m.ordinal()));
        }

        private void put(Metric m, String basis, Estimate e) {
            out.put(m.key(), new MetricSummary(m.key(), m.unit(), basis, e));
        }
    }
}
