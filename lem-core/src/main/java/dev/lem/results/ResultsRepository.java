package dev.lem.results;

import dev.lem.result.ExperimentResult;
import dev.lem.result.ProcessResult;
import dev.lem.result.RunSetup;
import dev.lem.energy.TimeSeries;
import dev.lem.results.internal.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import dev.lem.quality.QualityScore;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The results directory on disk:
 * <pre>
 * results/
 *   raw/&lt;id&gt;/setup_&lt;rank&gt;.json
 *   raw/&lt;id&gt;/cycle_&lt;c&gt;/process_&lt;rank&gt;.json
 *   raw/&lt;id&gt;/cycle_&lt;c&gt;/timeseries_&lt;rank&gt;.csv
 *   raw/&lt;id&gt;/quality_scores.json     (lem results annotate)
 *   aggregated/&lt;id&gt;.json
 * </pre>
 * Every write is atomic; every JSON file carries {@code schema_version}. Safe for several processes
 * writing different ranks at once (each file has one writer).
 */
public final class ResultsRepository {
    private static final Pattern CYCLE_DIR = Pattern.compile("cycle_(\\d+)");
    private static final Pattern PROCESS_FILE = Pattern.compile("process_(\\d+)\\.json");
    private static final String QUALITY_SCORES = "quality_scores.json";
    private static final Pattern SETUP_FILE = Pattern.compile("setup_(\\d+)\\.json");

    private final Path root;

    /**
     * A repository of the results under a root folder; nothing is read or created until used.
     *
     * @param root the results root; made absolute
     */
    public ResultsRepository(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** {@return the results root, absolute} */
    public Path root() {
        return root;
    }

    /**
     * {@code raw/<id>}.
     *
     * @param id the experiment id
     * @return the folder of the experiment's raw results
     */
    public Path rawDirectory(String id) {
        return root.resolve("raw").resolve(ExperimentIds.require(id));
    }

    /**
     * {@code raw/<id>/cycle_<c>}.
     *
     * @param id the experiment id
     * @param cycle the cycle number
     * @return the folder of that cycle's raw results
     */
    public Path cycleDirectory(String id, int cycle) {
        return rawDirectory(id).resolve("cycle_" + cycle);
    }

    /**
     * {@code aggregated/<id>.json}.
     *
     * @param id the experiment id
     * @return the file of the experiment's aggregated result
     */
    public Path aggregatedFile(String id) {
        return root.resolve("aggregated").resolve(ExperimentIds.require(id) + ".json");
    }

    /**
     * Writes a process's setup (again, as it grows).
     *
     * @param setup the setup, which names its experiment and rank
     */
    public void writeSetup(RunSetup setup) {
        AtomicFiles.write(rawDirectory(setup.experimentId()).resolve("setup_" + setup.rank() + ".json"),
                ResultsJson.write(setup));
    }

    /**
     * Writes one cycle's raw result of one process.
     *
     * @param result the result, which names its experiment, cycle and rank
     * @return the file written
     */
    public Path writeProcessResult(ProcessResult result) {
        Path file = cycleDirectory(result.experimentId(), result.cycle()).resolve("process_" + result.rank() + ".json");
        AtomicFiles.write(file, ResultsJson.write(result));
        return file;
    }

    /**
     * Writes one cycle's time series of one process; returns the file name relative to the cycle folder.
     *
     * @param id the experiment id
     * @param cycle the cycle number
     * @param rank the process's rank
     * @param series the time series
     * @return the file name, relative to the cycle folder
     */
    public String writeTimeSeries(String id, int cycle, int rank, TimeSeries series) {
        String name = "timeseries_" + rank + ".csv";
        AtomicFiles.write(cycleDirectory(id, cycle).resolve(name), series.toCsv());
        return name;
    }

    /**
     * Writes a file the way every results file is written: to a temporary file in the same folder, synced, then
     * renamed over the target, so a crash leaves the old file or the new one, never a torn mix (exports use it).
     *
     * @param target the file to write
     * @param text its whole content
     * @throws ResultsException when the file cannot be written
     */
    public static void writeAtomically(Path target, String text) {
        AtomicFiles.write(target, text);
    }

    /**
     * Writes the configuration worker processes read ({@code raw/<id>/config.json}); returns the file.
     *
     * @param id the experiment id
     * @param config the configuration
     * @return the file written
     */
    public Path writeWorkerConfig(String id, dev.lem.config.ExperimentConfig config) {
        Path file = rawDirectory(id).resolve("config.json");
        AtomicFiles.write(file, ResultsJson.write(config));
        return file;
    }

    /**
     * Writes the aggregated result.
     *
     * @param result the aggregated result
     * @return the file written
     */
    public Path writeAggregated(ExperimentResult result) {
        Path file = aggregatedFile(result.id());
        AtomicFiles.write(file, ResultsJson.write(result));
        return file;
    }

    /**
     * Every process's setup of an experiment, by rank.
     *
     * @param id the experiment id
     * @return the setups, in rank order; empty when the experiment has none
     */
    public List<RunSetup> readSetups(String id) {
        Path dir = rawDirectory(id);
        if (!Files.isDirectory(dir)) {
            throw new ResultsException("No raw results for experiment " + id + " under " + root.resolve("raw")
                    + " (is --results-dir right? `lem results list` shows what is there)");
        }
        List<RunSetup> out = new ArrayList<>();
        for (Path f : list(dir)) {
            if (SETUP_FILE.matcher(f.getFileName().toString()).matches()) {
                out.add(ResultsJson.read(readText(f), RunSetup.class, f.toString()));
            }
        }
        out.sort(Comparator.comparingInt(RunSetup::rank));
        return out;
    }

    /**
     * Every raw process result of an experiment, ordered by cycle then rank.
     *
     * @param id the experiment id
     * @return the results, ordered by cycle then rank
     * @throws ResultsException naming the first file that cannot be read
     */
    public List<ProcessResult> readProcessResults(String id) {
        return readProcessResults(id, null);
    }

    /**
     * Every readable raw process result of an experiment, ordered by cycle then rank; each file that cannot be read
     * is left out and described in {@code skipped} (its path and why).
     *
     * @param id the experiment id
     * @param skipped where each file left out is described; {@code null} to ignore them
     * @return the readable results, ordered by cycle then rank
     */
    public List<ProcessResult> readProcessResults(String id, @Nullable List<String> skipped) {
        List<ProcessResult> out = new ArrayList<>();
        for (Path cycleDir : list(rawDirectory(id))) {
            if (!Files.isDirectory(cycleDir) || !CYCLE_DIR.matcher(cycleDir.getFileName().toString()).matches()) {
                continue;
            }
            for (Path f : list(cycleDir)) {
                if (PROCESS_FILE.matcher(f.getFileName().toString()).matches()) {
                    try {
                        out.add(ResultsJson.read(readText(f), ProcessResult.class, f.toString()));
                    } catch (ResultsException e) {
                        if (skipped == null) {
                            throw new ResultsException(e.getMessage() + " (to aggregate the other cycles, run `lem "
                                    + "aggregate " + id + " --skip-corrupt`)", e);
                        }
                        skipped.add(e.getMessage());
                    }
                }
            }
        }
        out.sort(Comparator.comparingInt(ProcessResult::cycle).thenComparingInt(ProcessResult::rank));
        return out;
    }

    /**
     * The aggregated result, if aggregation has run.
     *
     * @param id the experiment id
     * @return the aggregated result; empty when aggregation has not run
     */
    public Optional<ExperimentResult> readAggregated(String id) {
        Path f = aggregatedFile(id);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        return Optional.of(ResultsJson.read(readText(f), ExperimentResult.class, f.toString()));
    }

    /**
     * Aggregates the raw results of an experiment and writes {@code aggregated/<id>.json}.
     *
     * @param id the experiment id
     * @return the aggregated result, also written
     * @throws ResultsException when a raw file cannot be read (naming it)
     */
    public ExperimentResult aggregate(String id) {
        return aggregate(id, false);
    }

    /**
     * Aggregates the raw results of an experiment and writes {@code aggregated/<id>.json}.
     *
     * @param id the experiment id
     * @param skipCorrupt leave out per-cycle files that cannot be read instead of failing; the result's warnings
     *                    name each file left out and why, and its cycle appears as missing
     * @return the aggregated result, also written
     * @throws ResultsException when a setup file cannot be read, or a cycle file and not {@code skipCorrupt}
     */
    public ExperimentResult aggregate(String id, boolean skipCorrupt) {
        List<RunSetup> setups = readSetups(id);
        if (setups.isEmpty()) {
            throw new ResultsException("Experiment " + id + " has no setup files in " + rawDirectory(id)
                    + ": it did not get far enough to record anything");
        }
        List<String> skipped = new ArrayList<>();
        List<ProcessResult> results = readProcessResults(id, skipCorrupt ? skipped : null);
        ExperimentResult result = Aggregator.aggregate(id, setups, results, skipped)
                .withQualityScores(readQualityScores(id));
        writeAggregated(result);
        return result;
    }

    /**
     * What {@code lem results list} shows of one experiment: its status from the processes' end markers (and, once
     * every process has ended, from the aggregate, which also knows the failure rate) and the number of cycles
     * with readable raw results.
     *
     * @param id the experiment id
     * @return the experiment's overview
     * @throws ResultsException when its setup cannot be read (naming the file)
     */
    public ExperimentOverview overview(String id) {
        List<RunSetup> setups = readSetups(id);
        if (setups.isEmpty()) {
            throw new ResultsException("Experiment " + id + " has no setup file in " + rawDirectory(id));
        }
        RunSetup first = setups.get(0);
        var config = first.config();
        List<String> skipped = new ArrayList<>();
        Map<Integer, Long> ranksPerCycle = readProcessResults(id, skipped).stream()
                .collect(Collectors.groupingBy(ProcessResult::cycle, Collectors.counting()));
        int cycles = ranksPerCycle.size();
        java.util.SortedSet<Integer> whole = ranksPerCycle.entrySet().stream()
                .filter(e -> e.getValue() >= first.worldSize()).map(Map.Entry::getKey)
                .collect(Collectors.toCollection(java.util.TreeSet::new));
        Aggregator.Status status = Aggregator.status(setups, first.worldSize(), List.of(), whole, config);
        Optional<ExperimentResult> agg = Optional.empty();
        try {
            agg = readAggregated(id);
        } catch (ResultsException e) {
            status = new Aggregator.Status(status.state(), (status.reason().isEmpty() ? "" : status.reason() + "; ")
                    + "the aggregate is unreadable: run `lem aggregate " + id + "`");
        }
        if (agg.isPresent() && isCurrent(agg.get(), setups)) {
            status = new Aggregator.Status(agg.get().status(), agg.get().statusReason());
        } else if (agg.isPresent() && status.state() != dev.lem.result.Completeness.INCOMPLETE) {
            status = new Aggregator.Status(status.state(), (status.reason().isEmpty() ? "" : status.reason() + "; ")
                    + "the aggregate predates the end of the run: run `lem aggregate " + id + "`");
        }
        if (!skipped.isEmpty() && status.state() == dev.lem.result.Completeness.COMPLETE) {
            status = new Aggregator.Status(dev.lem.result.Completeness.INCOMPLETE, skipped.size()
                    + " unreadable cycle file(s): " + skipped.get(0) + (skipped.size() > 1 ? " (and others)" : ""));
        }
        String planned = config.stats().adaptive().enabled() ? "at most " + config.stats().adaptive().maxCycles()
                : String.valueOf(config.cycles());
        return new ExperimentOverview(id, config.name().orElse(""), config.model(), config.backend(), cycles, planned,
                status.state(), status.reason(), agg.isPresent());
    }

    /**
     * The aggregated result when it is up to date, else a fresh aggregation (written): what {@code lem results show}
     * and exports use, so an aggregate taken while the run was going (or before a rank ended) is never shown as
     * the result.
     *
     * @param id the experiment id
     * @return the up-to-date aggregated result
     * @throws ResultsException when a file cannot be read (naming it)
     */
    public ExperimentResult current(String id) {
        Optional<ExperimentResult> agg = readAggregated(id);
        if (agg.isPresent() && isCurrent(agg.get(), readSetups(id))) {
            List<QualityScore> scores = readQualityScores(id);
            if (agg.get().qualityScores().equals(scores)) {
                return agg.get();
            }
            ExperimentResult annotated = agg.get().withQualityScores(scores);
            writeAggregated(annotated);
            return annotated;
        }
        return aggregate(id);
    }

    /**
     * Whether an aggregate reflects the processes as they stand: every process has ended, and the aggregate saw
     * each one in its final state (same status and cycle count).
     */
    static boolean isCurrent(ExperimentResult aggregate, List<RunSetup> setups) {
        if (setups.isEmpty() || setups.stream().anyMatch(s -> s.status() == dev.lem.result.RunStatus.RUNNING)) {
            return false;
        }
        Map<Integer, RunSetup> seen = aggregate.processes().stream()
                .collect(Collectors.toMap(RunSetup::rank, s -> s, (a, b) -> a));
        return setups.stream().allMatch(s -> seen.containsKey(s.rank()) && seen.get(s.rank()).status() == s.status()
                && seen.get(s.rank()).cyclesRun() == s.cyclesRun());
    }

    /**
     * The quality scores users attached to an experiment, in the order first attached.
     *
     * @param id the experiment id
     * @return the scores; empty when none
     * @throws ResultsException when the file cannot be read (naming it)
     */
    public List<QualityScore> readQualityScores(String id) {
        Path f = rawDirectory(id).resolve(QUALITY_SCORES);
        if (!Files.isRegularFile(f)) {
            return List.of();
        }
        return ResultsJson.read(readText(f), QualityScores.class, f.toString()).scores();
    }

    /**
     * Attaches quality scores to an experiment ({@code lem results annotate}): a score of a name already attached is
     * replaced, the others kept; then the aggregate is written again with them (aggregated anew when out of date).
     *
     * @param id     the experiment id
     * @param scores the scores to attach
     * @return the aggregate with the scores
     * @throws ResultsException when the experiment has no raw results or a file cannot be read or written
     */
    public ExperimentResult annotate(String id, List<QualityScore> scores) {
        if (readSetups(id).isEmpty()) {
            throw new ResultsException("Experiment " + id + " has no results in " + rawDirectory(id)
                    + ": `lem results list` shows the experiments");
        }
        Map<String, QualityScore> all = new java.util.LinkedHashMap<>();
        readQualityScores(id).forEach(q -> all.put(q.name(), q));
        scores.forEach(q -> all.put(q.name(), q));
        AtomicFiles.write(rawDirectory(id).resolve(QUALITY_SCORES),
                ResultsJson.write(new QualityScores(ResultsJson.SCHEMA_VERSION, List.copyOf(all.values()))));
        return current(id);
    }

    /**
     * The file of user quality scores.
     *
     * @param schemaVersion results schema version
     * @param scores        the scores
     */
    record QualityScores(int schemaVersion, List<QualityScore> scores) {
    }

    /** {@return ids of every experiment with raw results, oldest first} */
    public List<String> experimentIds() {
        Path raw = root.resolve("raw");
        if (!Files.isDirectory(raw)) {
            return List.of();
        }
        return list(raw).stream().map(p -> p.getFileName().toString()).filter(ExperimentIds::isValid).sorted().toList();
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new ResultsException("Cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String readText(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ResultsException("Cannot read " + f + ": " + e.getMessage(), e);
        }
    }
}
