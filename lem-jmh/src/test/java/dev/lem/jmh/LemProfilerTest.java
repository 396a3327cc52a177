package dev.lem.jmh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.api.Assertions.withinPercentage;

import dev.lem.jmh.bench.SumBenchmark;
import dev.lem.result.ExperimentResult;
import dev.lem.result.ProcessResult;
import dev.lem.result.RunSetup;
import dev.lem.Metric;
import dev.lem.results.ResultsRepository;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The profiler run through JMH's Runner API on a real benchmark, against the simulated meter of lem-core's test kit
 * (constant power: the CPU domain at 50 W, the GPU domain at 200 W, so energy is exactly power × time).
 *
 * <p>What is asserted: in every mode, each measured iteration's J/op equals power × the time per operation that
 * JMH's own primary result gives for that iteration, within that iteration's own window edge error (see
 * {@link #assertJoulesPerOpArePowerTimesTimePerOp}); a wrong rate would be off by a factor (the thread count, a time
 * unit: 1,000).
 */
class LemProfilerTest {
    static final double CPU_W = 50;
    static final double GPU_W = 200;
    static final String CPU = "lem.energy.cpu.package0 (measured)";
    static final String GPU = "lem.energy.gpu0 (measured)";
    static final String TOTAL = "lem.energy.total (measured)";
    static final String SIMULATED = "meters=simulated;set=energy.meter_options.simulated.cpu_watts=" + CPU_W
            + ";set=energy.meter_options.simulated.gpu_watts=" + GPU_W;
    static final int ITERATIONS = 3;
    /** Energy per op is in uJ/op: W × the benchmarks' output time unit (microseconds) per op. */
    static final double UJ = 1e6;

    /** What a run printed (JMH and the profiler's "# LEM:" lines) and its results. */
    record Run(Collection<RunResult> results, String output) {
        RunResult single() {
            assertThat(results).hasSize(1);
            return results.iterator().next();
        }

        List<IterationResult> iterations() {
            List<IterationResult> out = new ArrayList<>();
            for (BenchmarkResult b : single().getBenchmarkResults()) {
                out.addAll(b.getIterationResults());
            }
            return out;
        }
    }

    static ChainedOptionsBuilder options(Mode mode, int threads, int forks, String profilerOptions) {
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include(SumBenchmark.class.getName() + ".sum")
                .mode(mode).threads(threads).forks(forks)
                .warmupIterations(1).warmupTime(TimeValue.milliseconds(100))
                .measurementIterations(ITERATIONS).measurementTime(TimeValue.milliseconds(150))
                .timeUnit(TimeUnit.MICROSECONDS)
                .shouldFailOnError(true)
                .addProfiler("lem", profilerOptions); // the short name, as -prof lem
        if (mode == Mode.SingleShotTime) {
            o.warmupBatchSize(2_000).measurementBatchSize(2_000);
        }
        return o;
    }

    /** Runs JMH, keeping what it printed (the Runner and the profiler print to System.out). */
    static Run run(ChainedOptionsBuilder options) throws RunnerException {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(new Tee(original, captured), true, StandardCharsets.UTF_8));
        try {
            Collection<RunResult> r = new Runner(options.build()).run();
            return new Run(r, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }

    /**
     * Seconds per operation over all threads, as JMH's result for the iteration gives it: throughput sums the
     * threads' ops per µs; in the time modes each thread's score is µs per op and threads run side by side.
     */
    static double secondsPerOp(Mode mode, IterationResult it) {
        if (mode == Mode.Throughput) {
            return 1e-6 / it.getPrimaryResult().getScore();
        }
        double opsPerMicro = 0;
        for (Result r : it.getRawPrimaryResults()) {
            opsPerMicro += 1 / r.getScore();
        }
        return 1e-6 / opsPerMicro;
    }

    /**
     * Each measured iteration's J/op per domain is the domain's power × JMH's time per operation for that iteration.
     * The tolerance is the iteration's own window error, read from the LEM results the profiler wrote: the
     * simulated meter's energy over the window is exactly P × (time between the two reads), and the monitor times
     * each read at its midpoint, so E / (P × T) − 1 is what edge timing contributed (microseconds, or a
     * preemption on a loaded machine) — derived from the same measured times, never from expected durations.
     */
    static void assertJoulesPerOpArePowerTimesTimePerOp(Mode mode, Run run, Path results) {
        assertThat(run.iterations()).hasSize(ITERATIONS);
        Map<Double, ProcessResult> windows = windowsByScore(results);
        double sumExpected = 0;
        double sumTolerance = 0;
        for (IterationResult it : run.iterations()) {
            Map<String, Result> s = it.getSecondaryResults();
            double t = secondsPerOp(mode, it);
            ProcessResult w = windows.get(it.getPrimaryResult().getScore());
            assertThat(w).as("the window of the iteration scored %s", it.getPrimaryResult().getScore()).isNotNull();
            assertThat(s).containsKeys(CPU, GPU, TOTAL, "lem.power.cpu.package0 (measured)");
            double cpuEdge = edgeError(w, "cpu.package[0]", CPU_W);
            double gpuEdge = edgeError(w, "gpu[0]", GPU_W);
            assertThat(s.get(CPU).getScore()).as("CPU uJ/op = 50 W x %s s/op", t)
                    .isCloseTo(CPU_W * t * UJ, offset(CPU_W * t * UJ * cpuEdge));
            assertThat(s.get(GPU).getScore()).isCloseTo(GPU_W * t * UJ, offset(GPU_W * t * UJ * gpuEdge));
            assertThat(s.get(TOTAL).getScore()).isCloseTo((CPU_W + GPU_W) * t * UJ,
                    offset((CPU_W + GPU_W) * t * UJ * Math.max(cpuEdge, gpuEdge)));
            assertThat(s.get(CPU).getScoreUnit()).isEqualTo("uJ/op");
            assertThat(s.get("lem.power.cpu.package0 (measured)").getScore()).isCloseTo(CPU_W,
                    offset(CPU_W * cpuEdge));
            assertThat(s.get("lem.power.cpu.package0 (measured)").getScoreUnit()).isEqualTo("W");
            assertThat(s).as("no idle baseline was asked for").doesNotContainKey("lem.energy.cpu.package0.adjusted (measured)");
            sumExpected += CPU_W * t * UJ;
            sumTolerance += CPU_W * t * UJ * cpuEdge;
        }
        Result aggregated = run.single().getAggregatedResult().getSecondaryResults().get(CPU);
        assertThat(aggregated.getScoreUnit()).isEqualTo("uJ/op");
        assertThat(aggregated.getScore()).as("JMH averages the iterations")
                .isCloseTo(sumExpected / ITERATIONS, offset(sumTolerance / ITERATIONS));
    }

    /**
     * |E / (P × T) − 1| of one domain over one window, plus rounding: how far the window's own edge timing moves
     * its average power from the meter's constant power. Also checks it is that meter's power at all (within 50%:
     * the two domains differ by a factor of 4).
     */
    static double edgeError(ProcessResult w, String domain, double watts) {
        double joules = w.energy().orElseThrow().domain(domain).orElseThrow().joules();
        double ratio = joules / (watts * w.durationNanos() / 1e9);
        assertThat(ratio).as("%s: window energy / (power x duration)", domain).isBetween(0.5, 1.5);
        return Math.abs(ratio - 1) + 1e-9;
    }

    /** The profiler's windows, as written to the LEM results, by the JMH score of their iteration. */
    static Map<Double, ProcessResult> windowsByScore(Path results) {
        ResultsRepository repo = new ResultsRepository(results);
        assertThat(repo.experimentIds()).hasSize(1);
        Map<Double, ProcessResult> out = new java.util.HashMap<>();
        for (ProcessResult p : repo.readProcessResults(repo.experimentIds().get(0))) {
            out.put(p.counters().get("jmh.score"), p);
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"Throughput", "AverageTime", "SampleTime", "SingleShotTime"})
    void joulesPerOpArePowerTimesTimePerOpInEveryMode(Mode mode, @TempDir Path results) throws RunnerException {
        Run run = run(options(mode, 1, 0, SIMULATED + ";results=" + results));
        assertJoulesPerOpArePowerTimesTimePerOp(mode, run, results);
        assertThat(run.output()).contains("# LEM: measuring cpu.package[0] measured by simulated, gpu[0] measured by simulated");
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"Throughput", "AverageTime"})
    void withTwoThreadsTheRateIsOverBothThreads(Mode mode, @TempDir Path results) throws RunnerException {
        Run run = run(options(mode, 2, 0, SIMULATED + ";results=" + results));
        assertThat(run.iterations().get(0).getRawPrimaryResults()).hasSize(2);
        assertJoulesPerOpArePowerTimesTimePerOp(mode, run, results);
    }

    @Test
    void inForkedJvmsWarmupIterationsAndForksAreLeftOutAndLemResultsAreWritten(@TempDir Path results)
            throws RunnerException, java.io.IOException {
        Path json = results.resolve("jmh.json");
        ChainedOptionsBuilder o = options(Mode.Throughput, 1, 2, SIMULATED + ";results=" + results)
                .warmupForks(1).measurementIterations(2)
                .resultFormat(ResultFormatType.JSON).result(json.toString());
        Run run = run(o);
        // JMH's own JSON carries the figures, for existing JMH tooling, and stays valid JSON
        var metrics = dev.lem.results.ResultsJson.mapper().readTree(java.nio.file.Files.readString(json)).get(0)
                .get("secondaryMetrics");
        assertThat(metrics.get(CPU).get("scoreUnit").asString()).isEqualTo("uJ/op");
        assertThat(metrics.get(CPU).get("rawData")).as("2 forks").hasSize(2);
        assertThat(metrics.get("lem.power.total (measured)").get("scoreUnit").asString()).isEqualTo("W");
        List<IterationResult> its = run.iterations();
        assertThat(its).as("2 measured forks x 2 iterations").hasSize(4);
        Map<Double, ProcessResult> windows = windowsByScore(results);
        for (IterationResult it : its) {
            double t = secondsPerOp(Mode.Throughput, it);
            ProcessResult w = windows.get(it.getPrimaryResult().getScore());
            assertThat(it.getSecondaryResults().get(CPU).getScore()).isCloseTo(CPU_W * t * UJ,
                    offset(CPU_W * t * UJ * edgeError(w, "cpu.package[0]", CPU_W)));
        }
        assertThat(run.output()).contains("# LEM: writing LEM results to " + results);

        ResultsRepository repo = new ResultsRepository(results);
        assertThat(repo.experimentIds()).as("one experiment for the benchmark, shared by its forks").hasSize(1);
        String id = repo.experimentIds().get(0);
        List<ProcessResult> cycles = repo.readProcessResults(id);
        assertThat(cycles).as("measured iterations only: no warm-up iteration, no warm-up fork")
                .extracting(ProcessResult::cycle).containsExactly(0, 1, 2, 3);
        for (ProcessResult p : cycles) {
            assertThat(p.durationNanos()).as("a window spans its whole iteration").isGreaterThanOrEqualTo(150_000_000L);
            double cpuWatts = p.energy().orElseThrow().domain("cpu.package[0]").orElseThrow().joules()
                    / (p.durationNanos() / 1e9);
            assertThat(p.counters()).containsKeys("jmh.ops_per_s", "jmh.energy_per_op_j.cpu.package[0]");
            assertThat(p.counters().get("jmh.energy_per_op_j.cpu.package[0]")).as("the window's power / ops per s")
                    .isCloseTo(cpuWatts / p.counters().get("jmh.ops_per_s"), withinPercentage(1e-6));
        }
        RunSetup setup = repo.readSetups(id).get(0);
        assertThat(setup.cyclesRun()).isEqualTo(4);
        assertThat(setup.config().backend()).isEqualTo("jmh");
        assertThat(setup.config().model()).isEqualTo("jmh:" + SumBenchmark.class.getName() + ".sum");
        assertThat(setup.backendEnvironment()).containsEntry("jmh.mode", "thrpt").containsEntry("jmh.forks", "2");
        ExperimentResult r = repo.aggregate(id);
        double expectedWatts = cycles.stream().mapToDouble(p -> p.energy().orElseThrow().totalJoules()).sum()
                / cycles.stream().mapToDouble(p -> p.durationNanos() / 1e9).sum();
        assertThat(r.summary().get(Metric.AVERAGE_POWER_W).mean()).isCloseTo(expectedWatts, withinPercentage(1e-6));
        assertThat(expectedWatts).isBetween(0.5 * (CPU_W + GPU_W), 1.5 * (CPU_W + GPU_W));
        assertThat(r.summary().get(Metric.ENERGY_J).n()).isEqualTo(4);
    }

    @Test
    void idleBaselineGivesAdjustedFiguresNearZeroForAConstantPower() throws RunnerException {
        Run run = run(options(Mode.AverageTime, 1, 0, SIMULATED + ";baseline=100ms"));
        for (IterationResult it : run.iterations()) {
            double raw = it.getSecondaryResults().get(CPU).getScore();
            Result adjusted = it.getSecondaryResults().get("lem.energy.cpu.package0.adjusted (measured)");
            assertThat(adjusted.getScoreUnit()).isEqualTo("uJ/op");
            // adjusted = raw x (1 - idle power / window power); both are 50 W up to edge timing
            assertThat(adjusted.getScore()).as("idle power is the same 50 W").isLessThan(0.5 * raw)
                    .isGreaterThan(-0.5 * raw);
            assertThat(it.getSecondaryResults()).containsKey("lem.energy.total.adjusted (measured)");
        }
        assertThat(run.output()).contains("# LEM: measuring idle power for 0.1 s").contains("# LEM: idle power: ");
    }

    @Test
    void figuresBelowTheMetersResolutionAreLeftOutWithTheReason() throws RunnerException {
        // updated once a second: an iteration of 150 ms may be off by 1 s of power, far more than 5%
        Run run = run(options(Mode.Throughput, 1, 0, SIMULATED + ";set=energy.meter_options.simulated.resolution_j="
                + "0.001;set=energy.meter_options.simulated.resolution_ms=1000"));
        for (IterationResult it : run.iterations()) {
            assertThat(it.getSecondaryResults().keySet()).noneMatch(k -> k.startsWith("lem."));
            assertThat(it.getPrimaryResult().getScore()).as("the benchmark still ran").isPositive();
        }
        assertThat(run.output()).contains("# LEM: cpu.package[0] resolution: 1 mJ steps, updated every 1 s")
                .contains("is below the meter's resolution (1 mJ steps, updated every 1 s: up to")
                .contains("more than the 5.0% allowed); measure at least 20 s per window (JMH: longer iterations, -r");
    }

    @Test
    void figuresWithinTheMetersResolutionAreReported(@TempDir Path results) throws RunnerException {
        Run run = run(options(Mode.Throughput, 1, 0, SIMULATED + ";set=energy.meter_options.simulated.resolution_j="
                + "61e-6;set=energy.meter_options.simulated.resolution_ms=1;results=" + results));
        assertJoulesPerOpArePowerTimesTimePerOp(Mode.Throughput, run, results);
        assertThat(run.output()).doesNotContain("below the meter's resolution");
    }

    @Test
    void onlyEstimatesAreLabelledEstimatedAndSaidOnce() throws RunnerException {
        Run run = run(options(Mode.AverageTime, 1, 0, SIMULATED + ";set=energy.meter_options.simulated.method=estimated"));
        for (IterationResult it : run.iterations()) {
            assertThat(it.getSecondaryResults()).containsKeys("lem.energy.cpu.package0 (estimated)",
                    "lem.energy.total (estimated)").doesNotContainKey(CPU);
        }
        assertThat(run.output()).containsOnlyOnce("# LEM: no energy counter here, only estimates: cpu.package[0] "
                + "estimated by simulated, gpu[0] estimated by simulated; energy per op is labelled (estimated)");
    }

    @Test
    void withoutAnyMeterTheBenchmarkRunsAndALineSaysWhy() throws RunnerException {
        Run run = run(options(Mode.Throughput, 1, 0, "meters=simulated"));
        assertThat(run.iterations()).hasSize(ITERATIONS).allSatisfy(it -> {
            assertThat(it.getPrimaryResult().getScore()).isPositive();
            assertThat(it.getSecondaryResults().keySet()).noneMatch(k -> k.startsWith("lem."));
        });
        assertThat(run.output()).contains("# LEM: no energy meter can run here (simulated: test meter: set "
                + "energy.meter_options.simulated.cpu_watts to use it); the benchmark runs without energy figures");
    }

    @Test
    void helpListsEveryOption() {
        assertThatThrownBy(() -> new LemProfiler("help")).hasMessageContaining("Options accepted by lem:")
                .hasMessageContaining("meters=<name,...>").hasMessageContaining("interval=<duration, e.g. 50ms>")
                .hasMessageContaining("baseline=<duration, e.g. 5s>").hasMessageContaining("maxResolutionError=")
                .hasMessageContaining("set=<energy.key=value>").hasMessageContaining("results=<dir>");
        // JMH's Main prints the cause: the same list
        assertThatThrownBy(() -> run(options(Mode.Throughput, 1, 0, "help")))
                .hasMessage("Profilers failed to initialize, exiting.")
                .cause().hasMessageContaining("Options accepted by lem:");
    }

    @Test
    void badOptionsAreRefusedWithTheOptionAndValue() {
        assertThatThrownBy(() -> new LemProfiler("meters=nope")).hasMessageContaining("meters: no energy meter named "
                + "nope (found: ").hasMessageContaining("simulated");
        assertThatThrownBy(() -> new LemProfiler("interval=50")).hasMessageContaining("interval (50) must be a duration "
                + "with its unit, e.g. 50ms, 5s, 1m");
        assertThatThrownBy(() -> new LemProfiler("interval=1ms")).hasMessageContaining("energy.sampler_interval_ms");
        assertThatThrownBy(() -> new LemProfiler("maxResolutionError=150%")).hasMessageContaining(
                "maxResolutionError (150%) must be a share in (0, 1], e.g. 0.05 or 5%");
        assertThatThrownBy(() -> new LemProfiler("set=cycles=3")).hasMessageContaining(
                "set (cycles=3) must be energy.<key>=<value>");
        assertThatThrownBy(() -> new LemProfiler("frequency=3")).hasMessageContaining("frequency");
    }

    @Test
    void theShortNameAndTheClassNameAreTheSameProfiler() throws Exception {
        // JMH resolves -prof lem with Class.forName("lem") and the String constructor
        assertThat(Class.forName("lem").getConstructor(String.class).newInstance("interval=50ms"))
                .isInstanceOf(LemProfiler.class);
        assertThat(new LemProfiler("meters=simulated;interval=50ms;baseline=2s;maxResolutionError=0.1").getDescription())
                .contains("J/op");
    }

    /** Writes to two streams. */
    static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) {
            try {
                a.write(c);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            synchronized (b) {
                try {
                    b.write(c);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            synchronized (b) {
                b.write(buf, off, len);
            }
        }
    }
}
