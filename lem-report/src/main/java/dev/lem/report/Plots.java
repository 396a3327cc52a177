package dev.lem.report;

import dev.lem.Metric;
import dev.lem.report.internal.ExperimentView;
import dev.lem.report.internal.Figures;
import dev.lem.report.internal.Rgb;
import dev.lem.report.internal.Theme;
import dev.lem.result.ExperimentResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Figures for papers, with error bars from the intervals: a metric across experiments, or one metric against
 * another (optionally with the Pareto front). Sized for a two-column paper — 3.5 in wide (one column) by default,
 * {@link Figure#withWidthInches 7 in} for the full width — with 8 pt text in DejaVu Sans, and written as SVG
 * (vector, for LaTeX via Inkscape or {@code svg} packages, and for the web) or PNG (300 dpi by default).
 *
 * <pre>{@code
 * Plots.metric(results, Metric.ENERGY_PER_OUTPUT_TOKEN_J).writeSvg(Path.of("energy.svg"));
 * Plots.pareto(results, Metric.ENERGY_PER_OUTPUT_TOKEN_J, Metric.TPOT_MEAN_MS).writePng(Path.of("front.png"));
 * }</pre>
 *
 * <p>Experiments are labelled with their configured name (or id when they have none or share it). A partial or failed
 * experiment is tagged so in the figure; an experiment without the metric keeps its row and says why (in
 * {@link Figure#omitted()} for scatter plots), never a zero.
 */
public final class Plots {
    private Plots() {
    }

    /**
     * One metric across experiments: each experiment's mean with its interval as a horizontal bar, one row each, in
     * the order given.
     *
     * @throws ReportException when no result is given
     * @param results the experiments, in this order
     * @param metric the metric
     * @return the figure
     */
    public static Figure metric(List<ExperimentResult> results, Metric metric) {
        List<ExperimentView> views = views(results);
        return new Figure(views, (theme, width, height, title) -> Figures.metricDots(views, metric, theme, width, title),
                List.of(), "figure of " + metric.key(), Double.NaN);
    }

    /**
     * {@code y} against {@code x}, one point per experiment with error bars in both directions (the intervals).
     *
     * @throws ReportException when no result is given
     * @param results the experiments, in this order
     * @param y the metric on the y axis
     * @param x the metric on the x axis
     * @return the figure
     */
    public static Figure scatter(List<ExperimentResult> results, Metric y, Metric x) {
        return xy(results, y, x, false);
    }

    /**
     * {@code y} against {@code x} with the Pareto front: the experiments no other beats on both (lower energy,
     * latency; higher throughput) are joined and keep their colour, the dominated ones are grey.
     *
     * @throws ReportException when no result is given
     * @param results the experiments, in this order
     * @param y the metric on the y axis
     * @param x the metric on the x axis
     * @return the figure
     */
    public static Figure pareto(List<ExperimentResult> results, Metric y, Metric x) {
        return xy(results, y, x, true);
    }

    private static Figure xy(List<ExperimentResult> results, Metric y, Metric x, boolean front) {
        List<ExperimentView> views = views(results);
        List<String> omitted = new ArrayList<>();
        Figures.scatter(views, x, y, Theme.PAPER, 252, 190, "", front, omitted);
        return new Figure(views, (theme, width, height, title) -> Figures.scatter(views, x, y, theme, width, height,
                title, front, new ArrayList<>()), omitted, "figure of " + y.key() + " against " + x.key(), 0.75);
    }

    static List<ExperimentView> views(List<ExperimentResult> results) {
        if (results.isEmpty()) {
            throw new ReportException("A figure needs at least one experiment (`lem results list` shows them)");
        }
        Map<String, Integer> names = new HashMap<>();
        results.forEach(r -> r.config().name().ifPresent(n -> names.merge(n, 1, Integer::sum)));
        List<ExperimentView> views = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            ExperimentResult r = results.get(i);
            String label = r.config().name().filter(n -> names.get(n) == 1).orElse(r.id());
            views.add(new ExperimentView(r, label, Rgb.series(i), Optional.empty(), "not needed for figures"));
        }
        return views;
    }
}
