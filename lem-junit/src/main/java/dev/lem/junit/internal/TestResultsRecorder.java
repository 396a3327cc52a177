package dev.lem.junit.internal;

import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.ValueSource;
import dev.lem.energy.IdleBaseline;
import dev.lem.env.EnvironmentCapture;
import dev.lem.env.EnvironmentInfo;
import dev.lem.result.ProcessResult;
import dev.lem.result.RunSetup;
import dev.lem.results.ExperimentIds;
import dev.lem.results.ResultsJson;
import dev.lem.results.ResultsRepository;
import dev.lem.spi.PluginStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Writes one test (a {@code @RepeatedTest}: all its repetitions) as a LEM experiment: {@code setup_0.json} and one
 * {@code cycle_<c>/process_0.json} per invocation, so {@code lem results list} lists it and {@code lem results show}
 * gives its energy across repetitions. The model is {@code junit:<class>#<method>}, the backend {@code junit}; units
 * the test counted are the counter {@code junit.units.<unit>}. Thread-safe (one writer per experiment).
 */
public final class TestResultsRecorder {
    private static volatile @org.jspecify.annotations.Nullable EnvironmentInfo environment;

    private final ResultsRepository repo;
    private final String experimentId = ExperimentIds.generate();
    private final ExperimentConfig config;
    private final List<PluginStatus> plugins;
    private final Optional<IdleBaseline> baseline;
    private final Map<String, String> facts;
    private final long pid = ProcessHandle.current().pid();
    private final Instant startedAt = Instant.now();
    private final List<String> warnings = new ArrayList<>();
    private int cycles;

    /**
     * @param dir      the results directory
     * @param name     the test, e.g. {@code EnergyBudgetTest#decode}
     * @param model    {@code junit:<class>#<method>}
     * @param settings the configuration the meters opened with
     * @param meters   the meters
     * @param facts    facts about the test (its unique id, display name)
     */
    public TestResultsRecorder(Path dir, String name, String model, Settings settings, Meters meters,
            Map<String, String> facts) {
        this.repo = new ResultsRepository(dir);
        this.config = ConfigResolver.from(settings.config())
                .set("name", name, ValueSource.OVERRIDE)
                .set("model", model, ValueSource.OVERRIDE)
                .set("backend", "junit", ValueSource.OVERRIDE)
                .set("results_dir", repo.root().toString(), ValueSource.OVERRIDE)
                .set("energy.idle_baseline_s", settings.baseline().map(d -> d.toNanos() / 1e9).orElse(0.0),
                        ValueSource.OVERRIDE)
                .resolve();
        this.plugins = meters.plugins();
        this.baseline = meters.baseline();
        this.facts = Map.copyOf(facts);
    }

    private static EnvironmentInfo environment() {
        EnvironmentInfo e = environment;
        if (e == null) {
            e = EnvironmentCapture.capture();
            environment = e;
        }
        return e;
    }

    /** The experiment id. */
    public String experimentId() {
        return experimentId;
    }

    /** Where the results are. */
    public Path root() {
        return repo.root();
    }

    /**
     * Writes one invocation as the next cycle.
     *
     * @param startedAt when its window opened
     * @param inv       its energy
     * @param unit      the unit it counted ({@code invocation} when none)
     * @param notes     what to keep with it (refusals, overlap, the budget's verdict)
     */
    public synchronized void invocation(Instant startedAt, Invocation inv, String unit, List<String> notes) {
        Map<String, Double> counters = new TreeMap<>();
        if (inv.units() > 0) {
            counters.put("junit.units." + unit, inv.units());
        }
        counters.put("junit.overlapping_tests", (double) inv.overlapped());
        EnvironmentInfo env = environment();
        repo.writeProcessResult(new ProcessResult(ResultsJson.SCHEMA_VERSION, experimentId, cycles, 0, env.host(),
                startedAt, inv.energy().durationNanos(), List.of(), Optional.of(inv.energy()), Map.of(), Map.of(),
                counters, Optional.empty(), Optional.empty(), Optional.empty(), notes));
        notes.stream().filter(n -> !warnings.contains(n)).forEach(warnings::add);
        cycles++;
        repo.writeSetup(new RunSetup(ResultsJson.SCHEMA_VERSION, experimentId, 0, 1, env.host(), pid, startedAt(),
                config, env, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), baseline, plugins,
                facts, cycles, "JUnit: " + cycles + " invocation" + (cycles == 1 ? "" : "s"), warnings,
                Optional.empty(), dev.lem.result.RunStatus.COMPLETE, Optional.of(Instant.now())));
        // complete after every invocation: the invocations so far are all a test run has; none is ever pending
    }

    private Instant startedAt() {
        return startedAt;
    }
}
