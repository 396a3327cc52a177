package dev.lem.jmh.internal;

import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.ValueSource;
import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.IdleBaseline;
import dev.lem.env.EnvironmentCapture;
import dev.lem.env.EnvironmentInfo;
import dev.lem.result.ProcessResult;
import dev.lem.result.RunSetup;
import dev.lem.results.ResultsJson;
import dev.lem.results.ResultsRepository;
import dev.lem.spi.PluginStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Writes one JMH benchmark (one set of {@code @Param} values) as a LEM experiment: {@code setup_0.json} and one
 * {@code cycle_<c>/process_0.json} per measured iteration, cycle {@code c = fork × iterations + iteration}, so
 * {@code lem results list} lists it and {@code lem results show} summarises its energy per iteration, average
 * power and energy by kind across iterations. The model is {@code jmh:<benchmark>}, the backend {@code jmh}; the
 * J/op figures of each iteration are in its counters ({@code jmh.energy_per_op_j.<domain>}, ...). Runs in the
 * forked JVM; forks run one after another, so each file has one writer.
 */
public final class LemResultsRecorder {
    private final ResultsRepository repo;
    private final String experimentId;
    private final int fork;
    private final int iterationsPerFork;
    private final ExperimentConfig config;
    private final EnvironmentInfo environment;
    private final List<PluginStatus> plugins;
    private final Map<String, String> facts;
    private final long pid = ProcessHandle.current().pid();
    private final Instant startedAt = Instant.now();
    private final List<String> warnings = new ArrayList<>();
    private Optional<IdleBaseline> baseline = Optional.empty();
    private int cyclesRun;

    /**
     * @param dir          the results directory
     * @param experimentId the experiment (shared by the forks of one benchmark)
     * @param fork         this fork's index among the measured forks, from 0
     * @param params       the benchmark
     * @param options      the profiler's options (the configuration recorded)
     * @param plugins      the meters considered, used or not
     */
    public LemResultsRecorder(Path dir, String experimentId, int fork, BenchmarkParams params, ProfilerOptions options,
            List<PluginStatus> plugins) {
        this.repo = new ResultsRepository(dir);
        this.experimentId = experimentId;
        this.fork = fork;
        this.iterationsPerFork = params.getMeasurement().getCount();
        this.plugins = List.copyOf(plugins);
        String label = label(params);
        this.config = ConfigResolver.from(options.config())
                .set("name", label, ValueSource.OVERRIDE)
                .set("model", "jmh:" + params.getBenchmark(), ValueSource.OVERRIDE)
                .set("backend", "jmh", ValueSource.OVERRIDE)
                .set("cycles", Math.max(1, params.getForks() * iterationsPerFork), ValueSource.OVERRIDE)
                .set("results_dir", repo.root().toString(), ValueSource.OVERRIDE)
                .set("energy.idle_baseline_s", options.baseline().map(d -> d.toNanos() / 1e9).orElse(0.0),
                        ValueSource.OVERRIDE)
                .resolve();
        this.environment = EnvironmentCapture.capture();
        Map<String, String> f = new LinkedHashMap<>();
        f.put("jmh.version", params.getJmhVersion());
        f.put("jmh.benchmark", params.getBenchmark());
        f.put("jmh.mode", params.getMode().shortLabel());
        f.put("jmh.threads", String.valueOf(params.getThreads()));
        f.put("jmh.forks", String.valueOf(params.getForks()));
        f.put("jmh.warmup", params.getWarmup().getCount() + " x " + params.getWarmup().getTime());
        f.put("jmh.measurement", iterationsPerFork + " x " + params.getMeasurement().getTime());
        f.put("jmh.time_unit", params.getTimeUnit().name().toLowerCase(java.util.Locale.ROOT));
        f.put("jmh.ops_per_invocation", String.valueOf(params.getOpsPerInvocation()));
        params.getParamsKeys().forEach(k -> f.put("jmh.param." + k, params.getParam(k)));
        this.facts = f;
    }

    /** The name shown in listings: the benchmark's class and method, with its {@code @Param} values. */
    static String label(BenchmarkParams params) {
        String b = params.getBenchmark();
        int dot = b.lastIndexOf('.', b.lastIndexOf('.') - 1);
        String shortName = dot < 0 ? b : b.substring(dot + 1);
        Map<String, String> p = new TreeMap<>();
        params.getParamsKeys().forEach(k -> p.put(k, params.getParam(k)));
        return p.isEmpty() ? shortName : shortName + " " + p;
    }

    /** The experiment id. */
    public String experimentId() {
        return experimentId;
    }

    /** Records the idle baseline measured in this fork. */
    public void baseline(IdleBaseline b) {
        this.baseline = Optional.of(b);
        writeSetup();
    }

    /**
     * Writes one measured iteration as a cycle.
     *
     * @param iteration    the measured iteration in this fork, from 1
     * @param startedAt    when its window opened
     * @param energy       its window
     * @param opsPerSecond operations per second over its threads
     * @param score        JMH's primary score, in {@code scoreUnit}
     * @param figures      its figures (energy per op per domain go to the counters, in J/op)
     * @param unit         the unit of the figures' energy per op
     */
    public void iteration(int iteration, Instant startedAt, EnergyMeasurement energy, double opsPerSecond,
            double score, String scoreUnit, IterationFigures figures, IterationFigures.EnergyUnit unit) {
        int cycle = fork * iterationsPerFork + iteration - 1;
        Map<String, Double> counters = new TreeMap<>();
        counters.put("jmh.ops_per_s", opsPerSecond);
        counters.put("jmh.score", score);
        for (IterationFigures.Figure f : figures.figures()) {
            if (f.perOperation()) {
                counters.put("jmh.energy_per_op_j." + f.domain() + (f.adjusted() ? ".adjusted" : ""),
                        f.value() / unit.perJoule());
            }
        }
        List<String> w = new ArrayList<>(figures.refusals());
        w.add(0, "jmh score: " + score + " " + scoreUnit);
        repo.writeProcessResult(new ProcessResult(ResultsJson.SCHEMA_VERSION, experimentId, cycle, 0,
                environment.host(), startedAt, energy.durationNanos(), List.of(), Optional.of(energy), Map.of(),
                Map.of(), counters, Optional.empty(), Optional.empty(), Optional.empty(), w));
        figures.refusals().forEach(r -> {
            if (!warnings.contains(r)) {
                warnings.add(r);
            }
        });
        cyclesRun = cycle + 1;
        writeSetup();
    }

    private void writeSetup() {
        // the end marker: every measured iteration of every fork is recorded (JMH killed earlier leaves it running)
        boolean complete = cyclesRun >= config.cycles();
        repo.writeSetup(new RunSetup(ResultsJson.SCHEMA_VERSION, experimentId, 0, 1, environment.host(), pid,
                startedAt, config, environment, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                baseline, plugins, facts, cyclesRun, fork == 0 && cyclesRun == 0 ? "not started"
                        : "JMH: fork " + (fork + 1) + ", " + iterationsPerFork + " measured iterations per fork",
                warnings, Optional.empty(), complete ? dev.lem.result.RunStatus.COMPLETE
                        : dev.lem.result.RunStatus.RUNNING, complete ? Optional.of(Instant.now()) : Optional.empty()));
    }
}
