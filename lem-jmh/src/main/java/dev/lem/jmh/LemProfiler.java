package dev.lem.jmh;

import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.EnergyMeters;
import dev.lem.energy.EnergyMonitor;
import dev.lem.energy.EnergyWindow;
import dev.lem.energy.IdleBaseline;
import dev.lem.energy.MeasurementMethod;
import dev.lem.jmh.internal.IterationFigures;
import dev.lem.jmh.internal.LemResultsRecorder;
import dev.lem.jmh.internal.OpsRate;
import dev.lem.jmh.internal.ProfilerOptions;
import dev.lem.results.ExperimentIds;
import dev.lem.spi.MeterContext;
import dev.lem.spi.PluginStatus;
import java.io.File;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.ExternalProfiler;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.profile.ProfilerException;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;
import org.openjdk.jmh.runner.IterationType;

/**
 * The JMH profiler of LEM: {@code -prof lem} (or {@code -prof dev.lem.jmh.LemProfiler}) adds, for each benchmark,
 * energy per operation and average power per energy domain as JMH secondary results, each labelled with how it
 * was obtained:
 * <pre>
 *   ·lem.energy.cpu.package0 (measured)     12.3    mJ/op
 *   ·lem.power.cpu.package0 (measured)      41.2    W
 *   ·lem.energy.total (measured)            12.3    mJ/op
 * </pre>
 * Energy per operation is in the unit of the benchmark's output time unit times watts: J/op for seconds, mJ/op for
 * milliseconds, uJ/op for microseconds, nJ/op for nanoseconds (JMH's text prints three decimals). A domain is named
 * by its LEM id without brackets ({@code cpu.package[0]} → {@code cpu.package0}): JMH 1.37 writes these names into
 * its JSON unescaped, and brackets there make it invalid.
 * They are in JMH's own text, JSON and CSV output, averaged over measured iterations and forks like JMH's other
 * secondary results.
 *
 * <p><b>How the figures are obtained.</b> In the benchmark's JVM (the fork: meters open there, at the first
 * iteration) one energy window spans each measured iteration, from before its threads start to after they stop;
 * warm-up iterations are not measured. A domain's average power is the window's energy ÷ its duration; its energy
 * per operation is that power × JMH's time per operation, 1 / (Σ over threads of each thread's ops/s) from the
 * iteration's primary results in every mode (throughput: the sum of the threads' scores; average time, sample time,
 * single shot: Σ 1 / score). With {@code baseline=5s}, idle power is measured once per fork before the first
 * iteration and {@code lem.energy.<domain>.adjusted} is (power − idle power) × time per op.
 *
 * <p><b>Resolution.</b> A domain whose window energy the meter's resolution may get wrong by more than
 * {@code maxResolutionError} (default 5%; the bound is quantum + power × update interval,
 * {@link dev.lem.energy.MeterResolution}) is left out of that iteration, with a line saying why and how long an
 * iteration must be; the total is then left out too. Estimates have no resolution limit, and are labelled
 * {@code estimated}.
 *
 * <p>Options ({@code -prof lem:help} lists them): {@code meters=rapl,nvml}, {@code interval=50ms},
 * {@code baseline=5s}, {@code maxResolutionError=5%}, {@code set=energy.<key>=<value>} (repeatable),
 * {@code results=<dir>} (also write each benchmark as a LEM experiment). Where only estimates can run, one line says
 * so and the figures are labelled {@code estimated}; where no meter can run, one line says why and the benchmark
 * runs without energy figures.
 *
 * <p>Not thread-safe; JMH calls a profiler from one thread.
 */
public class LemProfiler implements InternalProfiler, ExternalProfiler {
    /** System property the host passes to each fork: the LEM experiment id of the benchmark. */
    static final String EXPERIMENT_PROPERTY = "dev.lem.jmh.experiment";
    /** System property the host passes to each fork: the fork's index among all forks, warm-up forks first. */
    static final String FORK_PROPERTY = "dev.lem.jmh.fork";
    /**
     * System property the host passes to each fork: the id of the benchmark the fork measures (with bulk warm-up a
     * fork also runs other benchmarks, which must not write into this one's experiment).
     */
    static final String BENCHMARK_PROPERTY = "dev.lem.jmh.benchmark";
    private static final String PREFIX = "# LEM: ";

    private final ProfilerOptions options;
    private final PrintStream out = System.out;
    // host side (ExternalProfiler): one instance per benchmark
    private int forksLaunched;
    private @Nullable String hostExperimentId;
    // benchmark side (InternalProfiler): one instance per benchmark in each fork
    private boolean opened;
    private @Nullable EnergyMonitor monitor;
    private @Nullable EnergyWindow window;
    private @Nullable Instant windowStart;
    private @Nullable LemResultsRecorder recorder;
    private int measured;
    private final Set<String> said = new HashSet<>();

    /**
     * The profiler with JMH's option line ({@code meters=rapl,nvml;interval=50ms}).
     *
     * @param initLine the options after {@code -prof lem:}
     * @throws ProfilerException with the option list for {@code help}, or the problems of a bad line
     */
    public LemProfiler(String initLine) throws ProfilerException {
        this.options = ProfilerOptions.parse(initLine);
    }

    /**
     * The profiler with every default (JMH's discovery creates one this way).
     *
     * @throws ProfilerException never with the defaults; declared by JMH's profiler contract
     */
    public LemProfiler() throws ProfilerException {
        this("");
    }

    @Override
    public String getDescription() {
        return "LEM energy: J/op and W per energy domain (measured, integrated or estimated); -prof lem:help";
    }

    // ---------------------------------------------------------------- benchmark JVM

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        if (!opened) {
            opened = true;
            open(benchmarkParams);
        }
        EnergyMonitor m = monitor;
        if (m != null && iterationParams.getType() == IterationType.MEASUREMENT) {
            windowStart = Instant.now();
            window = m.window("jmh:" + benchmarkParams.id() + "#" + (measured + 1));
        }
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
            IterationResult result) {
        if (iterationParams.getType() != IterationType.MEASUREMENT) {
            if (benchmarkParams.getMeasurement().getCount() == 0
                    && measuredAll(benchmarkParams.getWarmup().getCount(), ++measured)) {
                close();
            }
            return List.of();
        }
        measured++;
        EnergyWindow w = window;
        window = null;
        EnergyMonitor m = monitor;
        try {
            if (w == null || m == null) {
                return List.of();
            }
            EnergyMeasurement energy = w.stop();
            double rate = OpsRate.opsPerSecond(benchmarkParams, result);
            if (Double.isNaN(rate)) {
                sayOnce("no-rate", "iteration " + measured + ": JMH's primary result gives no operation rate ("
                        + result.getPrimaryResult().getScore() + " " + result.getScoreUnit()
                        + "), so no energy per operation is reported for it");
                return List.of();
            }
            IterationFigures.EnergyUnit unit = IterationFigures.EnergyUnit.forTimeUnit(benchmarkParams.getTimeUnit());
            IterationFigures figures = IterationFigures.of(energy, rate, m::resolution, options.maxResolutionError(),
                    unit);
            for (String refusal : figures.refusals()) {
                sayOnce("refused:" + refusal.substring(0, refusal.indexOf(':')), refusal
                        + " (JMH: longer iterations, -r; in single-shot mode a larger batch, -bs); left out of the "
                        + "iterations where it happens, and the total with it");
            }
            energy.notes().forEach(n -> sayOnce("note:" + n, n));
            LemResultsRecorder r = recorder;
            if (r != null) {
                try {
                    r.iteration(measured, windowStart == null ? Instant.now() : windowStart, energy, rate,
                            result.getPrimaryResult().getScore(), result.getScoreUnit(), figures, unit);
                } catch (RuntimeException e) {
                    sayOnce("results", "cannot write LEM results: " + e.getMessage());
                }
            }
            List<Result> out = new ArrayList<>();
            for (IterationFigures.Figure f : figures.figures()) {
                out.add(new ScalarResult(f.label(), f.value(), f.unit(), AggregationPolicy.AVG));
            }
            return out;
        } finally {
            if (measuredAll(iterationParams.getCount(), measured)) {
                close();
            }
        }
    }

    private static boolean measuredAll(int count, int done) {
        return done >= count;
    }

    private void open(BenchmarkParams params) {
        EnergyMeters.Opened o;
        try {
            o = EnergyMeters.open(new MeterContext(options.energy(), System.getenv(), 0), true);
        } catch (RuntimeException e) {
            say("cannot open energy meters (" + e.getMessage() + "); the benchmark runs without energy figures");
            return;
        }
        List<PluginStatus> meters = o.plugins().stream().filter(p -> p.kind().equals("energy_meter")).toList();
        String unused = meters.stream().filter(p -> !p.used() && !p.reason().equals("not listed in energy.meters"))
                .map(p -> p.name() + ": " + p.reason())
                .collect(Collectors.joining("; "));
        if (o.meters().isEmpty()) {
            o.telemetry().forEach(t -> {
                try {
                    t.close();
                } catch (RuntimeException e) {
                    // closing what we opened; nothing to report
                }
            });
            say("no energy meter can run here" + (unused.isEmpty() ? "" : " (" + unused + ")")
                    + "; the benchmark runs without energy figures");
            return;
        }
        EnergyMonitor m = o.start();
        monitor = m;
        String domains = m.domains().stream().map(d -> d.id() + " " + d.method().label() + " by " + d.meter())
                .collect(Collectors.joining(", "));
        boolean onlyEstimates = m.domains().stream().allMatch(d -> d.method() == MeasurementMethod.ESTIMATED);
        if (onlyEstimates) {
            say("no energy counter here, only estimates: " + domains + "; energy per op is labelled (estimated)"
                    + (unused.isEmpty() ? "" : ". Not used: " + unused));
        } else {
            say("measuring " + domains + (unused.isEmpty() ? "" : ". Not used: " + unused));
        }
        m.domains().forEach(d -> m.resolution(d.id()).ifPresent(r -> say(d.id() + " resolution: " + r
                + String.format(Locale.ROOT, "; figures are left out below %.3g%% of an iteration's energy",
                        options.maxResolutionError() * 100))));
        Optional<String> experiment = Optional.ofNullable(System.getProperty(EXPERIMENT_PROPERTY));
        int fork = Integer.getInteger(FORK_PROPERTY, 0);
        boolean warmupFork = fork < params.getWarmupForks() && experiment.isPresent();
        boolean otherBenchmark = experiment.isPresent()
                && !params.id().equals(System.getProperty(BENCHMARK_PROPERTY, params.id()));
        if (options.resultsDir().isPresent() && !warmupFork && !otherBenchmark) {
            try {
                recorder = new LemResultsRecorder(options.resultsDir().get(),
                        experiment.filter(ExperimentIds::isValid).orElseGet(ExperimentIds::generate),
                        experiment.isPresent() ? fork - params.getWarmupForks() : 0, params, options, o.plugins());
                say("writing LEM results to " + options.resultsDir().get() + " (experiment "
                        + recorder.experimentId() + ")");
            } catch (RuntimeException e) {
                say("cannot write LEM results: " + e.getMessage());
            }
        }
        options.baseline().ifPresent(d -> {
            say("measuring idle power for " + d.toMillis() / 1000.0 + " s before the first iteration");
            IdleBaseline b = m.measureIdle(d);
            say("idle power: " + b.watts().entrySet().stream().map(e -> String.format(Locale.ROOT, "%s %.3g W",
                    e.getKey(), e.getValue())).collect(Collectors.joining(", ")));
            LemResultsRecorder r = recorder;
            if (r != null) {
                r.baseline(b);
            }
        });
    }

    private void close() {
        EnergyWindow w = window;
        if (w != null) {
            w.stop();
            window = null;
        }
        EnergyMonitor m = monitor;
        monitor = null;
        if (m != null) {
            m.close();
        }
    }

    private void sayOnce(String key, String line) {
        if (said.add(key)) {
            say(line);
        }
    }

    private void say(String line) {
        out.println(PREFIX + line);
        out.flush();
    }

    // ---------------------------------------------------------------- host JVM

    @Override
    public Collection<String> addJVMInvokeOptions(BenchmarkParams params) {
        return List.of();
    }

    /** With {@code results=}, tells each fork the benchmark's LEM experiment id and its fork index. */
    @Override
    public Collection<String> addJVMOptions(BenchmarkParams params) {
        if (options.resultsDir().isEmpty()) {
            return List.of();
        }
        String id = hostExperimentId;
        if (id == null) {
            id = ExperimentIds.generate();
            hostExperimentId = id;
        }
        return List.of("-D" + EXPERIMENT_PROPERTY + "=" + id, "-D" + FORK_PROPERTY + "=" + forksLaunched++,
                "-D" + BENCHMARK_PROPERTY + "=" + params.id());
    }

    @Override
    public void beforeTrial(BenchmarkParams benchmarkParams) {
        // meters open in the fork
    }

    @Override
    public Collection<? extends Result> afterTrial(BenchmarkResult br, long pid, File stdOut, File stdErr) {
        return List.of();
    }

    @Override
    public boolean allowPrintOut() {
        return true;
    }

    @Override
    public boolean allowPrintErr() {
        return true;
    }
}
