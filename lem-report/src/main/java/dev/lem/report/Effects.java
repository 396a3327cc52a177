package dev.lem.report;

import dev.lem.Metric;
import dev.lem.report.internal.Fmt;
import dev.lem.report.internal.Html;
import dev.lem.report.internal.HtmlReport;
import dev.lem.result.ExperimentResult;
import dev.lem.result.SummaryCalculator;
import dev.lem.stats.CycleSample;
import dev.lem.stats.Interval;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.QRDecomposition;
import org.apache.commons.math3.linear.RRQRDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;

/**
 * What drives a metric across a grid of experiments: the effect of each configuration key that varies, and of
 * pairs of them, estimated by least squares on the logarithm of the metric's per-cycle values.
 *
 * <p>The model: {@code ln y = b0 + Σ main effects + ε}, one observation per cycle, each varied key a factor with
 * treatment coding (its first level, in numeric or alphabetical order, is the baseline). An effect is reported as a
 * ratio, {@code exp(b)}: "batching.batch_size = 8 against 1: ×0.27 (95% CI 0.25–0.30)", i.e. 73% lower. Main
 * effects come from the model without interactions (each adjusted for the other keys); two-way interactions
 * ({@code exp(b)} of the interaction term: how much the effect of one key changes at a level of the other) from a
 * second model that adds them, fitted only where every combination of the two keys' levels was run. Intervals are
 * t intervals from the model's residual variance (n − p degrees of freedom). Keys are ranked by their largest
 * effect. Cycles are treated as independent replicates; a grid that cannot separate effects — a key that varies
 * together with another, too few cycles for the parameters, unequal cells — is said in {@link #warnings()}.
 *
 * @param metric       the metric analysed
 * @param observations per-cycle values used (cycles of every experiment with the metric, positive values)
 * @param level        confidence level of the intervals
 * @param factors      each varied key with its levels (baseline first) and its largest effect, ranked
 * @param main         main effects: each non-baseline level of each factor against the baseline
 * @param interactions two-way interaction terms, where estimable
 * @param warnings     why effects may be unreliable or were left out
 */
public record Effects(Metric metric, int observations, double level, List<Factor> factors, List<Effect> main,
        List<Effect> interactions, List<String> warnings) {

    /** The method in one line, for reports. */
    public static final String METHOD = "least squares on ln(per-cycle value), treatment coding against each key's "
            + "first level; main effects from the model without interactions, two-way interactions from the model with "
            + "them; t intervals with the residual variance";

    /**
     * Copies the lists (the record is immutable).
     *
     * @param metric       the metric analysed
     * @param observations per-cycle values used
     * @param level        confidence level of the intervals
     * @param factors      the varied keys, ranked
     * @param main         main effects
     * @param interactions two-way interactions
     * @param warnings     why effects may be unreliable or were left out
     */
    public Effects {
        factors = List.copyOf(factors);
        main = List.copyOf(main);
        interactions = List.copyOf(interactions);
        warnings = List.copyOf(warnings);
    }

    /**
     * A varied key.
     *
     * @param key      the configuration key, e.g. {@code batching.batch_size}
     * @param levels   its values, baseline first
     * @param maxRatio the largest effect between any two of its levels, as a ratio ≥ 1 (from the main effects)
     */
    public record Factor(String key, List<String> levels, double maxRatio) {
        /**
         * Copies the levels.
         *
         * @param key      the configuration key
         * @param levels   its values, baseline first
         * @param maxRatio its largest effect, a ratio of at least 1
         */
        public Factor {
            levels = List.copyOf(levels);
        }
    }

    /**
     * One effect.
     *
     * @param term     {@code key=level} for a main effect; {@code keyA=levelA × keyB=levelB} for an interaction
     * @param baseline what it is against: {@code key=baseline}, or the baselines of both keys
     * @param ratio    exp(coefficient): the metric is multiplied by this
     * @param interval its interval, when the residual degrees of freedom allow one
     */
    public record Effect(String term, String baseline, double ratio, Optional<Interval> interval) {
        /**
         * Whether the interval excludes "no effect" (a ratio of 1).
         *
         * @return whether the interval excludes "no effect" (a ratio of 1)
         */
        public boolean clear() {
            return interval.map(i -> i.excludes(1)).orElse(false);
        }

        /**
         * e.g. {@code batching.batch_size=8 vs 1: ×0.27 (95% CI 0.25–0.30), 73% lower}.
         *
         * @param level the confidence level of the interval, e.g. 0.95
         * @return the effect in one line
         */
        public String describe(double level) {
            String ci = interval.map(i -> String.format(Locale.ROOT, " (%s%% CI %s–%s)", Fmt.sig(level * 100),
                    Fmt.sig(i.low(), 3), Fmt.sig(i.high(), 3))).orElse(" (no interval)");
            double pct = (ratio - 1) * 100;
            return term + " vs " + baseline + ": ×" + Fmt.sig(ratio, 3) + ci + ", "
                    + String.format(Locale.ROOT, "%.1f%% %s", Math.abs(pct), pct < 0 ? "lower" : "higher");
        }
    }

    /**
     * Analyses {@code metric} over {@code results} at the confidence level of the first result's statistics
     * settings.
     *
     * @throws ReportException when fewer than two experiments are given
     * @param results the experiments, in this order
     * @param metric the metric
     * @return the effects, ranked, with the warnings
     */
    public static Effects of(List<ExperimentResult> results, Metric metric) {
        try {
            return analyse(results, metric);
        } finally {
            VALUES.remove();
        }
    }

    private static Effects analyse(List<ExperimentResult> results, Metric metric) {
        if (results.size() < 2) {
            throw new ReportException("Effects need at least two experiments that differ in a setting (got "
                    + results.size() + ")");
        }
        double level = results.get(0).config().stats().intervals().level();
        List<String> warnings = new ArrayList<>();
        List<String> keys = HtmlReport.variedKeys(results);
        // observations: one per usable cycle, positive values only (logarithm)
        List<double[]> ys = new ArrayList<>();
        List<ExperimentResult> owners = new ArrayList<>();
        for (ExperimentResult r : results) {
            Optional<CycleSample> s = SummaryCalculator.sample(r, metric);
            if (s.isEmpty()) {
                warnings.add(r.id() + " has no " + metric.key() + " (" + r.summary().whyUnavailable(metric).orElse("")
                        + "): left out");
                continue;
            }
            double[] per = s.get().perCycle();
            int dropped = 0;
            for (double v : per) {
                if (v > 0 && Double.isFinite(v)) {
                    ys.add(new double[] {Math.log(v)});
                    owners.add(r);
                } else {
                    dropped++;
                }
            }
            if (dropped > 0) {
                warnings.add(r.id() + ": " + dropped + " cycle(s) with a value ≤ 0 left out (the model is on the log "
                        + "scale)");
            }
            if (!r.isComplete()) {
                warnings.add(r.id() + " is " + r.status().name().toLowerCase(Locale.ROOT) + ": its completed cycles "
                        + "are used");
            }
        }
        if (keys.isEmpty()) {
            warnings.add("no setting varies between these experiments: there is nothing to attribute");
            return new Effects(metric, ys.size(), level, List.of(), List.of(), List.of(), warnings);
        }
        // factor levels, baseline first (numeric order when every level is a number)
        Map<String, List<String>> levels = new LinkedHashMap<>();
        for (String k : keys) {
            TreeSet<String> set = new TreeSet<>(Effects::compareLevels);
            for (ExperimentResult r : owners) {
                set.add(value(r, k));
            }
            if (set.size() > 1) {
                levels.put(k, new ArrayList<>(set));
            }
        }
        int n = ys.size();
        double[] y = ys.stream().mapToDouble(a -> a[0]).toArray();
        // main effects, adding keys one at a time; a key that adds no rank varies together with earlier ones
        List<Column> cols = new ArrayList<>();
        cols.add(new Column("(intercept)", "", r -> 1.0));
        Map<String, List<String>> used = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> f : levels.entrySet()) {
            List<Column> add = new ArrayList<>();
            String k = f.getKey();
            List<String> lv = f.getValue();
            for (int i = 1; i < lv.size(); i++) {
                String l = lv.get(i);
                add.add(new Column(k + "=" + l, lv.get(0), r -> value(r, k).equals(l) ? 1.0 : 0.0));
            }
            List<Column> trial = new ArrayList<>(cols);
            trial.addAll(add);
            if (rank(matrix(trial, owners)) < trial.size()) {
                warnings.add(k + " varies together with " + (used.isEmpty() ? "nothing else"
                        : String.join(", ", used.keySet())) + " in this grid, so its effect cannot be separated from "
                        + "theirs: left out (add runs that vary it alone)");
                continue;
            }
            cols = trial;
            used.put(k, lv);
        }
        Fit fit = fit(matrix(cols, owners), y, level);
        List<Effect> main = new ArrayList<>();
        if (fit.df < 1) {
            warnings.add("too small to separate effects: " + n + " cycles for " + cols.size() + " parameters (run more "
                    + "cycles or fewer levels); effects are given without intervals");
        }
        for (int j = 1; j < cols.size(); j++) {
            main.add(effect(cols.get(j), fit, j));
        }
        List<Factor> factors = new ArrayList<>();
        for (Map.Entry<String, List<String>> f : used.entrySet()) {
            List<Double> logs = new ArrayList<>(List.of(0.0));
            for (Effect e : main) {
                if (e.term().startsWith(f.getKey() + "=")) {
                    logs.add(Math.log(e.ratio()));
                }
            }
            double spread = logs.stream().mapToDouble(d -> d).max().orElse(0) - logs.stream().mapToDouble(d -> d).min()
                    .orElse(0);
            factors.add(new Factor(f.getKey(), f.getValue(), Math.exp(spread)));
        }
        factors.sort(Comparator.comparingDouble(Factor::maxRatio).reversed());
        if (used.size() > 1 && !balanced(owners, used.keySet())) {
            warnings.add("unbalanced grid (the combinations of settings have different numbers of cycles): each "
                    + "effect is adjusted for the others by least squares, and depends more on the model than in a "
                    + "balanced grid");
        }
        // interactions: pairs whose every level combination was run
        List<Effect> interactions = new ArrayList<>();
        List<String> fk = new ArrayList<>(used.keySet());
        List<Column> withPairs = new ArrayList<>(cols);
        List<Column> pairCols = new ArrayList<>();
        for (int a = 0; a < fk.size(); a++) {
            for (int b = a + 1; b < fk.size(); b++) {
                String ka = fk.get(a);
                String kb = fk.get(b);
                if (!complete(owners, ka, used.get(ka), kb, used.get(kb))) {
                    warnings.add("interaction " + ka + " × " + kb + " not estimated: not every combination of their "
                            + "levels was run");
                    continue;
                }
                for (int i = 1; i < used.get(ka).size(); i++) {
                    for (int j = 1; j < used.get(kb).size(); j++) {
                        String la = used.get(ka).get(i);
                        String lb = used.get(kb).get(j);
                        pairCols.add(new Column(ka + "=" + la + " × " + kb + "=" + lb, ka + "=" + used.get(ka).get(0)
                                + ", " + kb + "=" + used.get(kb).get(0),
                                r -> value(r, ka).equals(la) && value(r, kb).equals(lb) ? 1.0 : 0.0));
                    }
                }
            }
        }
        if (!pairCols.isEmpty()) {
            withPairs.addAll(pairCols);
            RealMatrix x = matrix(withPairs, owners);
            if (rank(x) < withPairs.size()) {
                warnings.add("interactions not estimated: the grid cannot separate them from the main effects");
            } else {
                Fit f2 = fit(x, y, level);
                if (f2.df < 1) {
                    warnings.add("interactions without intervals: " + n + " cycles for " + withPairs.size()
                            + " parameters");
                }
                for (int j = cols.size(); j < withPairs.size(); j++) {
                    interactions.add(effect(withPairs.get(j), f2, j));
                }
                interactions.sort(Comparator.comparingDouble((Effect e) -> -Math.abs(Math.log(e.ratio()))));
            }
        }
        return new Effects(metric, n, level, factors, main, interactions, warnings);
    }

    /** One column of the design matrix: its term, its baseline, and its value for an experiment. */
    private record Column(String term, String baseline, java.util.function.ToDoubleFunction<ExperimentResult> value) {
    }

    private record Fit(double[] beta, double[] se, int df, double tq) {
    }

    private static RealMatrix matrix(List<Column> cols, List<ExperimentResult> owners) {
        double[][] x = new double[owners.size()][cols.size()];
        for (int i = 0; i < owners.size(); i++) {
            for (int j = 0; j < cols.size(); j++) {
                x[i][j] = cols.get(j).value().applyAsDouble(owners.get(i));
            }
        }
        return new Array2DRowRealMatrix(x, false);
    }

    private static int rank(RealMatrix x) {
        if (x.getRowDimension() < x.getColumnDimension()) {
            return x.getRowDimension();
        }
        return new RRQRDecomposition(x, 1e-12).getRank(1e-9);
    }

    private static Fit fit(RealMatrix x, double[] y, double level) {
        int n = x.getRowDimension();
        int p = x.getColumnDimension();
        RealMatrix pinv = new QRDecomposition(x).getSolver().getInverse();
        RealVector beta = pinv.operate(new ArrayRealVector(y, false));
        RealVector resid = new ArrayRealVector(y, false).subtract(x.operate(beta));
        int df = n - p;
        double[] se = new double[p];
        double tq = Double.NaN;
        if (df >= 1) {
            double s2 = resid.dotProduct(resid) / df;
            RealMatrix cov = pinv.multiply(pinv.transpose()).scalarMultiply(s2);
            for (int j = 0; j < p; j++) {
                se[j] = Math.sqrt(Math.max(0, cov.getEntry(j, j)));
            }
            tq = new TDistribution(null, df).inverseCumulativeProbability((1 + level) / 2);
        } else {
            java.util.Arrays.fill(se, Double.NaN);
        }
        return new Fit(beta.toArray(), se, df, tq);
    }

    private static Effect effect(Column c, Fit f, int j) {
        double b = f.beta[j];
        Optional<Interval> ci = Optional.empty();
        if (f.df >= 1 && Double.isFinite(f.se[j])) {
            ci = Optional.of(new Interval(Math.exp(b - f.tq * f.se[j]), Math.exp(b + f.tq * f.se[j]), "t_log_ols"));
        }
        return new Effect(c.term(), c.baseline(), Math.exp(b), ci);
    }

    private static boolean balanced(List<ExperimentResult> owners, java.util.Set<String> keys) {
        Map<String, Integer> cells = new HashMap<>();
        for (ExperimentResult r : owners) {
            StringBuilder cell = new StringBuilder();
            for (String k : keys) {
                cell.append(k).append('=').append(value(r, k)).append(';');
            }
            cells.merge(cell.toString(), 1, Integer::sum);
        }
        return cells.values().stream().distinct().count() <= 1;
    }

    private static boolean complete(List<ExperimentResult> owners, String ka, List<String> la, String kb,
            List<String> lb) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (ExperimentResult r : owners) {
            seen.add(value(r, ka) + "\u0000" + value(r, kb));
        }
        return seen.size() == la.size() * lb.size();
    }

    /** Each experiment's configuration values, flattened once per analysis (flattening uses reflection). */
    private static final ThreadLocal<Map<ExperimentResult, Map<String, Object>>> VALUES = ThreadLocal
            .withInitial(java.util.IdentityHashMap::new);

    private static String value(ExperimentResult r, String key) {
        Object v = VALUES.get().computeIfAbsent(r, x -> x.config().toValues()).get(key);
        return v == null ? "(unset)" : String.valueOf(v);
    }

    private static int compareLevels(String a, String b) {
        try {
            return Double.compare(Double.parseDouble(a), Double.parseDouble(b)) != 0
                    ? Double.compare(Double.parseDouble(a), Double.parseDouble(b)) : a.compareTo(b);
        } catch (NumberFormatException e) {
            return a.compareTo(b);
        }
    }

    /**
     * The analysis as text, one effect a line, ranked; what {@code lem effects} prints.
     *
     * @return the analysis as text, one effect a line, ranked; what {@code lem effects} prints
     */
    public String toText() {
        StringBuilder s = new StringBuilder("Effects on " + metric.key() + " (" + metric.unit() + "), "
                + observations + " cycles: " + METHOD + "\n");
        if (factors.isEmpty()) {
            s.append("  no effect to estimate\n");
        }
        for (Factor f : factors) {
            s.append("  ").append(f.key()).append(" (levels ").append(String.join(", ", f.levels()))
                    .append("): up to ×").append(Fmt.sig(f.maxRatio(), 3)).append(" between levels\n");
            for (Effect e : main) {
                if (e.term().startsWith(f.key() + "=")) {
                    s.append("    ").append(e.describe(level)).append(e.clear() ? "" : " — not clearly different")
                            .append('\n');
                }
            }
        }
        if (!interactions.isEmpty()) {
            s.append("  two-way interactions (how much an effect changes at another key's level):\n");
            for (Effect e : interactions) {
                s.append("    ").append(e.describe(level)).append(e.clear() ? "" : " — not clearly different")
                        .append('\n');
            }
        }
        for (String w : warnings) {
            s.append("  warning: ").append(w).append('\n');
        }
        return s.toString();
    }

    /** The report's "what drives energy" sections: energy per output token, throughput and TPOT. */
    static List<HtmlReport.EffectsSection> sections(List<ExperimentResult> results) {
        if (HtmlReport.variedKeys(results).isEmpty()) {
            return List.of();
        }
        Html h = new Html(8192);
        h.open("p").text("Method: " + METHOD + ". A ratio below 1 lowers the metric. Effects whose interval includes "
                + "1 are not clearly different from no effect.").close("p");
        for (Metric m : List.of(Metric.ENERGY_PER_OUTPUT_TOKEN_J, Metric.OUTPUT_TOKENS_PER_S, Metric.TPOT_MEAN_MS)) {
            if (results.stream().noneMatch(r -> r.summary().find(m).isPresent())) {
                continue;
            }
            Effects e = of(results, m);
            h.open("div", "class", "effects", "data-metric", m.key());
            h.el("h4", MetricInfo.title(m) + " (" + e.observations() + " cycles)");
            if (!e.main().isEmpty()) {
                h.open("table", "class", "effects-table").open("thead").open("tr").el("th", "rank").el("th", "setting")
                        .el("th", "level against baseline").el("th", "ratio").el("th", Fmt.sig(e.level() * 100)
                                + "% interval").el("th", "change").close("tr").close("thead").open("tbody");
                int rank = 0;
                for (Factor f : e.factors()) {
                    rank++;
                    for (Effect x : e.main()) {
                        if (!x.term().startsWith(f.key() + "=")) {
                            continue;
                        }
                        row(h, Integer.toString(rank), f.key(), x);
                    }
                }
                for (Effect x : e.interactions()) {
                    row(h, "", "interaction", x);
                }
                h.close("tbody").close("table");
            }
            if (!e.warnings().isEmpty()) {
                h.open("ul", "class", "warning-list");
                e.warnings().forEach(w -> h.el("li", w));
                h.close("ul");
            }
            h.close("div");
        }
        return List.of(new HtmlReport.EffectsSection("What drives energy, throughput and latency", h.toString()));
    }

    private static void row(Html h, String rank, String key, Effect x) {
        double pct = (x.ratio() - 1) * 100;
        h.open("tr", "class", x.clear() ? "clear" : "unclear").el("td", rank).el("td", key)
                .el("td", x.term().replace(key + "=", "") + " vs " + x.baseline())
                .el("td", "×" + Fmt.sig(x.ratio(), 3), "class", "num")
                .el("td", x.interval().map(i -> "[" + Fmt.sig(i.low(), 3) + ", " + Fmt.sig(i.high(), 3) + "]")
                        .orElse("none"), "class", "num")
                .el("td", String.format(Locale.ROOT, "%.1f%% %s%s", Math.abs(pct), pct < 0 ? "lower" : "higher",
                        x.clear() ? "" : " (not clear)"))
                .close("tr");
    }
}
