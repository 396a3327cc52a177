package dev.lem.report.internal;

import dev.lem.energy.DomainEnergy;
import dev.lem.energy.EnergyMeasurement;
import dev.lem.metrics.RequestRecord;
import dev.lem.result.CycleResult;
import dev.lem.result.ExperimentResult;
import dev.lem.result.PhaseMeasurement;
import dev.lem.result.ProcessResult;
import dev.lem.result.RunSetup;
import dev.lem.results.ResultsException;
import dev.lem.results.ResultsRepository;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads what a report shows of an experiment's raw files — every request's timeline (for the latency CDFs) and
 * each cycle's time series (for power and telemetry over time) — and thins it for display as it reads, so that an
 * hour of 100 ms samples per experiment costs a few hundred points in the report. A file that cannot be read is
 * skipped with a note naming it; the report then shows what remains.
 */
public final class RawLoader {
    /** Points kept per time-series column per experiment. */
    public static final int POINTS_PER_LINE = 600;
    /** Steps kept per latency CDF. */
    public static final int CDF_STEPS = 200;

    private static final Pattern TIMESERIES_FILE = Pattern.compile("timeseries_\\d+\\.csv");
    // NVML clock-event (throttle) reason bits: docs/energy.md, nvml.h
    private static final long THERMAL = 0x20 | 0x40;
    private static final long POWER = 0x04 | 0x80;
    private static final long SLOWDOWN = 0x08;

    private RawLoader() {
    }

    /** A growable array of doubles. */
    private static final class Doubles {
        double[] a = new double[64];
        int n;

        void add(double v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        double[] sorted() {
            double[] s = Arrays.copyOf(a, n);
            Arrays.sort(s);
            return s;
        }
    }

    /** One column's thinned pieces, one per cycle, joined with NaN breaks. */
    private static final class Pieces {
        final String label;
        final String unit;
        final List<Downsample.Series> parts = new ArrayList<>();

        Pieces(String label, String unit) {
            this.label = label;
            this.unit = unit;
        }

        Downsample.Series join() {
            int size = parts.stream().mapToInt(Downsample.Series::size).sum() + Math.max(0, parts.size() - 1);
            double[] t = new double[size];
            double[] v = new double[size];
            int i = 0;
            for (int p = 0; p < parts.size(); p++) {
                if (p > 0) {
                    t[i] = parts.get(p).size() > 0 ? parts.get(p).t()[0] : t[Math.max(0, i - 1)];
                    v[i++] = Double.NaN;
                }
                Downsample.Series s = parts.get(p);
                System.arraycopy(s.t(), 0, t, i, s.size());
                System.arraycopy(s.v(), 0, v, i, s.size());
                i += s.size();
            }
            return new Downsample.Series(t, v);
        }
    }

    /**
     * The raw data of {@code result}, read from {@code repo}.
     *
     * @throws ResultsException when the experiment's raw folder does not exist
     */
    public static RawData load(ResultsRepository repo, ExperimentResult result) {
        String id = result.id();
        List<String> notes = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<ProcessResult> processes = repo.readProcessResults(id, skipped);
        skipped.forEach(s -> notes.add("skipped: " + s));
        Set<Integer> usable = result.completeCycles().stream().filter(c -> !c.failedEntirely())
                .map(CycleResult::cycle).collect(Collectors.toSet());
        Map<String, RawData.Cdf> latencies = latencies(processes, usable);
        RawData.Timeline timeline = timeline(repo, result, processes, notes);
        List<RawData.PhaseSplit> split = new ArrayList<>();
        for (ProcessResult p : processes) {
            Set<String> phases = new java.util.TreeSet<>(p.phaseNanos().keySet());
            phases.addAll(p.phaseEnergy().keySet());
            for (String ph : phases) {
                Long ns = p.phaseNanos().get(ph);
                EnergyMeasurement e = p.phaseEnergy().get(ph);
                split.add(new RawData.PhaseSplit(p.cycle(), p.rank(), ph, ns == null ? Double.NaN : ns / 1e9,
                        e == null ? Double.NaN : e.totalJoules()));
            }
        }
        return new RawData(latencies, timeline, split, notes);
    }

    static Map<String, RawData.Cdf> latencies(List<ProcessResult> processes, Set<Integer> usable) {
        Doubles ttft = new Doubles();
        Doubles itl = new Doubles();
        Doubles tpot = new Doubles();
        Doubles e2e = new Doubles();
        for (ProcessResult p : processes) {
            if (!usable.contains(p.cycle())) {
                continue;
            }
            for (RequestRecord r : p.requests()) {
                if (!r.ok()) {
                    continue;
                }
                r.ttftNanos().ifPresent(t -> ttft.add(t / 1e6));
                e2e.add(r.e2eNanos() / 1e6);
                r.tpotNanos().ifPresent(t -> tpot.add(t / 1e6));
                List<Long> chunks = r.chunkNanos();
                for (int i = 1; i < chunks.size(); i++) {
                    itl.add((chunks.get(i) - chunks.get(i - 1)) / 1e6);
                }
            }
        }
        Map<String, RawData.Cdf> out = new LinkedHashMap<>();
        put(out, "ttft", ttft);
        put(out, "itl", itl);
        put(out, "tpot", tpot);
        put(out, "e2e", e2e);
        return out;
    }

    private static void put(Map<String, RawData.Cdf> out, String key, Doubles d) {
        if (d.n > 0) {
            out.put(key, new RawData.Cdf(d.n, Downsample.cdf(d.sorted(), CDF_STEPS)));
        }
    }

    private static RawData.Timeline timeline(ResultsRepository repo, ExperimentResult result,
            List<ProcessResult> processes, List<String> notes) {
        Optional<RunSetup> first = result.processes().stream().findFirst();
        if (first.isEmpty()) {
            return RawData.Timeline.empty();
        }
        RunSetup setup = first.get();
        Instant t0 = setup.startedAt();
        int world = result.worldSize();
        List<RawData.Phase> phases = new ArrayList<>();
        List<ProcessResult> rank0 = processes.stream().filter(p -> p.rank() == setup.rank()).toList();
        Set<Integer> excluded = result.summary().excludedCycles().keySet();
        double firstCycle = rank0.isEmpty() ? Double.NaN : seconds(t0, rank0.get(0).startedAt());
        if (Double.isFinite(firstCycle)) {
            // phases before the first cycle: only their durations are recorded; they ran back to back in this
            // order (ExperimentRunner), so they are placed ending where the first cycle starts
            List<RawData.Phase> before = new ArrayList<>();
            double end = firstCycle;
            Optional<PhaseMeasurement> warm = setup.warmup().flatMap(w -> w.measurement());
            if (warm.isPresent()) {
                double d = warm.get().durationNanos() / 1e9;
                before.add(0, new RawData.Phase("warm-up", "warmup", end - d, end, false, watts(warm.get())));
                end -= d;
            }
            if (setup.load().isPresent()) {
                double d = setup.load().get().durationNanos() / 1e9;
                before.add(0, new RawData.Phase("model load", "load", end - d, end, false, watts(setup.load().get())));
                end -= d;
            }
            if (setup.baseline().isPresent()) {
                double d = setup.baseline().get().durationNanos() / 1e9;
                before.add(0, new RawData.Phase("idle baseline", "baseline", end - d, end, false,
                        watts(setup.baseline().get().measurement())));
            }
            phases.addAll(before);
        }
        double last = Double.NaN;
        for (ProcessResult p : rank0) {
            double from = seconds(t0, p.startedAt());
            double to = from + p.durationNanos() / 1e9;
            Map<String, Double> w = p.energy().map(RawLoader::watts).orElse(Map.of());
            boolean out = excluded.contains(p.cycle());
            phases.add(new RawData.Phase("cycle " + (p.cycle() + 1) + (out ? " (left out)" : ""),
                    out ? "excluded" : "cycle", from, to, true, w));
            last = Double.isNaN(last) ? to : Math.max(last, to);
        }
        if (Double.isFinite(last) && setup.unload().isPresent()) {
            double d = setup.unload().get().durationNanos() / 1e9;
            phases.add(new RawData.Phase("model unload", "unload", last, last + d, false, watts(setup.unload().get())));
        }
        if (phases.stream().anyMatch(ph -> !ph.placed())) {
            notes.add("baseline, model load, warm-up and unload are placed from their recorded durations (they ran "
                    + "back to back before the first cycle and after the last); each shows its mean power, as no "
                    + "samples are kept for them");
        }

        Map<String, String> methods = new LinkedHashMap<>();
        result.cycles().stream().flatMap(c -> c.energy().stream()).flatMap(e -> e.domains().stream())
                .forEach(d -> methods.putIfAbsent(d.domain().id(), d.domain().methodLabel()));
        Map<String, Pieces> power = new LinkedHashMap<>();
        Map<String, Pieces> telemetry = new TreeMap<>();
        List<RawData.Throttle> throttle = new ArrayList<>();
        boolean[] throttleColumn = {false};
        long rows = 0;
        int cyclesWithSeries = (int) processes.stream().filter(p -> p.timeseriesFile().isPresent()).count();
        int budget = Math.max(8, POINTS_PER_LINE / Math.max(1, cyclesWithSeries / Math.max(1, world)));
        for (ProcessResult p : processes) {
            if (p.timeseriesFile().isEmpty()) {
                continue;
            }
            String name = p.timeseriesFile().get();
            Path dir = repo.cycleDirectory(result.id(), p.cycle());
            if (!TIMESERIES_FILE.matcher(name).matches()) {
                notes.add("skipped time series \"" + name + "\" of cycle " + (p.cycle() + 1)
                        + ": not a timeseries_<rank>.csv name");
                continue;
            }
            Path file = dir.resolve(name);
            double offset = seconds(t0, p.startedAt());
            String prefix = world > 1 ? "rank " + p.rank() + ": " : "";
            try {
                rows += readSeries(file, offset, budget, prefix, methods, power, telemetry, throttle, throttleColumn);
            } catch (IOException | RuntimeException e) {
                notes.add("skipped time series " + file + ": " + e.getMessage());
            }
        }
        if (cyclesWithSeries == 0 && !processes.isEmpty()) {
            notes.add("no time series was recorded (energy.timeseries is false, or no meter or telemetry source "
                    + "was available)");
        }
        List<RawData.Line> powerLines = new ArrayList<>();
        power.forEach((col, pc) -> powerLines.add(new RawData.Line(col, pc.label, pc.unit, pc.join())));
        Map<String, List<RawData.Line>> tele = new LinkedHashMap<>();
        telemetry.forEach((col, pc) -> tele.computeIfAbsent(pc.unit, u -> new ArrayList<>())
                .add(new RawData.Line(col, pc.label, pc.unit, pc.join())));
        long shown = powerLines.stream().mapToLong(l -> l.series().size()).sum()
                + tele.values().stream().flatMap(List::stream).mapToLong(l -> l.series().size()).sum();
        return new RawData.Timeline(phases, powerLines, tele, mergeThrottle(throttle), throttleColumn[0], rows, shown);
    }

    /** Reads one time-series CSV, thinning each column; returns the number of rows. */
    private static long readSeries(Path file, double offset, int budget, String prefix, Map<String, String> methods,
            Map<String, Pieces> power, Map<String, Pieces> telemetry, List<RawData.Throttle> throttle,
            boolean[] throttleColumn) throws IOException {
        List<String> columns;
        Doubles[] values;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = in.readLine();
            if (header == null) {
                return 0;
            }
            columns = List.of(header.split(",", -1));
            if (columns.isEmpty() || !columns.get(0).equals("t_ms")) {
                throw new IllegalArgumentException("the first column is not t_ms");
            }
            values = new Doubles[columns.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = new Doubles();
            }
            String line;
            int lineNo = 1;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isEmpty()) {
                    continue;
                }
                String[] cells = line.split(",", -1);
                if (cells.length != columns.size()) {
                    throw new IllegalArgumentException("line " + lineNo + " has " + cells.length + " cells, the header "
                            + columns.size());
                }
                for (int i = 0; i < cells.length; i++) {
                    try {
                        values[i].add(cells[i].isEmpty() ? Double.NaN : Double.parseDouble(cells[i]));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("line " + lineNo + ", column " + columns.get(i)
                                + ": not a number: \"" + cells[i] + "\"", e);
                    }
                }
            }
        }
        int n = values[0].n;
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = offset + values[0].a[i] / 1000;
        }
        for (int c = 1; c < columns.size(); c++) {
            String col = columns.get(c);
            double[] v = Arrays.copyOf(values[c].a, n);
            if (col.startsWith("energy_j.")) {
                continue;
            }
            if (col.startsWith("power_w.")) {
                String domain = col.substring("power_w.".length());
                String method = methods.getOrDefault(domain, "");
                power.computeIfAbsent(prefix + col, k -> new Pieces(prefix + domain
                        + (method.isEmpty() ? "" : " (" + method + ")"), "W")).parts.add(Downsample.minMax(t, v, budget));
            } else if (col.endsWith("clock_event_reasons")) {
                throttleColumn[0] = true;
                String device = col.substring(0, col.length() - "clock_event_reasons".length());
                throttle.addAll(throttleRuns(t, v, prefix + device.replaceAll("\\.$", "")));
            } else {
                String unit = unit(col);
                telemetry.computeIfAbsent(prefix + col, k -> new Pieces(prefix + col, unit)).parts
                        .add(Downsample.minMax(t, v, budget));
            }
        }
        return n;
    }

    /** The unit a telemetry column's suffix names ({@code gpu0.temperature_c} → {@code °C}). */
    static String unit(String column) {
        String c = column.toLowerCase(java.util.Locale.ROOT);
        if (c.endsWith("_c")) {
            return "°C";
        }
        if (c.endsWith("_mhz")) {
            return "MHz";
        }
        if (c.endsWith("_pct")) {
            return "%";
        }
        if (c.endsWith("_mib")) {
            return "MiB";
        }
        if (c.endsWith("_w")) {
            return "W";
        }
        return "value";
    }

    private static List<RawData.Throttle> throttleRuns(double[] t, double[] bits, String device) {
        List<RawData.Throttle> out = new ArrayList<>();
        String[] names = {"thermal", "power", "hardware slowdown"};
        long[] masks = {THERMAL, POWER, SLOWDOWN};
        for (int k = 0; k < masks.length; k++) {
            int start = -1;
            for (int i = 0; i <= t.length; i++) {
                boolean on = i < t.length && !Double.isNaN(bits[i]) && (((long) bits[i]) & masks[k]) != 0;
                if (on && start < 0) {
                    start = i;
                } else if (!on && start >= 0) {
                    double end = i < t.length ? t[i] : t[i - 1];
                    out.add(new RawData.Throttle((device.isEmpty() ? "" : device + " ") + names[k], t[start], end));
                    start = -1;
                }
            }
        }
        return out;
    }

    private static List<RawData.Throttle> mergeThrottle(List<RawData.Throttle> runs) {
        return runs.stream().sorted(java.util.Comparator.comparingDouble(RawData.Throttle::fromS)).toList();
    }

    private static Map<String, Double> watts(PhaseMeasurement m) {
        return m.energy().map(RawLoader::watts).orElse(Map.of());
    }

    private static Map<String, Double> watts(EnergyMeasurement m) {
        Map<String, Double> w = new LinkedHashMap<>();
        double s = m.durationNanos() / 1e9;
        if (s > 0) {
            for (DomainEnergy d : m.domains()) {
                w.put(d.domain().id(), d.joules() / s);
            }
        }
        return w;
    }

    private static double seconds(Instant t0, Instant t) {
        return Duration.between(t0, t).toNanos() / 1e9;
    }
}
