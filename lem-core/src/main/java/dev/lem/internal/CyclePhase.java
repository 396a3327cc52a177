package dev.lem.internal;

import dev.lem.LemException;
import dev.lem.Metric;
import dev.lem.config.ExperimentConfig;
import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.EnergyMonitor;
import dev.lem.energy.EnergyWindow;
import dev.lem.energy.TimeSeries;
import dev.lem.flops.FlopsEstimate;
import dev.lem.flops.FlopsInput;
import dev.lem.metrics.RequestRecord;
import dev.lem.result.CycleResult;
import dev.lem.result.ProcessResult;
import dev.lem.result.SummaryCalculator;
import dev.lem.result.SummaryInputs;
import dev.lem.results.Aggregator;
import dev.lem.results.ResultsJson;
import dev.lem.spi.BackendCapabilities;
import dev.lem.spi.FlopsEstimator;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.ModelInfo;
import dev.lem.spi.Plugins;
import dev.lem.stats.Estimate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The measured cycles of one process: for each, an energy window around the workload, the raw result
 * written the moment the cycle ends, and — in adaptive mode — a check whether the target precision was
 * reached.
 */
final class CyclePhase {
    private static final Logger LOG = LoggerFactory.getLogger(CyclePhase.class);
    private static final Duration BARRIER_TIMEOUT = Duration.ofMinutes(30);

    private final RunRecord record;
    private final WorkloadDriver driver;
    private final BackendCapabilities caps;
    private final @Nullable EnergyMonitor monitor;
    private final List<FlopsEstimator> estimators;
    private final Optional<ModelInfo> model;
    private final java.util.function.Consumer<String> progress;

    CyclePhase(RunRecord record, WorkloadDriver driver, BackendCapabilities caps, @Nullable EnergyMonitor monitor,
            List<FlopsEstimator> estimators, Optional<ModelInfo> model, java.util.function.Consumer<String> progress) {
        this.record = record;
        this.driver = driver;
        this.caps = caps;
        this.monitor = monitor;
        this.estimators = estimators;
        this.model = model;
        this.progress = progress;
    }

    /**
     * Runs every cycle not in {@code alreadyOnDisk}, writing each one's raw result and updating the record.
     *
     * @param alreadyOnDisk cycles (0-based) an earlier process recorded (a resume): skipped
     */
    void run(List<GenerationRequest> template, java.util.Set<Integer> alreadyOnDisk) throws InterruptedException {
        ExperimentConfig config = record.config;
        var adaptive = config.stats().adaptive();
        int max = adaptive.enabled() ? adaptive.maxCycles() : config.cycles();
        List<ProcessResult> done = new ArrayList<>();
        record.stopReason = "fixed count of " + config.cycles() + " cycles";
        ExperimentRunner.Options options = record.options;
        long started = System.nanoTime();
        firstCycle = -1;
        for (int c = 0; c < max; c++) {
            if (alreadyOnDisk.contains(c)) {
                continue;
            }
            if (options.worldSize() > 1 && !FileBarrier.await(record.repo.cycleDirectory(options.experimentId(), c),
                    "ready", options.rank(), options.worldSize(), BARRIER_TIMEOUT)) {
                record.warn("cycle " + (c + 1) + ": not every process arrived within " + BARRIER_TIMEOUT.toMinutes()
                        + " min; ran without them");
            }
            progress.accept("cycle " + (c + 1) + "/" + (adaptive.enabled() ? "<=" + max : max));
            update(c, max, "cycle " + (c + 1) + " of " + (adaptive.enabled() ? "at most " : "") + max, started);
            ProcessResult r = measure(c, template);
            if (!record.recordCycle(r)) {
                throw new LemException("cycle " + (c + 1) + " ended after the run was interrupted; it is not recorded");
            }
            done.add(r);
            update(c + 1, max, "cycle " + (c + 1) + " done", started);
            if (r.requests().stream().noneMatch(RequestRecord::ok)) {
                String first = r.requests().stream().map(x -> x.error().orElse("")).filter(s -> !s.isEmpty())
                        .findFirst().orElse("no request was sent");
                throw new LemException("Every request of cycle " + (c + 1) + " failed (first error: " + first + ")");
            }
            if (adaptive.enabled() && record.cyclesRun >= config.cycles()) {
                Optional<String> reached = adaptiveTargetReached(done);
                if (reached.isPresent()) {
                    record.stopReason = reached.get();
                    return;
                }
            }
        }
        if (adaptive.enabled()) {
            record.stopReason = "adaptive: max_cycles (" + max + ") reached before " + adaptive.metric().key()
                    + "'s CI half-width fell to " + adaptive.targetHalfWidthPct() + "% of its mean";
            record.warn(record.stopReason);
        }
    }

    private int firstCycle = -1;

    /** Tells the progress-bar listener where the cycles stand, with the time left from the cycles measured so far. */
    private void update(int done, int total, String current, long started) {
        if (firstCycle < 0) {
            firstCycle = done;
        }
        int measured = done - firstCycle;
        Optional<java.time.Duration> eta = measured <= 0 ? Optional.empty() : Optional.of(java.time.Duration.ofNanos(
                (System.nanoTime() - started) / measured * (total - done)));
        try {
            record.options.updates().accept(new dev.lem.result.Progress(record.options.experimentId(), done, total,
                    current, eta));
        } catch (RuntimeException e) {
            LOG.debug("progress listener failed", e);
        }
    }

    private Optional<String> adaptiveTargetReached(List<ProcessResult> done) {
        ExperimentConfig config = record.config;
        var adaptive = config.stats().adaptive();
        Metric metric = adaptive.metric();
        List<CycleResult> cycles = new ArrayList<>();
        for (ProcessResult r : done) {
            cycles.add(Aggregator.mergeCycle(r.cycle(), List.of(r), config, Optional.empty(), model));
        }
        Optional<Estimate> e = SummaryCalculator.estimate(metric, cycles, SummaryInputs.running(config));
        if (e.isEmpty()) {
            throw new LemException("stats.adaptive.metric " + metric.key() + " is not available in this experiment "
                    + "(no cycle has it), so adaptive cycles cannot target it; choose another metric");
        }
        Optional<Double> half = e.get().halfWidth();
        if (half.isPresent() && e.get().mean() != 0
                && 100 * half.get() / Math.abs(e.get().mean()) <= adaptive.targetHalfWidthPct()) {
            return Optional.of(String.format("adaptive: %s CI half-width %.2f%% of the mean <= %.2f%% after %d cycles",
                    metric.key(), 100 * half.get() / Math.abs(e.get().mean()), adaptive.targetHalfWidthPct(),
                    done.size()));
        }
        return Optional.empty();
    }

    /** Measures cycle {@code cycle} (0-based): its energy window around the workload; not yet recorded. */
    ProcessResult measure(int cycle, List<GenerationRequest> template) throws InterruptedException {
        ExperimentConfig config = record.config;
        String window = "cycle_" + cycle;
        List<GenerationRequest> reqs = template.stream()
                .map(r -> new GenerationRequest("c" + cycle + "-" + r.id().substring(1), r.prompt(), r.promptTokenIds(),
                        r.maxOutputTokens(), r.minOutputTokens(), r.decoding(), r.seed(), false))
                .toList();
        // every preparation (prompt sizing with the server's /tokenize, tokenisation for batching, the traffic
        // warm-up) happens here, before the window: the window holds nothing but the workload
        WorkloadDriver.Prepared prepared = driver.prepare(reqs);
        Map<String, Double> engineBefore = driver.engineCounters();
        boolean metered = monitor != null && !monitor.domains().isEmpty();
        boolean keepSeries = metered && config.energy().timeseries();
        Instant wallStart = Instant.now();
        long t0 = System.nanoTime();
        EnergyWindow w = monitor == null ? null
                : keepSeries ? monitor.windowWithTimeSeries(window) : monitor.window(window);
        RequestRecorder recorder = new RequestRecorder(t0, metered && caps.reportsPhases() ? monitor : null, window);
        List<String> trafficNotes;
        try {
            trafficNotes = driver.drive(prepared, recorder);
        } finally {
            if (w != null) {
                w.close();
            }
        }
        Map<String, Double> engineAfter = engineBefore.isEmpty() ? Map.of() : driver.engineCounters();
        trafficNotes.forEach(record::warn);
        long duration = System.nanoTime() - t0;
        Optional<EnergyMeasurement> energy = metered ? w.measurement() : Optional.empty();
        List<String> cycleWarnings = new ArrayList<>(recorder.violations().stream()
                .map(v -> "backend event contract: " + v).toList());
        Optional<String> seriesFile = Optional.empty();
        if (w != null) {
            Optional<TimeSeries> series = w.timeSeries();
            if (series.isPresent() && !series.get().rows().isEmpty()) {
                seriesFile = Optional.of(record.repo.writeTimeSeries(record.options.experimentId(), cycle,
                        record.options.rank(), series.get()));
            }
        }
        List<RequestRecord> records = recorder.records();
        Map<String, Double> counters = new java.util.LinkedHashMap<>(recorder.counters());
        engineBefore.forEach((k, before) -> {
            Double after = engineAfter.get(k);
            if (after != null && after >= before) { // a counter that went down (engine restarted) says nothing
                counters.put(k, after - before);
            }
        });
        Optional<FlopsEstimate> flops = estimateFlops(records, counters);
        return new ProcessResult(ResultsJson.SCHEMA_VERSION, record.options.experimentId(), cycle,
                record.options.rank(), record.host, wallStart, duration, records, energy, recorder.phaseEnergy(),
                recorder.phaseNanos(), counters, flops, peakRssBytes(), seriesFile, cycleWarnings,
                Optional.of(record.placement));
    }

    private Optional<FlopsEstimate> estimateFlops(List<RequestRecord> records, Map<String, Double> counters) {
        List<FlopsInput.RequestTokens> tokens = records.stream().filter(RequestRecord::ok)
                .map(r -> new FlopsInput.RequestTokens(r.promptTokens(), r.outputTokens())).toList();
        FlopsInput input = new FlopsInput(model.flatMap(ModelInfo::architecture),
                model.flatMap(ModelInfo::parameterCount), tokens, counters);
        for (FlopsEstimator e : estimators) {
            try {
                Optional<FlopsEstimate> f = e.estimate(input);
                if (f.isPresent()) {
                    return f;
                }
            } catch (RuntimeException ex) {
                LOG.debug("FLOPs estimator {} failed", Plugins.safeName(e), ex);
            }
        }
        return Optional.empty();
    }

    /** Peak resident set size of this process (VmHWM), where /proc is readable. */
    static Optional<Long> peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] parts = line.trim().split("\\s+");
                    return Optional.of(Long.parseLong(parts[1]) * 1024L);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read peak RSS", e);
        }
        return Optional.empty();
    }
}
