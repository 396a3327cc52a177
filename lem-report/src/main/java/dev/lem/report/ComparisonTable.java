package dev.lem.report;

import dev.lem.Comparisons;
import dev.lem.LemException;
import dev.lem.Metric;
import dev.lem.report.internal.Fmt;
import dev.lem.result.ExperimentResult;
import dev.lem.result.SummaryCalculator;
import dev.lem.stats.CiMethod;
import dev.lem.stats.Comparison;
import dev.lem.stats.Estimate;
import dev.lem.stats.Interval;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Experiment B against experiment A, metric by metric: the difference B − A and the ratio B / A with their
 * intervals (two-sample, over whole cycles: {@link Comparisons#compare}), whether B is better, worse or not clearly
 * different, and one plain sentence per metric such as "batch 8 has 72.8% lower energy per output token than batch 1
 * (95% CI 69.5–75.6% lower)". What {@code lem compare} prints; {@link #regressions(double)} is its
 * {@code --fail-if-worse} gate.
 */
public final class ComparisonTable {
    /** What {@code lem compare} compares when no metric is named (those available in both experiments). */
    public static final List<Metric> DEFAULT_METRICS = List.of(Metric.OUTPUT_TOKENS_PER_S, Metric.REQUESTS_PER_S,
            Metric.TTFT_MEAN_MS, Metric.TTFT_P99_MS, Metric.ITL_MEAN_MS, Metric.TPOT_MEAN_MS, Metric.E2E_MEAN_MS,
            Metric.E2E_P99_MS, Metric.ENERGY_PER_OUTPUT_TOKEN_J, Metric.ENERGY_PER_REQUEST_J, Metric.ENERGY_J,
            Metric.AVERAGE_POWER_W, Metric.CARBON_PER_1K_OUTPUT_TOKENS_G, Metric.ENERGY_PER_GOOD_REQUEST_J,
            Metric.GOOD_REQUESTS_PER_KJ);

    /** How B compares with A on a metric. */
    public enum Verdict {
        /** B is better, and the interval of the ratio excludes 1 (of the difference, 0, when there is no ratio). */
        BETTER,
        /** B is worse, and the interval of the ratio excludes 1. */
        WORSE,
        /** The interval includes no change (or there is none). */
        NO_CLEAR_DIFFERENCE,
        /** B differs, but the metric has no better direction (average power, FLOPs per token). */
        DIFFERENT
    }

    /**
     * One metric compared.
     *
     * @param metric     the metric
     * @param a          A's estimate
     * @param b          B's estimate
     * @param comparison the difference and ratio with their intervals
     * @param verdict    better, worse, no clear difference, or different (no direction)
     * @param sentence   the comparison in one sentence
     */
    public record Row(Metric metric, Estimate a, Estimate b, Comparison comparison, Verdict verdict, String sentence) {
        /**
         * B relative to A in percent ((B / A − 1) · 100); empty when A is 0.
         *
         * @return B relative to A in percent ((B / A − 1) · 100); empty when A is 0
         */
        public Optional<Double> percentChange() {
            return comparison.percentChange();
        }

        /**
         * How much worse B is than A, in percent (positive = worse), for a metric with a direction.
         *
         * @return how much worse B is, in percent (negative: better); empty for a metric without a direction or when A is 0
         */
        public Optional<Double> percentWorse() {
            MetricInfo.Goal g = MetricInfo.goal(metric);
            if (g == MetricInfo.Goal.NEITHER) {
                return Optional.empty();
            }
            return percentChange().map(p -> g == MetricInfo.Goal.LOWER ? p : -p);
        }
    }

    private final ExperimentResult a;
    private final ExperimentResult b;
    private final String labelA;
    private final String labelB;
    private final List<Row> rows;
    private final Map<Metric, String> unavailable;
    private final String method;
    private final List<QualityRow> quality;

    /**
     * A quality figure of both experiments: perplexity (measured by LEM once per experiment, with an interval across
     * the text's windows) or a score the user attached ({@code lem results annotate}); no interval across cycles, so
     * no verdict.
     *
     * @param name  {@code perplexity} or {@code quality.<name>}
     * @param a     A's value, when it has one
     * @param b     B's value, when it has one
     * @param basis how the values were obtained (and their intervals, for perplexity)
     */
    public record QualityRow(String name, Optional<Double> a, Optional<Double> b, String basis) {
        /**
         * Checks that the components are set.
         *
         * @param name  the figure's name
         * @param a     A's value, when it has one
         * @param b     B's value, when it has one
         * @param basis how the values were obtained
         */
        public QualityRow {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(a, "a");
            Objects.requireNonNull(b, "b");
            Objects.requireNonNull(basis, "basis");
        }

        /** {@return B − A, when both have a value} */
        public Optional<Double> difference() {
            return a.flatMap(x -> b.map(y -> y - x));
        }

        /** {@return B / A, when both have a value and A's is not 0} */
        public Optional<Double> ratio() {
            return a.filter(x -> x != 0).flatMap(x -> b.map(y -> y / x));
        }
    }

    private ComparisonTable(ExperimentResult a, ExperimentResult b, String labelA, String labelB, List<Row> rows,
            Map<Metric, String> unavailable) {
        this.a = a;
        this.b = b;
        this.labelA = labelA;
        this.labelB = labelB;
        this.rows = List.copyOf(rows);
        this.unavailable = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(unavailable));
        this.quality = qualityRows(a, b);
        this.method = rows.isEmpty() ? a.config().stats().ciMethod().name().toLowerCase(Locale.ROOT)
                : String.join(", ", rows.stream().map(r -> r.comparison().ratioCi().or(() -> r.comparison()
                        .differenceCi()).map(Interval::method).orElse("none")).distinct().toList());
    }

    /**
     * B against A on the {@link #DEFAULT_METRICS} that either has (one missing in either is listed as such).
     *
     * @param a experiment A, the baseline
     * @param b experiment B, compared with A
     * @return B against A on the {@link #DEFAULT_METRICS} that either has (one missing in either is listed as such)
     */
    public static ComparisonTable of(ExperimentResult a, ExperimentResult b) {
        List<Metric> ms = DEFAULT_METRICS.stream().filter(m -> a.summary().find(m).isPresent()
                || b.summary().find(m).isPresent()).toList();
        return of(a, b, ms);
    }

    /**
     * B against A on the given metrics, in this order. A metric missing in either experiment is listed in
     * {@link #unavailable()} with the reason, not compared.
     *
     * @param a experiment A, the baseline
     * @param b experiment B, compared with A
     * @param metrics the metrics, in this order
     * @return B against A on the given metrics, in this order
     */
    public static ComparisonTable of(ExperimentResult a, ExperimentResult b, List<Metric> metrics) {
        return compare(a, b, metrics, null);
    }

    /**
     * B against A on the given metrics with another interval method than A's {@code stats.ci_method}, e.g.
     * {@link CiMethod#BCA} for bootstrap intervals (the level, resample count and seed stay A's).
     *
     * @param a experiment A, the baseline
     * @param b experiment B, compared with A
     * @param metrics the metrics, in this order
     * @param method the interval method
     * @return the comparison table
     */
    public static ComparisonTable of(ExperimentResult a, ExperimentResult b, List<Metric> metrics, CiMethod method) {
        return compare(a, b, metrics, Objects.requireNonNull(method, "method"));
    }

    private static ComparisonTable compare(ExperimentResult a, ExperimentResult b, List<Metric> metrics,
            @Nullable CiMethod method) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        String la = a.config().name().orElse(a.id());
        String lb = b.config().name().orElse(b.id());
        if (la.equals(lb)) {
            la = a.id();
            lb = b.id();
        }
        List<Row> rows = new ArrayList<>();
        Map<Metric, String> missing = new LinkedHashMap<>();
        for (Metric m : metrics) {
            if (!m.acrossCycles()) {
                // measured once per experiment: in the quality rows, with no interval across cycles to gate on
                missing.put(m, "measured once per experiment, not per cycle: shown under Quality, with no interval "
                        + "across cycles to compare or gate on");
                continue;
            }
            Optional<Estimate> ea = a.summary().find(m);
            Optional<Estimate> eb = b.summary().find(m);
            if (ea.isEmpty() || eb.isEmpty()) {
                missing.put(m, ea.isEmpty() ? "not available in A (" + la + "): "
                        + a.summary().whyUnavailable(m).orElse("") : "not available in B (" + lb + "): "
                        + b.summary().whyUnavailable(m).orElse(""));
                continue;
            }
            Comparison c;
            try {
                c = method == null ? Comparisons.compare(a, b, m) : Comparison.of(
                        SummaryCalculator.sample(a, m).orElseThrow(), SummaryCalculator.sample(b, m).orElseThrow(),
                        a.config().stats().intervals().withMethod(method), a.config().seed() + m.ordinal());
            } catch (LemException | java.util.NoSuchElementException e) {
                missing.put(m, e.getMessage());
                continue;
            }
            rows.add(new Row(m, ea.get(), eb.get(), c, verdict(m, c), c.describe(la, lb, MetricInfo.name(m))));
        }
        return new ComparisonTable(a, b, la, lb, rows, missing);
    }

    private static List<QualityRow> qualityRows(ExperimentResult a, ExperimentResult b) {
        List<QualityRow> out = new ArrayList<>();
        Optional<Estimate> pa = a.summary().find(Metric.PERPLEXITY);
        Optional<Estimate> pb = b.summary().find(Metric.PERPLEXITY);
        if (pa.isPresent() || pb.isPresent()) {
            out.add(new QualityRow(Metric.PERPLEXITY.key(), pa.map(Estimate::mean), pb.map(Estimate::mean),
                    "measured once per experiment (sliding window); intervals across the text's windows: A "
                            + pa.map(ComparisonTable::interval).orElse("n/a") + ", B "
                            + pb.map(ComparisonTable::interval).orElse("n/a")));
        }
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
        a.qualityScores().forEach(q -> names.add(q.name()));
        b.qualityScores().forEach(q -> names.add(q.name()));
        for (String n : names) {
            var qa = a.qualityScore(n);
            var qb = b.qualityScore(n);
            String notes = java.util.stream.Stream.of(qa, qb).flatMap(Optional::stream)
                    .map(dev.lem.quality.QualityScore::note).filter(x -> !x.isEmpty()).distinct()
                    .collect(java.util.stream.Collectors.joining("; "));
            out.add(new QualityRow("quality." + n, qa.map(dev.lem.quality.QualityScore::value),
                    qb.map(dev.lem.quality.QualityScore::value), "provided by the user (lem results annotate)"
                            + (notes.isEmpty() ? "" : ": " + notes)));
        }
        return out;
    }

    private static String interval(Estimate e) {
        return e.interval().map(i -> "[" + Fmt.sig(i.low()) + ", " + Fmt.sig(i.high()) + "]").orElse("[no interval]");
    }

    /**
     * Quality figures of either experiment: perplexity and the scores users attached, with no verdict (no interval
     * across cycles).
     *
     * @return the rows; empty when neither has any
     */
    public List<QualityRow> quality() {
        return quality;
    }

    private static Verdict verdict(Metric m, Comparison c) {
        // the sentence speaks of the ratio: so does the verdict (the difference only where there is no ratio)
        boolean clear = c.ratio().isPresent() ? c.ratioExcludesOne() : c.differenceExcludesZero();
        if (!clear) {
            return Verdict.NO_CLEAR_DIFFERENCE;
        }
        MetricInfo.Goal g = MetricInfo.goal(m);
        if (g == MetricInfo.Goal.NEITHER) {
            return Verdict.DIFFERENT;
        }
        boolean higher = c.difference() > 0;
        return higher == (g == MetricInfo.Goal.HIGHER) ? Verdict.BETTER : Verdict.WORSE;
    }

    /**
     * Experiment A.
     *
     * @return experiment A
     */
    public ExperimentResult a() {
        return a;
    }

    /**
     * Experiment B.
     *
     * @return experiment B
     */
    public ExperimentResult b() {
        return b;
    }

    /**
     * A's name in the sentences (its configured name, else its id).
     *
     * @return a's name in the sentences (its configured name, else its id)
     */
    public String labelA() {
        return labelA;
    }

    /**
     * B's name in the sentences.
     *
     * @return B's name in the sentences
     */
    public String labelB() {
        return labelB;
    }

    /**
     * The metrics compared, in order.
     *
     * @return the metrics compared, in order
     */
    public List<Row> rows() {
        return rows;
    }

    /**
     * The metrics asked for but not compared, each with the reason.
     *
     * @return the metrics asked for but not compared, each with the reason
     */
    public Map<Metric, String> unavailable() {
        return unavailable;
    }

    /**
     * The regressions: metrics where B is worse than A by more than {@code percent} percent (point estimate) and the
     * interval of B / A excludes no change, so that noise alone does not trip a CI gate. Metrics without a better
     * direction are never regressions.
     *
     * @throws IllegalArgumentException when {@code percent} is negative or not finite
     * @param percent the threshold, in percent
     * @return the regressions, in metric order (empty when there is none)
     */
    public List<Row> regressions(double percent) {
        if (!(percent >= 0) || Double.isInfinite(percent)) {
            throw new IllegalArgumentException("the threshold (" + percent + "%) must be a percentage >= 0");
        }
        return rows.stream().filter(r -> r.verdict() == Verdict.WORSE
                && r.percentWorse().map(p -> p > percent).orElse(false)).toList();
    }

    /**
     * The sentences, one per metric compared.
     *
     * @return the sentences, one per metric compared
     */
    public List<String> lines() {
        return rows.stream().map(Row::sentence).toList();
    }

    /**
     * The table and the sentences, as {@code lem compare} prints them.
     *
     * @return the table and the sentences, as {@code lem compare} prints them
     */
    public String toText() {
        StringBuilder s = new StringBuilder();
        s.append("A: ").append(labelA).append(labelA.equals(a.id()) ? "" : " (" + a.id() + ")")
                .append(a.isComplete() ? "" : " [" + a.status().name().toLowerCase(Locale.ROOT) + ": "
                        + a.statusReason() + "]").append('\n');
        s.append("B: ").append(labelB).append(labelB.equals(b.id()) ? "" : " (" + b.id() + ")")
                .append(b.isComplete() ? "" : " [" + b.status().name().toLowerCase(Locale.ROOT) + ": "
                        + b.statusReason() + "]").append('\n');
        String lvl = rows.isEmpty() ? "95%" : Fmt.sig(rows.get(0).comparison().level() * 100) + "%";
        List<String[]> t = new ArrayList<>();
        t.add(new String[] {"metric", "unit", "A", "B", "B - A [" + lvl + " CI]", "B / A [" + lvl + " CI]", "verdict"});
        for (Row r : rows) {
            Comparison c = r.comparison();
            t.add(new String[] {r.metric().key(), r.metric().unit(), Fmt.sig(r.a().mean()), Fmt.sig(r.b().mean()),
                    Fmt.sig(c.difference()) + ci(c.differenceCi()),
                    c.ratio().map(x -> Fmt.sig(x) + ci(c.ratioCi())).orElse("n/a"),
                    r.verdict().name().toLowerCase(Locale.ROOT).replace('_', ' ')});
        }
        int[] w = new int[t.get(0).length];
        for (String[] row : t) {
            for (int i = 0; i < row.length; i++) {
                w[i] = Math.max(w[i], row[i].length());
            }
        }
        for (int k = 0; k < t.size(); k++) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < w.length; i++) {
                line.append(String.format(Locale.ROOT, "%-" + w[i] + "s", t.get(k)[i])).append(i + 1 < w.length ? "  "
                        : "");
            }
            s.append(line.toString().stripTrailing()).append('\n');
            if (k == 0) {
                s.append("-".repeat(line.toString().stripTrailing().length())).append('\n');
            }
        }
        if (!rows.isEmpty()) {
            s.append('\n');
            rows.forEach(r -> s.append(r.sentence()).append('\n'));
        }
        if (!quality.isEmpty()) {
            s.append("\nQuality (one value per experiment: no interval across cycles, no verdict):\n");
            List<String[]> q = new ArrayList<>();
            q.add(new String[] {"figure", "A", "B", "B - A", "B / A", "basis"});
            for (QualityRow r : quality) {
                q.add(new String[] {r.name(), r.a().map(Fmt::sig).orElse("n/a"), r.b().map(Fmt::sig).orElse("n/a"),
                        r.difference().map(Fmt::sig).orElse("n/a"), r.ratio().map(Fmt::sig).orElse("n/a"), r.basis()});
            }
            int[] qw = new int[q.get(0).length];
            for (String[] row : q) {
                for (int i = 0; i < row.length; i++) {
                    qw[i] = Math.max(qw[i], row[i].length());
                }
            }
            for (String[] row : q) {
                StringBuilder line = new StringBuilder("  ");
                for (int i = 0; i < qw.length; i++) {
                    line.append(String.format(Locale.ROOT, "%-" + qw[i] + "s", row[i])).append("  ");
                }
                s.append(line.toString().stripTrailing()).append('\n');
            }
        }
        if (!unavailable.isEmpty()) {
            s.append("\nNot compared:\n");
            unavailable.forEach((m, why) -> s.append("  ").append(m.key()).append(": ").append(why).append('\n'));
        }
        s.append("\nIntervals: two-sample over whole cycles (").append(method)
                .append("; level and seed from A's statistics settings); cycles are not paired.\n");
        return s.toString();
    }

    private static String ci(Optional<Interval> i) {
        return i.map(x -> " [" + Fmt.sig(x.low()) + ", " + Fmt.sig(x.high()) + "]").orElse(" [no interval]");
    }

    @Override
    public String toString() {
        return "ComparisonTable " + labelB + " against " + labelA + ": " + rows.size() + " metric"
                + (rows.size() == 1 ? "" : "s");
    }
}
