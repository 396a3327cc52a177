package dev.lem.report.internal;

import dev.lem.Metric;
import dev.lem.report.MetricInfo;
import dev.lem.result.CycleResult;
import dev.lem.result.ExperimentResult;
import dev.lem.result.SummaryCalculator;
import dev.lem.result.SummaryInputs;
import dev.lem.stats.CycleSample;
import dev.lem.stats.Estimate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The figures of reports and papers, built from results: a metric across experiments with intervals, one metric
 * against another (with the Pareto front), per-cycle values with the cross-cycle interval, latency CDFs, power and
 * telemetry over time. Pure: the same input gives the same figure.
 */
public final class Figures {
    /** Phase fills: light enough that lines stay readable on top. */
    private static final Map<String, Rgb> PHASE_FILL = Map.of(
            "baseline", new Rgb(120, 120, 120, 0.12),
            "load", new Rgb(86, 180, 233, 0.14),
            "warmup", new Rgb(230, 159, 0, 0.16),
            "cycle", new Rgb(0, 158, 115, 0.10),
            "excluded", new Rgb(198, 40, 40, 0.14),
            "unload", new Rgb(120, 120, 120, 0.12));

    /** Above this many points a scatter names none of them (hover and the tables do). */
    public static final int MAX_POINT_LABELS = 12;

    private Figures() {
    }

    /** Whether the spread of positive values calls for a log axis (more than a factor 50 between ends). */
    static boolean wantsLog(double lo, double hi) {
        return lo > 0 && hi / lo > 50;
    }

    /** The estimate's interval ends, NaN when there is none. */
    private static double[] ends(Optional<Estimate> e) {
        return new double[] {e.flatMap(Estimate::ciLow).orElse(Double.NaN), e.flatMap(Estimate::ciHigh)
                .orElse(Double.NaN)};
    }

    /** e.g. {@code 0.01234 J/token, 95% CI [0.0118, 0.0129] (t_delta_log), n=5, measured}. */
    public static String describe(Estimate e) {
        StringBuilder s = new StringBuilder(Fmt.sig(e.mean())).append(e.unit().isEmpty() ? "" : " " + e.unit());
        e.interval().ifPresentOrElse(i -> s.append(", ").append(Fmt.sig(e.level() * 100)).append("% CI [")
                .append(Fmt.sig(i.low())).append(", ").append(Fmt.sig(i.high())).append("] (").append(i.method())
                .append(')'), () -> s.append(", no interval"));
        s.append(", n=").append(e.n());
        if (!e.basis().isEmpty()) {
            s.append(", ").append(e.basis());
        }
        return s.toString();
    }

    /**
     * How the experiments' figures of {@code m} were obtained, e.g. {@code "obtained by: measured: gpu; estimated:
     * cpu"}, or each distinct basis with how many experiments have it; intervals and their level.
     */
    public static String basisNote(List<ExperimentView> exps, Metric m) {
        java.util.Map<String, Integer> bases = new java.util.LinkedHashMap<>();
        double level = Double.NaN;
        for (ExperimentView v : exps) {
            Optional<Estimate> e = v.result().summary().find(m);
            if (e.isPresent()) {
                bases.merge(e.get().basis().isEmpty() ? "not recorded" : e.get().basis(), 1, Integer::sum);
                level = e.get().level();
            }
        }
        if (bases.isEmpty()) {
            return "";
        }
        String b = bases.size() == 1 ? shortBasis(bases.keySet().iterator().next()) : String.join("; ", bases.entrySet()
                .stream().map(x -> shortBasis(x.getKey()) + " (" + x.getValue() + " experiments)").toList());
        return m.unit() + ": " + b + (Double.isNaN(level) ? "" : "; bars: " + Fmt.sig(level * 100) + "% CI");
    }

    /** A basis without its parenthetical detail: {@code measured (System.nanoTime timestamps)} → {@code measured}. */
    static String shortBasis(String basis) {
        return basis.replaceAll("\\s*\\([^)]*\\)", "");
    }

    /** One metric across experiments: mean and interval per row; a row without the metric says why. */
    public static DotChart metricDots(List<ExperimentView> exps, Metric m, Theme theme, double width, String title) {
        DotChart c = new DotChart(width, theme).title(title).xLabel(MetricInfo.axisLabel(m))
                .footnote(basisNote(exps, m));
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (ExperimentView v : exps) {
            Optional<Estimate> e = v.result().summary().find(m);
            if (e.isPresent()) {
                lo = Math.min(lo, e.get().ciLow().orElse(e.get().mean()));
                hi = Math.max(hi, e.get().ciHigh().orElse(e.get().mean()));
            }
        }
        c.log(wantsLog(lo, hi));
        for (ExperimentView v : exps) {
            ExperimentResult r = v.result();
            Optional<Estimate> e = r.summary().find(m);
            double[] ci = ends(e);
            Map<String, String> data = new LinkedHashMap<>();
            data.put("exp", r.id());
            e.ifPresent(x -> {
                data.put("low", Double.toString(ci[0]));
                data.put("high", Double.toString(ci[1]));
            });
            c.add(new DotChart.Row(v.label(), e.map(Estimate::mean).orElse(Double.NaN), ci[0], ci[1], v.color(),
                    r.isComplete() ? "" : r.status().name().toLowerCase(Locale.ROOT),
                    r.summary().whyUnavailable(m).orElse(""),
                    v.label() + ": " + e.map(Figures::describe).orElse("not available"), data));
        }
        return c;
    }

    /** Both coordinates of a scatter point, with their intervals. */
    private record XY(ExperimentView v, Estimate x, Estimate y) {
    }

    /**
     * {@code y} against {@code x}, one point per experiment with error bars in both directions. With
     * {@code pareto}, the points on the front (lower y, and lower x — or higher x where higher is better) keep
     * their colour and are joined by a line; dominated points are grey.
     *
     * @param missing receives one line per experiment left off the figure, with the reason
     */
    public static XyChart scatter(List<ExperimentView> exps, Metric x, Metric y, Theme theme, double width,
            double height, String title, boolean pareto, List<String> missing) {
        List<XY> pts = new ArrayList<>();
        for (ExperimentView v : exps) {
            Optional<Estimate> ex = v.result().summary().find(x);
            Optional<Estimate> ey = v.result().summary().find(y);
            if (ex.isPresent() && ey.isPresent()) {
                pts.add(new XY(v, ex.get(), ey.get()));
            } else {
                Metric absent = ex.isEmpty() ? x : y;
                missing.add(v.label() + ": " + absent.key() + " not available ("
                        + v.result().summary().whyUnavailable(absent).orElse("") + ")");
            }
        }
        boolean[] front = new boolean[pts.size()];
        if (pareto) {
            double sign = MetricInfo.goal(x) == MetricInfo.Goal.HIGHER ? -1 : 1;
            double ysign = MetricInfo.goal(y) == MetricInfo.Goal.HIGHER ? -1 : 1;
            front = Pareto.front(pts.stream().mapToDouble(p -> sign * p.x().mean()).toArray(),
                    pts.stream().mapToDouble(p -> ysign * p.y().mean()).toArray());
        }
        String nx = basisNote(exps, x);
        String ny = basisNote(exps, y);
        XyChart c = new XyChart(width, height, theme).title(title).xLabel(MetricInfo.axisLabel(x))
                .yLabel(MetricInfo.axisLabel(y)).legend(false).footnote(ny.isEmpty() || nx.isEmpty() ? ny + nx
                        : ny.replaceFirst("; bars: .*$", "") + " · " + nx.replaceFirst("; bars: .*$", "") + " · bars: "
                                + ny.replaceFirst("^.*; bars: ", ""));
        double[] xr = range(pts.stream().map(XY::x).toList());
        double[] yr = range(pts.stream().map(XY::y).toList());
        c.xLog(wantsLog(xr[0], xr[1])).yLog(wantsLog(yr[0], yr[1]));
        if (pareto) {
            List<XyChart.Point> line = new ArrayList<>();
            for (int i = 0; i < pts.size(); i++) {
                if (front[i]) {
                    line.add(XyChart.Point.of(pts.get(i).x().mean(), pts.get(i).y().mean()));
                }
            }
            line.sort(java.util.Comparator.comparingDouble(XyChart.Point::x));
            c.add(new XyChart.Series("Pareto front", XyChart.Kind.LINE, Rgb.INK.withAlpha(0.55), new double[] {5, 3},
                    Canvas.Shape.CIRCLE, "front", line));
        }
        // dominated points first, so that the front is drawn on top
        for (boolean onFront : new boolean[] {false, true}) {
            for (int i = 0; i < pts.size(); i++) {
                if (pareto && front[i] != onFront || !pareto && onFront) {
                    continue;
                }
                XY p = pts.get(i);
                double[] cx = ends(Optional.of(p.x()));
                double[] cy = ends(Optional.of(p.y()));
                Map<String, String> data = new LinkedHashMap<>();
                data.put("exp", p.v().id());
                data.put("front", Boolean.toString(pareto && front[i]));
                String tip = p.v().label() + (pareto ? (front[i] ? " (on the Pareto front)" : " (dominated)") : "")
                        + "\n" + MetricInfo.name(y) + ": " + describe(p.y()) + "\n" + MetricInfo.name(x) + ": "
                        + describe(p.x());
                String label = pts.size() <= MAX_POINT_LABELS ? p.v().label() : "";
                c.add(new XyChart.Series("", XyChart.Kind.POINTS, p.v().color(), null, Canvas.Shape.CIRCLE, "exp",
                        List.of(new XyChart.Point(p.x().mean(), p.y().mean(), cx[0], cx[1], cy[0], cy[1],
                                pareto && !front[i], tip, data, label))));
            }
        }
        return c;
    }

    private static double[] range(List<Estimate> es) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Estimate e : es) {
            lo = Math.min(lo, e.ciLow().orElse(e.mean()));
            hi = Math.max(hi, e.ciHigh().orElse(e.mean()));
        }
        return lo > hi ? new double[] {1, 1} : new double[] {lo, hi};
    }

    /** Which points of {@link #scatter} are on the front, in the same order as {@code exps} (false when absent). */
    public static boolean[] frontOf(List<ExperimentView> exps, Metric x, Metric y) {
        double sign = MetricInfo.goal(x) == MetricInfo.Goal.HIGHER ? -1 : 1;
        double ysign = MetricInfo.goal(y) == MetricInfo.Goal.HIGHER ? -1 : 1;
        double[] xs = new double[exps.size()];
        double[] ys = new double[exps.size()];
        for (int i = 0; i < exps.size(); i++) {
            var s = exps.get(i).result().summary();
            xs[i] = s.find(x).map(e -> sign * e.mean()).orElse(Double.NaN);
            ys[i] = s.find(y).map(e -> ysign * e.mean()).orElse(Double.NaN);
        }
        return Pareto.front(xs, ys);
    }

    /**
     * The per-cycle value of {@code m} for each recorded cycle of {@code r}, in cycle order; NaN for a cycle the
     * summary leaves out or in which the metric is missing.
     */
    public static double[] perCycle(ExperimentResult r, Metric m) {
        SummaryInputs in = SummaryInputs.of(r);
        List<CycleResult> cycles = r.cycles();
        double[] out = new double[cycles.size()];
        int world = r.worldSize();
        for (int i = 0; i < cycles.size(); i++) {
            CycleResult c = cycles.get(i);
            if (c.processes().size() != world) {
                out[i] = Double.NaN;
                continue;
            }
            Optional<CycleSample> s = SummaryCalculator.sample(m, List.of(c), in);
            out[i] = s.map(x -> x.perCycle()[0]).orElse(Double.NaN);
        }
        return out;
    }

    /** Per-cycle values of one metric with the cross-cycle mean and interval as a band. */
    public static XyChart cycles(ExperimentView v, Metric m, Theme theme, double width, double height) {
        ExperimentResult r = v.result();
        double[] values = perCycle(r, m);
        Optional<Estimate> e = r.summary().find(m);
        XyChart c = new XyChart(width, height, theme).title(MetricInfo.title(m)).xLabel("cycle")
                .yLabel(m.unit()).legend(false).footnote(e.map(x -> m.unit() + ": " + shortBasis(x.basis())).orElse(""));
        List<Integer> outliers = e.map(Estimate::outlierCycles).orElse(List.of());
        List<XyChart.Point> normal = new ArrayList<>();
        List<XyChart.Point> flagged = new ArrayList<>();
        // outlier positions count the cycles in the summary, in order
        int position = 0;
        int[] ticks = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            int cycle = r.cycles().get(i).cycle() + 1;
            ticks[i] = cycle;
            if (Double.isNaN(values[i])) {
                continue;
            }
            boolean out = outliers.contains(position);
            position++;
            Map<String, String> data = Map.of("cycle", Integer.toString(cycle));
            XyChart.Point p = new XyChart.Point(cycle, values[i], Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    false, "cycle " + cycle + ": " + Fmt.sig(values[i]) + " " + m.unit() + (out ? " (outlier)" : ""),
                    data, "");
            (out ? flagged : normal).add(p);
        }
        if (values.length <= 30) {
            c.integerXTicks(ticks);
        }
        if (values.length > 0) {
            c.xDomain(r.cycles().get(0).cycle() + 0.5, r.cycles().get(values.length - 1).cycle() + 1.5);
        }
        e.ifPresent(est -> c.hband(new XyChart.HBand(est.ciLow().orElse(est.mean()), est.ciHigh().orElse(est.mean()),
                est.mean(), "mean " + describe(est), v.color())));
        c.add(new XyChart.Series("cycles", XyChart.Kind.POINTS, v.color(), null, Canvas.Shape.CIRCLE, "cycle", normal));
        c.add(new XyChart.Series("outliers", XyChart.Kind.POINTS, Rgb.ALERT, null, Canvas.Shape.DIAMOND, "outlier",
                flagged));
        return c;
    }

    /** The empirical CDFs of one latency, one line per experiment that has it. */
    public static XyChart cdf(List<ExperimentView> exps, String latency, String title, Theme theme, double width,
            double height) {
        XyChart c = new XyChart(width, height, theme).title(title).xLabel("ms").yLabel("share of samples ≤ x")
                .yDomain(0, 1).legend(exps.size() > 1);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (ExperimentView v : exps) {
            RawData.Cdf d = v.raw().map(r -> r.latencies().get(latency)).orElse(null);
            if (d == null || d.points().size() == 0) {
                continue;
            }
            lo = Math.min(lo, d.points().t()[0]);
            hi = Math.max(hi, d.points().t()[d.points().size() - 1]);
            List<XyChart.Point> pts = new ArrayList<>();
            for (int i = 0; i < d.points().size(); i++) {
                pts.add(XyChart.Point.of(d.points().t()[i], d.points().v()[i]));
            }
            c.add(new XyChart.Series(v.label() + " (n=" + d.n() + ")", XyChart.Kind.STEP, v.color(), null,
                    Canvas.Shape.CIRCLE, "cdf", pts));
        }
        c.xLog(wantsLog(lo, hi));
        return c;
    }

    /**
     * Power per domain over the run with its phases shaded; phases without samples show their mean power as a
     * dashed segment.
     */
    public static XyChart power(ExperimentView v, RawData.Timeline t, Theme theme, double width, double height,
            double[] domain) {
        XyChart c = new XyChart(width, height, theme).title("Power").xLabel("time since the run started (s)")
                .yLabel("W").yFromZero(true).xDomain(domain[0], domain[1]);
        for (RawData.Phase p : t.phases()) {
            c.band(new XyChart.Band(p.fromS(), p.toS(), p.name(), PHASE_FILL.getOrDefault(p.kind(), Rgb.GRID)));
        }
        int i = 0;
        Map<String, Rgb> colors = new LinkedHashMap<>();
        for (RawData.Line l : t.power()) {
            Rgb col = Rgb.series(i++);
            colors.put(l.column().substring(l.column().indexOf("power_w.") + "power_w.".length()), col);
            c.add(line(l, col, ""));
        }
        // unsampled phases: mean power as a dashed level, per domain
        Map<String, List<XyChart.Point>> means = new LinkedHashMap<>();
        for (RawData.Phase p : t.phases()) {
            if (p.placed()) {
                continue;
            }
            p.meanWatts().forEach((domain2, w) -> {
                List<XyChart.Point> pts = means.computeIfAbsent(domain2, k -> new ArrayList<>());
                pts.add(XyChart.Point.of(p.fromS(), w));
                pts.add(XyChart.Point.of(p.toS(), w));
                pts.add(XyChart.Point.of(p.toS(), Double.NaN));
            });
        }
        int j = 0;
        for (Map.Entry<String, List<XyChart.Point>> e : means.entrySet()) {
            Rgb col = colors.getOrDefault(e.getKey(), Rgb.series(i + j++));
            c.add(new XyChart.Series(colors.containsKey(e.getKey()) ? "" : e.getKey() + " (phase mean)",
                    XyChart.Kind.LINE, col, new double[] {4, 3}, Canvas.Shape.CIRCLE, "phase-mean", e.getValue()));
        }
        return c;
    }

    /** One telemetry panel: every line of one unit. */
    public static XyChart telemetry(String unit, List<RawData.Line> lines, Theme theme, double width, double height,
            double[] domain, List<RawData.Phase> phases) {
        XyChart c = new XyChart(width, height, theme).title("Telemetry (" + unit + ")")
                .xLabel("time since the run started (s)").yLabel(unit).xDomain(domain[0], domain[1])
                .yFromZero(unit.equals("%"));
        for (RawData.Phase p : phases) {
            if (p.placed()) {
                c.band(new XyChart.Band(p.fromS(), p.toS(), "", PHASE_FILL.getOrDefault(p.kind(), Rgb.GRID)
                        .withAlpha(0.06)));
            }
        }
        int i = 0;
        for (RawData.Line l : lines) {
            c.add(line(l, Rgb.series(i++), ""));
        }
        return c;
    }

    /** Throttled stretches as shaded bands on one thin panel. */
    public static XyChart throttle(List<RawData.Throttle> runs, Theme theme, double width, double[] domain) {
        XyChart c = new XyChart(width, theme.fontSize() * 9, theme).title("Throttling (clock-event reasons)")
                .xLabel("time since the run started (s)").xDomain(domain[0], domain[1]).yDomain(0, 1).legend(false);
        for (RawData.Throttle t : runs) {
            Rgb fill = t.reason().endsWith("thermal") ? Rgb.ALERT.withAlpha(0.35)
                    : t.reason().endsWith("power") ? Rgb.hex(0xE69F00).withAlpha(0.35) : Rgb.hex(0xCC79A7).withAlpha(0.35);
            c.band(new XyChart.Band(t.fromS(), Math.max(t.toS(), t.fromS() + 1e-3), t.reason(), fill));
        }
        return c;
    }

    private static XyChart.Series line(RawData.Line l, Rgb col, String cls) {
        List<XyChart.Point> pts = new ArrayList<>(l.series().size());
        for (int k = 0; k < l.series().size(); k++) {
            pts.add(XyChart.Point.of(l.series().t()[k], l.series().v()[k]));
        }
        return new XyChart.Series(l.label(), XyChart.Kind.LINE, col, null, Canvas.Shape.CIRCLE,
                cls.isEmpty() ? "ts" : cls, pts);
    }

    /** The time span of a timeline: from its first phase or sample to its last. */
    public static double[] span(RawData.Timeline t) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (RawData.Phase p : t.phases()) {
            lo = Math.min(lo, p.fromS());
            hi = Math.max(hi, p.toS());
        }
        List<RawData.Line> all = new ArrayList<>(t.power());
        t.telemetry().values().forEach(all::addAll);
        for (RawData.Line l : all) {
            for (double x : l.series().t()) {
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
            }
        }
        if (lo > hi) {
            return new double[] {0, 1};
        }
        if (hi == lo) {
            hi = lo + 1;
        }
        return new double[] {lo, hi};
    }
}
