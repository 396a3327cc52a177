package dev.lem.report.internal;

import dev.lem.Lem;
import dev.lem.Metric;
import dev.lem.env.EnvironmentInfo;
import dev.lem.report.MetricInfo;
import dev.lem.result.CycleResult;
import dev.lem.result.ExperimentResult;
import dev.lem.result.RunSetup;
import dev.lem.stats.Estimate;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes the self-contained HTML report: one file, every script, style and figure inline, the data embedded as
 * JSON, and a Content-Security-Policy that forbids every network request, so that the file shows the same thing
 * offline and in ten years. The figures are SVG drawn here, so the static page is complete without its script
 * (which only adds the metric picker and the SLO slider) and prints to PDF as shown.
 */
public final class HtmlReport {
    /** The metrics drawn per cycle in each experiment's section, when available. */
    static final List<Metric> PER_CYCLE = List.of(Metric.OUTPUT_TOKENS_PER_S, Metric.ENERGY_PER_OUTPUT_TOKEN_J,
            Metric.AVERAGE_POWER_W, Metric.TTFT_MEAN_MS, Metric.TPOT_MEAN_MS, Metric.E2E_MEAN_MS);
    /** Headline metrics of the overview table. */
    static final List<Metric> OVERVIEW = List.of(Metric.ENERGY_PER_OUTPUT_TOKEN_J, Metric.OUTPUT_TOKENS_PER_S,
            Metric.TPOT_MEAN_MS, Metric.TTFT_P99_MS);
    /** Latencies an SLO deadline can be set on, in the order offered. */
    static final List<Metric> SLO_METRICS = List.of(Metric.TPOT_MEAN_MS, Metric.ITL_MEAN_MS, Metric.ITL_P99_MS,
            Metric.TTFT_MEAN_MS, Metric.TTFT_P99_MS, Metric.E2E_MEAN_MS, Metric.E2E_P99_MS);
    /** Latencies with a CDF, with their titles. */
    static final Map<String, String> LATENCIES = latencies();
    /** Above this many experiments, CDFs are not overlaid in the comparison. */
    static final int MAX_OVERLAY = 8;

    private static final String CSS = resource("report.css");
    private static final String JS = resource("report.js");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final double WIDE = 760;
    private static final double SMALL = 372;

    private final List<ExperimentView> exps;
    private final String title;
    private final Instant generatedAt;
    private final List<EffectsSection> effects;

    /**
     * @param exps        the experiments, in report order
     * @param title       the report's title
     * @param generatedAt when the report was made (printed in its header)
     * @param effects     the "what drives energy" analyses to show (empty when nothing varied)
     */
    public HtmlReport(List<ExperimentView> exps, String title, Instant generatedAt, List<EffectsSection> effects) {
        this.exps = List.copyOf(exps);
        this.title = Objects.requireNonNull(title);
        this.generatedAt = generatedAt;
        this.effects = List.copyOf(effects);
    }

    /** A rendered section of effects, built by the caller (so that this class needs no statistics of its own). */
    public record EffectsSection(String heading, String html) {
    }

    private static Map<String, String> latencies() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("ttft", "Time to first token (TTFT)");
        m.put("itl", "Inter-token latency (ITL)");
        m.put("tpot", "Time per output token (TPOT)");
        m.put("e2e", "End-to-end latency (E2E)");
        return m;
    }

    private static String resource(String name) {
        try (InputStream in = HtmlReport.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("lem-report is missing its resource " + name + " (a broken jar?)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read lem-report's resource " + name + ": " + e.getMessage(), e);
        }
    }

    /** The CSP: nothing may be fetched; only this page's own script and style, by hash, may run. */
    static String contentSecurityPolicy(String script, String style) {
        return "default-src 'none'; script-src '" + sha256(script) + "'; style-src '" + sha256(style)
                + "'; img-src data:; base-uri 'none'; form-action 'none'";
    }

    private static String sha256(String s) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            return "sha256-" + Base64.getEncoder().encodeToString(d.digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The whole document. */
    public String render() {
        Html h = new Html(1 << 16);
        h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.open("meta", "http-equiv", "Content-Security-Policy", "content", contentSecurityPolicy(JS, CSS)).nl();
        h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.open("meta", "name", "generator", "content", "LEM " + Lem.version()).nl();
        h.el("title", title).nl();
        h.raw("<style>").raw(CSS).raw("</style>\n</head>\n<body>\n");
        header(h);
        nav(h);
        warnings(h);
        if (exps.size() > 1) {
            comparison(h);
        }
        for (ExperimentView v : exps) {
            experiment(h, v);
        }
        methods(h);
        h.raw("<script type=\"application/json\" id=\"lem-data\">").raw(data()).raw("</script>\n");
        h.raw("<script>").raw(JS).raw("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    // ------------------------------------------------------------------------------------------- header, nav

    private void header(Html h) {
        h.open("header").el("h1", title);
        long incomplete = exps.stream().filter(v -> !v.result().isComplete()).count();
        h.open("p", "class", "meta").text(exps.size() + " experiment" + (exps.size() == 1 ? "" : "s")
                + (incomplete > 0 ? " (" + incomplete + " not complete)" : "") + " · generated "
                + DateTimeFormatter.ISO_INSTANT.format(generatedAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
                + " by LEM " + Lem.version() + " · self-contained: works offline and makes no network request")
                .close("p");
        h.close("header").nl();
    }

    private void nav(Html h) {
        h.open("nav", "aria-label", "contents").open("ul");
        h.open("li").el("a", "Warnings", "href", "#warnings").close("li");
        if (exps.size() > 1) {
            h.open("li").el("a", "Comparison", "href", "#comparison").close("li");
        }
        for (ExperimentView v : exps) {
            h.open("li").el("a", v.label(), "href", "#" + v.anchor()).close("li");
        }
        h.open("li").el("a", "Methods and definitions", "href", "#methods").close("li");
        h.close("ul").close("nav").nl();
    }

    // ------------------------------------------------------------------------------------------- warnings

    /** The category of a warning, by what it says, for ordering and a tag. */
    static String category(String warning) {
        String w = warning.toLowerCase(Locale.ROOT);
        if (w.contains("throttl")) {
            return "throttling";
        }
        if (w.contains("stopped early") || w.contains("interrupted") || w.contains("no end marker")) {
            return "run stopped";
        }
        if (w.contains("fail") && w.contains("request")) {
            return "failed requests";
        }
        if (w.contains("baseline") || w.contains("below idle") || w.contains("idle power")) {
            return "baseline";
        }
        if (w.contains("estimated") || w.contains("no energy")) {
            return "energy estimated";
        }
        if (w.contains("outlier")) {
            return "outlier";
        }
        return "other";
    }

    private static final List<String> CATEGORY_ORDER = List.of("run stopped", "throttling", "failed requests", "baseline",
            "energy estimated", "outlier", "other");

    private void warnings(Html h) {
        h.open("section", "id", "warnings", "class", "warnings").el("h2", "Warnings");
        List<ExperimentView> bad = exps.stream().filter(v -> !v.result().isComplete()).toList();
        if (!bad.isEmpty()) {
            h.open("ul", "class", "status-list");
            for (ExperimentView v : bad) {
                ExperimentResult r = v.result();
                h.open("li", "class", "alert").open("a", "href", "#" + v.anchor()).text(v.label()).close("a")
                        .text(" is " + statusWord(r) + ": " + r.statusReason() + " — its figures cover "
                                + r.summary().cycles() + " cycle" + (r.summary().cycles() == 1 ? "" : "s")
                                + " and are not the planned experiment")
                        .close("li");
            }
            h.close("ul");
        }
        // identical warnings of several experiments are listed once, naming them; outlier flags (one warning per
        // cycle and metric) are folded into one line per experiment, or one line for many experiments
        Map<String, List<ExperimentView>> byText = new LinkedHashMap<>();
        List<ExperimentView> withOutliers = new ArrayList<>();
        for (ExperimentView v : exps) {
            List<String> ws = warningsOf(v.result());
            String folded = foldOutliers(ws);
            for (String w : ws) {
                if (!OUTLIER.matcher(w).find()) {
                    byText.computeIfAbsent(w, k -> new ArrayList<>()).add(v);
                }
            }
            if (!folded.isEmpty()) {
                withOutliers.add(v);
                byText.computeIfAbsent(folded, k -> new ArrayList<>()).add(v);
            }
        }
        if (withOutliers.size() > 8) {
            byText.entrySet().removeIf(e -> e.getKey().startsWith(OUTLIER_LINE));
            byText.put("outlier cycles in " + withOutliers.size() + " experiments (flagged, still in every figure; each "
                    + "experiment's summary names them)", withOutliers);
        }
        if (byText.isEmpty() && bad.isEmpty()) {
            h.el("p", "No warnings: every experiment completed and nothing was flagged.", "class", "ok");
        } else if (!byText.isEmpty()) {
            h.open("ul", "class", "warning-list");
            for (String cat : CATEGORY_ORDER) {
                for (Map.Entry<String, List<ExperimentView>> e : byText.entrySet()) {
                    if (!category(e.getKey()).equals(cat)) {
                        continue;
                    }
                    h.open("li", "data-category", cat).el("span", cat, "class", "tag tag-" + cat.replace(' ', '-'))
                            .text(" " + e.getKey());
                    if (exps.size() > 1) {
                        h.text(" — ");
                        List<ExperimentView> who = e.getValue();
                        if (who.size() == exps.size()) {
                            h.text("all " + exps.size() + " experiments");
                        } else {
                            for (int i = 0; i < who.size(); i++) {
                                h.text(i == 0 ? "" : ", ").el("a", who.get(i).label(), "href", "#" + who.get(i).anchor());
                            }
                        }
                    }
                    h.close("li");
                }
            }
            h.close("ul");
        }
        h.close("section").nl();
    }

    private static final java.util.regex.Pattern OUTLIER = java.util.regex.Pattern.compile(
            "^cycle (\\d+) is an outlier in (\\w+):");
    private static final String OUTLIER_LINE = "outlier cycles (flagged, still in every figure): ";

    /**
     * The outlier warnings among {@code warnings} as one line, e.g. {@code outlier cycles (...): cycle 4 in
     * output_tokens_per_s, tpot_mean_ms; cycle 5 in e2e_mean_ms}; empty when there is none.
     */
    static String foldOutliers(List<String> warnings) {
        Map<Integer, List<String>> byCycle = new java.util.TreeMap<>();
        for (String w : warnings) {
            java.util.regex.Matcher m = OUTLIER.matcher(w);
            if (m.find()) {
                byCycle.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new ArrayList<>()).add(m.group(2));
            }
        }
        if (byCycle.isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        byCycle.forEach((c, ms) -> parts.add("cycle " + c + " in " + String.join(", ", ms)));
        return OUTLIER_LINE + String.join("; ", parts);
    }

    /**
     * The experiment's warnings and its cycles' (throttling is recorded per cycle), each cycle's prefixed with its
     * number; the same text once.
     */
    public static List<String> warningsOf(ExperimentResult r) {
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>(r.warnings());
        for (CycleResult c : r.cycles()) {
            for (String w : c.warnings()) {
                all.add("cycle " + (c.cycle() + 1) + ": " + w);
            }
        }
        // a disturbed idle baseline: a domain drew less than its idle power during a cycle
        Map<String, List<Integer>> below = new java.util.TreeMap<>();
        for (CycleResult c : r.cycles()) {
            c.energy().ifPresent(e -> e.domains().stream().filter(d -> d.belowIdle()).forEach(d -> below
                    .computeIfAbsent(d.domain().id(), k -> new ArrayList<>()).add(c.cycle() + 1)));
        }
        if (!below.isEmpty() && all.stream().noneMatch(w -> w.contains("below idle") || w.contains("less than its idle"))) {
            List<String> parts = new ArrayList<>();
            below.forEach((d, cs) -> parts.add(d + " in cycle" + (cs.size() == 1 ? " " : "s ") + cs.stream()
                    .map(String::valueOf).collect(java.util.stream.Collectors.joining(", "))));
            all.add("the idle baseline looks disturbed: " + String.join("; ", parts) + " drew less than its idle "
                    + "power (idle-adjusted energy below zero); the baseline may have been measured under load, so "
                    + "idle-adjusted figures are unreliable");
        }
        // estimated energy is said even when the run did not say it (results from other tools, older runs)
        Optional<String> basis = r.summary().find(Metric.ENERGY_J).map(Estimate::basis);
        if (basis.isPresent() && basis.get().contains("estimated")
                && all.stream().noneMatch(w -> w.contains("estimated"))) {
            all.add("energy includes estimated figures (" + basis.get() + "): modelled, not read from a hardware "
                    + "counter");
        }
        return List.copyOf(all);
    }

    private static String statusWord(ExperimentResult r) {
        return r.status().name().toLowerCase(Locale.ROOT);
    }

    private static void badge(Html h, ExperimentResult r) {
        h.el("span", statusWord(r), "class", "badge " + (r.isComplete() ? "badge-ok" : "badge-bad"),
                "title", r.isComplete() ? "every planned cycle ran" : r.statusReason());
    }

    // ------------------------------------------------------------------------------------------- comparison

    /** Keys whose values differ between experiments (the settings that were varied). */
    public static List<String> variedKeys(List<ExperimentResult> results) {
        Map<String, java.util.Set<String>> seen = new TreeMap<>();
        for (ExperimentResult r : results) {
            r.config().toValues().forEach((k, v) -> seen.computeIfAbsent(k, x -> new TreeSet<>())
                    .add(String.valueOf(v)));
        }
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, java.util.Set<String>> e : seen.entrySet()) {
            boolean everyone = results.stream().allMatch(r -> r.config().toValues().containsKey(e.getKey()));
            if ((e.getValue().size() > 1 || !everyone) && !e.getKey().equals("name")
                    && !e.getKey().equals("results_dir")) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    private static String settings(ExperimentResult r, List<String> keys) {
        Map<String, Object> values = r.config().toValues();
        List<String> parts = new ArrayList<>();
        for (String k : keys) {
            parts.add(k + "=" + (values.containsKey(k) ? String.valueOf(values.get(k)) : "(unset)"));
        }
        return String.join(", ", parts);
    }

    private void comparison(Html h) {
        List<ExperimentResult> results = exps.stream().map(ExperimentView::result).toList();
        List<String> varied = variedKeys(results);
        h.open("section", "id", "comparison").el("h2", "Comparison of " + exps.size() + " experiments");
        h.open("p").text("Each figure is the mean over an experiment's cycles with its "
                + level() + " confidence interval across cycles (the interval method is named in each "
                + "experiment's summary table). ").text(varied.isEmpty() ? "The experiments share every setting."
                        : "Settings that differ: " + String.join(", ", varied) + ".").close("p");

        // overview table
        h.open("div", "class", "table-wrap").open("table", "class", "overview", "id", "overview").open("thead")
                .open("tr");
        h.el("th", "experiment").el("th", "status");
        if (!varied.isEmpty()) {
            h.el("th", "settings");
        }
        for (Metric m : OVERVIEW) {
            h.open("th").text(MetricInfo.name(m)).open("br").el("span", m.unit(), "class", "unit").close("th");
        }
        h.el("th", "energy obtained by");
        h.close("tr").close("thead").open("tbody");
        for (ExperimentView v : exps) {
            ExperimentResult r = v.result();
            h.open("tr", "data-exp", r.id()).open("td").el("a", v.label(), "href", "#" + v.anchor())
                    .el("div", r.id(), "class", "id").close("td");
            h.open("td");
            badge(h, r);
            h.close("td");
            if (!varied.isEmpty()) {
                h.el("td", settings(r, varied), "class", "settings");
            }
            for (Metric m : OVERVIEW) {
                valueCell(h, r, m);
            }
            h.el("td", r.summary().find(Metric.ENERGY_J).map(Estimate::basis).orElse("no energy"), "class", "basis");
            h.close("tr");
        }
        h.close("tbody").close("table").close("div").nl();
        qualityTable(h);

        // a metric per experiment, picked
        List<Metric> available = new ArrayList<>();
        for (Metric m : Metric.values()) {
            if (results.stream().anyMatch(r -> r.summary().find(m).isPresent())) {
                available.add(m);
            }
        }
        h.el("h3", "Each metric per experiment");
        Metric first = available.contains(Metric.ENERGY_PER_OUTPUT_TOKEN_J) ? Metric.ENERGY_PER_OUTPUT_TOKEN_J
                : available.isEmpty() ? null : available.get(0);
        if (first == null) {
            h.el("p", "No metric is available in any experiment.", "class", "missing");
        } else {
            h.open("p", "class", "picker js-only").open("label", "for", "metric-pick").text("Metric: ").close("label")
                    .open("select", "id", "metric-pick");
            for (Metric m : available) {
                h.open("option", "value", m.key(), "selected", m == first ? "selected" : null)
                        .text(MetricInfo.name(m) + " (" + m.unit() + ")").close("option");
            }
            h.close("select").close("p");
            h.open("div", "class", "metric-figs");
            for (Metric m : available) {
                DotChart c = Figures.metricDots(exps, m, Theme.REPORT, WIDE, MetricInfo.title(m));
                h.open("figure", "class", "metric-fig", "data-metric", m.key(), "data-default",
                        m == first ? "true" : null).raw(c.svg("chart")).open("figcaption")
                        .text(MetricInfo.title(m) + " (" + m.key() + ", " + m.unit() + "): " + m.description()
                                + ". Dots are means; bars the " + level() + " intervals across cycles.")
                        .close("figcaption").close("figure").nl();
            }
            h.close("div");
        }

        pareto(h);
        slo(h);
        overlayCdfs(h);
        for (EffectsSection e : effects) {
            h.el("h3", e.heading()).raw(e.html());
        }
        environments(h);
        h.close("section").nl();
    }

    private String level() {
        double l = exps.stream().flatMap(v -> v.result().summary().metrics().values().stream()).findFirst()
                .map(Estimate::level).orElse(0.95);
        return Fmt.sig(l * 100) + "%";
    }

    private static void valueCell(Html h, ExperimentResult r, Metric m) {
        Optional<Estimate> e = r.summary().find(m);
        if (e.isEmpty()) {
            h.el("td", "n/a", "class", "na", "title", "not available: " + r.summary().whyUnavailable(m).orElse(""));
            return;
        }
        h.open("td", "class", "num", "data-metric", m.key(), "data-value", Double.toString(e.get().mean()))
                .text(Fmt.sig(e.get().mean()));
        e.get().interval().ifPresent(i -> h.el("div", "[" + Fmt.sig(i.low()) + ", " + Fmt.sig(i.high()) + "]",
                "class", "ci"));
        h.close("td");
    }

    /** Perplexity and the user's quality scores of every experiment, beside energy per output token. */
    private void qualityTable(Html h) {
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
        exps.forEach(v -> v.result().qualityScores().forEach(q -> names.add(q.name())));
        boolean perplexity = exps.stream().anyMatch(v -> v.result().summary().find(Metric.PERPLEXITY).isPresent());
        if (names.isEmpty() && !perplexity) {
            return;
        }
        h.el("h3", "Energy and quality");
        h.el("p", "Perplexity is measured by LEM once per experiment, after its cycles and outside their energy windows "
                + "(interval across the text's windows; docs/quality.md); quality.* scores are provided by the user "
                + "(lem results annotate) and have no interval.");
        h.open("div", "class", "table-wrap").open("table", "class", "quality", "id", "quality").open("thead")
                .open("tr").el("th", "experiment");
        for (Metric m : List.of(Metric.ENERGY_PER_OUTPUT_TOKEN_J, Metric.PERPLEXITY)) {
            h.open("th").text(MetricInfo.name(m)).open("br").el("span", m.unit(), "class", "unit").close("th");
        }
        names.forEach(n -> h.el("th", "quality." + n));
        h.el("th", "weights").el("th", "adapter");
        h.close("tr").close("thead").open("tbody");
        for (ExperimentView v : exps) {
            ExperimentResult r = v.result();
            h.open("tr", "data-exp", r.id()).open("td").el("a", v.label(), "href", "#" + v.anchor()).close("td");
            valueCell(h, r, Metric.ENERGY_PER_OUTPUT_TOKEN_J);
            valueCell(h, r, Metric.PERPLEXITY);
            for (String n : names) {
                var q = r.qualityScore(n);
                if (q.isPresent()) {
                    h.el("td", Fmt.sig(q.get().value()), "class", "num", "data-score", n, "title", q.get().basis());
                } else {
                    h.el("td", "n/a", "class", "na", "title", "no quality." + n + " attached");
                }
            }
            h.el("td", r.model().flatMap(m -> m.weights()).map(Object::toString).orElse("not recorded"), "class",
                    "basis");
            h.el("td", r.model().flatMap(m -> m.adapter()).map(a -> a.name() + " (r " + a.rank() + ", "
                    + a.application() + ")").orElse("none"), "class", "basis");
            h.close("tr");
        }
        h.close("tbody").close("table").close("div").nl();
    }

    private void pareto(Html h) {
        h.el("h3", "Energy against latency, throughput and quality: the Pareto front");
        h.el("p", "A configuration is on the front when no other one has both lower energy per output token and "
                + "better latency (or throughput, or perplexity). Points on the front keep their colour and are joined; "
                + "dominated points are grey. Bars are the intervals in both directions (energy: across cycles; "
                + "perplexity: across the text's windows): a front drawn through overlapping intervals is not a "
                + "settled ranking. Hover over a point for its figures.");
        for (Metric x : List.of(Metric.TPOT_MEAN_MS, Metric.OUTPUT_TOKENS_PER_S, Metric.PERPLEXITY)) {
            if (x == Metric.PERPLEXITY && exps.stream().noneMatch(v -> v.result().summary().find(x).isPresent())) {
                h.el("p", "Energy against quality: no experiment measured perplexity (set quality.perplexity.dataset, "
                        + "docs/quality.md).", "class", "missing");
                continue;
            }
            List<String> missing = new ArrayList<>();
            XyChart c = Figures.scatter(exps, x, Metric.ENERGY_PER_OUTPUT_TOKEN_J, Theme.REPORT, WIDE, 420,
                    "Energy per output token against " + MetricInfo.name(x), true, missing);
            h.open("figure", "class", "pareto", "data-x", x.key());
            if (c.hasData()) {
                h.raw(c.svg("chart"));
            } else {
                h.el("p", "No experiment has both " + x.key() + " and energy_per_output_token_j.", "class", "missing");
            }
            h.open("figcaption");
            boolean[] front = Figures.frontOf(exps, x, Metric.ENERGY_PER_OUTPUT_TOKEN_J);
            List<String> on = new ArrayList<>();
            for (int i = 0; i < exps.size(); i++) {
                if (front[i]) {
                    on.add(exps.get(i).label());
                }
            }
            h.text("On the front: " + (on.isEmpty() ? "none" : String.join(", ", on)) + ".");
            if (!missing.isEmpty()) {
                h.text(" Not on the figure: " + String.join("; ", missing) + ".");
            }
            h.close("figcaption").close("figure").nl();
        }
    }

    private void slo(Html h) {
        List<Metric> offered = SLO_METRICS.stream().filter(m -> exps.stream()
                .anyMatch(v -> v.result().summary().find(m).isPresent())).toList();
        h.el("h3", "Lowest energy under a latency deadline (SLO)");
        if (offered.isEmpty() || exps.stream().noneMatch(v -> v.result().summary()
                .find(Metric.ENERGY_PER_OUTPUT_TOKEN_J).isPresent())) {
            h.el("p", "Needs a latency metric and energy per output token in at least one experiment.", "class",
                    "missing");
            return;
        }
        Metric m = offered.get(0);
        h.open("div", "class", "slo", "id", "slo");
        h.open("p", "class", "js-only controls");
        h.open("label", "for", "slo-metric").text("Deadline on ").close("label").open("select", "id", "slo-metric");
        for (Metric x : offered) {
            h.open("option", "value", x.key(), "selected", x == m ? "selected" : null).text(MetricInfo.name(x))
                    .close("option");
        }
        h.close("select").text(" ≤ ").open("input", "type", "range", "id", "slo-deadline", "min", "0", "max", "1000",
                "value", "1000", "aria-label", "deadline").el("output", "", "id", "slo-value", "for", "slo-deadline");
        h.open("label").open("input", "type", "checkbox", "id", "slo-strict")
                .text(" only configurations whose interval's upper end meets it").close("label");
        h.close("p");
        h.el("p", "", "id", "slo-result", "class", "slo-result", "aria-live", "polite");
        // the same answer without the script: every deadline at which the pick changes
        double[] lat = exps.stream().mapToDouble(v -> v.result().summary().find(m).map(Estimate::mean)
                .orElse(Double.NaN)).toArray();
        double[] cost = exps.stream().mapToDouble(v -> v.result().summary().find(Metric.ENERGY_PER_OUTPUT_TOKEN_J)
                .map(Estimate::mean).orElse(Double.NaN)).toArray();
        List<Pareto.Step> steps = Pareto.sloSteps(lat, cost);
        h.el("p", "Which configuration has the lowest mean energy per output token among those whose mean "
                + MetricInfo.name(m) + " meets the deadline (the ML.ENERGY leaderboard's question):");
        h.open("table", "class", "slo-table", "data-metric", m.key()).open("thead").open("tr")
                .el("th", "deadline on " + MetricInfo.name(m) + " (" + m.unit() + ")").el("th", "lowest energy")
                .el("th", "energy per output token (J/token)").close("tr").close("thead").open("tbody");
        if (!steps.isEmpty()) {
            h.open("tr").el("td", "< " + Fmt.sig(steps.get(0).deadline())).el("td", "none meets it").el("td", "")
                    .close("tr");
        }
        for (int i = 0; i < steps.size(); i++) {
            Pareto.Step s = steps.get(i);
            ExperimentView v = exps.get(s.index());
            String range = "≥ " + Fmt.sig(s.deadline()) + (i + 1 < steps.size() ? " and < "
                    + Fmt.sig(steps.get(i + 1).deadline()) : "");
            h.open("tr", "data-exp", v.id()).el("td", range).open("td").el("a", v.label(), "href", "#" + v.anchor())
                    .close("td").el("td", v.result().summary().find(Metric.ENERGY_PER_OUTPUT_TOKEN_J)
                            .map(Figures::describe).orElse("")).close("tr");
        }
        h.close("tbody").close("table").close("div").nl();
    }

    private void overlayCdfs(Html h) {
        h.el("h3", "Latency distributions");
        List<ExperimentView> withRaw = exps.stream().filter(v -> v.raw().isPresent()).toList();
        if (withRaw.isEmpty()) {
            h.el("p", "Not shown: the raw request timelines were not read ("
                    + exps.get(0).rawMissing() + ").", "class", "missing");
            return;
        }
        if (withRaw.size() > MAX_OVERLAY) {
            h.el("p", "Not overlaid: " + withRaw.size() + " experiments are too many for one figure (at most "
                    + MAX_OVERLAY + "); each experiment's section has its own.", "class", "missing");
            return;
        }
        h.open("div", "class", "grid");
        LATENCIES.forEach((k, t) -> {
            XyChart c = Figures.cdf(withRaw, k, t, Theme.REPORT, SMALL, 300);
            h.open("figure", "class", "cdf", "data-latency", k);
            h.raw(c.hasData() ? c.svg("chart") : "").open("figcaption");
            if (!c.hasData()) {
                h.text("No samples. ");
            }
            h.text(definition(exps.get(0).result(), k)).close("figcaption").close("figure");
        });
        h.close("div").nl();
    }

    private void environments(Html h) {
        h.el("h3", "Environment of each run");
        h.open("div", "class", "table-wrap").open("table", "class", "env").open("thead").open("tr")
                .el("th", "experiment").el("th", "host").el("th", "CPU").el("th", "accelerators and drivers")
                .el("th", "OS").el("th", "Java").el("th", "LEM").close("tr").close("thead").open("tbody");
        for (ExperimentView v : exps) {
            EnvironmentInfo e = v.result().environment();
            h.open("tr").open("td").el("a", v.label(), "href", "#" + v.anchor()).close("td");
            if (e == null) {
                h.el("td", "not recorded", "colspan", "6").close("tr");
                continue;
            }
            h.el("td", e.host()).el("td", cpu(e)).el("td", contributions(e)).el("td", e.os().name() + " "
                    + e.os().version() + " (" + e.os().arch() + ")").el("td", e.jvm().vendor() + " "
                    + e.jvm().version()).el("td", e.lemVersion()).close("tr");
        }
        h.close("tbody").close("table").close("div").nl();
    }

    private static String cpu(EnvironmentInfo e) {
        return e.cpu().model().orElse("unknown CPU") + ", " + e.cpu().logicalCores() + " logical cores"
                + e.cpu().governor().map(g -> ", governor " + g).orElse("")
                + (e.cpu().hypervisor() ? ", virtual machine" : "")
                + e.memoryBytes().map(b -> ", " + Fmt.sig(b / 1e9, 3) + " GB RAM").orElse("");
    }

    private static String contributions(EnvironmentInfo e) {
        if (e.contributions().isEmpty()) {
            return "none reported";
        }
        List<String> parts = new ArrayList<>();
        int[] long_ = {0};
        new TreeMap<>(e.contributions()).forEach((plugin, facts) -> new TreeMap<>(facts).forEach((k, val) -> {
            // the short facts (GPU name, driver, CUDA, power limit); long explanations stay in the results
            if (val.length() <= 60) {
                parts.add(plugin + "." + k + "=" + val);
            } else {
                long_[0]++;
            }
        }));
        return (parts.isEmpty() ? "" : String.join("; ", parts)) + (long_[0] == 0 ? ""
                : (parts.isEmpty() ? "" : "; ") + long_[0] + " longer fact" + (long_[0] == 1 ? "" : "s")
                        + " in the result's environment");
    }

    private static String definition(ExperimentResult r, String latency) {
        String d = r.metricDefinitions().get(latency);
        if (d == null) {
            d = dev.lem.metrics.MetricDefinitions.all().getOrDefault(latency, "");
        }
        return "Definition: " + d + ".";
    }

    // ------------------------------------------------------------------------------------------- one experiment

    private void experiment(Html h, ExperimentView v) {
        ExperimentResult r = v.result();
        var c = r.config();
        h.open("section", "id", v.anchor(), "class", "experiment" + (r.isComplete() ? "" : " incomplete"),
                "data-exp", r.id(), "data-status", statusWord(r));
        h.open("h2").el("span", "", "class", "swatch swatch-" + (exps.indexOf(v) % Rgb.PALETTE.size())).text(v.label())
                .text(" ");
        badge(h, r);
        h.close("h2");
        h.open("p", "class", "meta").text("id " + r.id() + " · aggregated " + r.createdAt() + " · " + c.model() + " on "
                + c.backend() + " (" + c.device() + ", " + c.precision() + ")"
                + r.model().filter(m -> m.syntheticWeights()).map(m -> ", synthetic weights").orElse("")
                + " · " + c.prompts().limit() + " prompts, max " + c.maxOutputTokens() + " output tokens, batch "
                + c.batching().batchSize() + " · " + r.summary().cycles() + " cycle"
                + (r.summary().cycles() == 1 ? "" : "s") + " in the summary"
                + (r.cycles().size() != r.summary().cycles() ? " (" + r.cycles().size() + " recorded)" : "")
                + (r.summary().stopReason().isEmpty() ? "" : " (" + r.summary().stopReason() + ")")).close("p");
        r.processes().stream().findFirst().flatMap(RunSetup::warmup).ifPresent(w -> h.el("p", w.toString(),
                "class", "meta"));
        if (!r.isComplete()) {
            h.el("p", "Not complete — " + statusWord(r) + ": " + r.statusReason()
                    + ". The figures below are over the cycles that completed.", "class", "status alert");
        }
        List<String> own = warningsOf(r);
        if (exps.size() > 1 && !own.isEmpty()) {
            h.open("ul", "class", "warning-list");
            for (String w : own) {
                String cat = category(w);
                h.open("li", "data-category", cat).el("span", cat, "class", "tag tag-" + cat.replace(' ', '-'))
                        .text(" " + w).close("li");
            }
            h.close("ul");
        }
        summaryTable(h, r);
        timeline(h, v);
        latencies(h, v);
        perCycle(h, v);
        cycleTable(h, v);
        v.raw().ifPresent(raw -> {
            if (!raw.notes().isEmpty()) {
                h.el("h3", "Notes on the raw data");
                h.open("ul", "class", "notes");
                raw.notes().forEach(n -> h.el("li", n));
                h.close("ul");
            }
        });
        if (exps.size() == 1) {
            environments(h);
        }
        h.close("section").nl();
    }

    private void summaryTable(Html h, ExperimentResult r) {
        h.el("h3", "Summary");
        h.open("div", "class", "table-wrap").open("table", "class", "summary").open("thead").open("tr")
                .el("th", "metric").el("th", "mean").el("th", level() + " interval").el("th", "interval method")
                .el("th", "unit").el("th", "obtained by").el("th", "n").el("th", "CV").el("th", "outlier cycles")
                .close("tr").close("thead").open("tbody");
        for (Map.Entry<Metric, Estimate> e : r.summary().metrics().entrySet()) {
            Metric m = e.getKey();
            Estimate est = e.getValue();
            h.open("tr", "data-metric", m.key()).open("td", "title", m.description()).text(MetricInfo.name(m))
                    .el("div", m.key(), "class", "key").close("td");
            h.el("td", Fmt.sig(est.mean()), "class", "num", "data-value", Double.toString(est.mean()));
            h.el("td", est.interval().map(i -> "[" + Fmt.sig(i.low()) + ", " + Fmt.sig(i.high()) + "]")
                    .orElse("none: " + est.note()), "class", "num");
            h.el("td", est.method());
            h.el("td", est.unit());
            h.el("td", est.basis().isEmpty() ? "not recorded" : est.basis(), "class", "basis");
            h.el("td", Integer.toString(est.n()), "class", "num");
            h.el("td", est.cv().map(Fmt::pct).orElse(""), "class", "num");
            // outliers are positions among the cycles in the summary: name them by their cycle numbers
            List<CycleResult> inSummary = dev.lem.result.SummaryCalculator.usable(r.completeCycles());
            h.el("td", est.outlierCycles().isEmpty() ? "" : String.join(", ", est.outlierCycles().stream()
                    .map(i -> i < inSummary.size() ? Integer.toString(inSummary.get(i).cycle() + 1) : "?").toList()));
            h.close("tr");
        }
        h.close("tbody").close("table").close("div");
        if (!r.qualityScores().isEmpty()) {
            h.el("h4", "Quality scores provided by the user");
            h.open("ul", "class", "quality-scores");
            r.qualityScores().forEach(q -> h.open("li", "data-score", q.name()).el("span", "quality." + q.name(),
                    "class", "key").text(" = " + Fmt.sig(q.value()) + " (" + q.basis() + ")").close("li"));
            h.close("ul");
        }
        if (!r.summary().unavailable().isEmpty()) {
            h.el("h4", "Not available");
            h.open("ul", "class", "unavailable");
            r.summary().unavailable().forEach((m, why) -> h.open("li", "data-metric", m.key())
                    .el("span", m.key(), "class", "key").text(": " + why).close("li"));
            h.close("ul");
        }
        if (!r.summary().excludedCycles().isEmpty()) {
            h.open("ul", "class", "excluded");
            r.summary().excludedCycles().forEach((c, why) -> h.el("li", "cycle " + (c + 1) + " left out of every "
                    + "figure: " + why, "class", "alert"));
            h.close("ul");
        }
    }

    private void timeline(Html h, ExperimentView v) {
        h.el("h3", "Power and telemetry over time");
        if (v.raw().isEmpty()) {
            h.el("p", "Not shown: " + v.rawMissing() + ".", "class", "missing");
            return;
        }
        RawData.Timeline t = v.raw().get().timeline();
        if (t.isEmpty()) {
            h.el("p", "Not shown: no phase or time series was recorded.", "class", "missing");
            return;
        }
        double[] span = Figures.span(t);
        h.open("div", "class", "timeline");
        XyChart p = Figures.power(v, t, Theme.REPORT, WIDE, 320, span);
        List<XyChart> panels = new ArrayList<>();
        List<String> units = new ArrayList<>(new java.util.TreeSet<>(t.telemetry().keySet()));
        for (String u : units) {
            panels.add(Figures.telemetry(u, t.telemetry().get(u), Theme.REPORT, WIDE, 220, span, t.phases()));
        }
        XyChart throttle = t.throttle().isEmpty() ? null : Figures.throttle(t.throttle(), Theme.REPORT, WIDE, span);
        // one time axis: every panel's plot area starts where the widest one's does
        List<XyChart> all = new ArrayList<>(List.of(p));
        all.addAll(panels);
        if (throttle != null) {
            all.add(throttle);
        }
        double left = all.stream().mapToDouble(c -> c.layout().left()).max().orElse(0);
        all.forEach(c -> c.minLeft(left));
        h.open("figure", "class", "power").raw(p.svg("chart")).open("figcaption")
                .text("Power per energy domain (W), sampled during the cycles"
                        + (t.rawSamples() > 0 ? " (" + t.rawSamples() + " samples, " + t.shownPoints()
                                + " points drawn: each stretch keeps its minimum and maximum)" : "")
                        + ". Shaded: the phases of the run — grey idle baseline and unload, blue model load, yellow "
                        + "warm-up, green the cycles, red a cycle left out. Dashed levels: mean power of a phase "
                        + "without samples (energy ÷ duration). Each domain's legend says how it was obtained.");
        if (t.power().isEmpty()) {
            h.text(" No power time series was recorded.");
        }
        h.close("figcaption").close("figure");
        for (int i = 0; i < units.size(); i++) {
            h.open("figure", "class", "telemetry", "data-unit", units.get(i)).raw(panels.get(i).svg("chart"))
                    .close("figure");
        }
        if (throttle != null) {
            h.open("figure", "class", "throttle").raw(throttle.svg("chart")).open("figcaption")
                    .text("Stretches with a clock-event (throttle) reason active: thermal, power cap, hardware "
                            + "slowdown.").close("figcaption").close("figure");
        } else if (t.throttleRecorded()) {
            h.el("p", "No throttling was reported during the cycles (the clock-event reasons stayed clear).",
                    "class", "ok");
        } else {
            h.el("p", "Throttling unknown: no telemetry source recorded clock-event (throttle) reasons (GPU "
                    + "telemetry needs NVML).", "class", "missing");
        }
        h.close("div");
        List<RawData.PhaseSplit> split = v.raw().get().phaseSplit();
        if (!split.isEmpty()) {
            h.el("h4", "Backend phases per cycle");
            h.el("p", "Totals per cycle as the backend reports them (when each phase ran is not recorded, so they are "
                    + "not drawn on the time axis).");
            h.open("table", "class", "phases").open("thead").open("tr").el("th", "cycle").el("th", "rank")
                    .el("th", "phase").el("th", "time (s)").el("th", "energy (J)").close("tr").close("thead")
                    .open("tbody");
            for (RawData.PhaseSplit s : split) {
                h.open("tr").el("td", Integer.toString(s.cycle() + 1)).el("td", Integer.toString(s.rank()))
                        .el("td", s.phase()).el("td", Double.isNaN(s.seconds()) ? "" : Fmt.sig(s.seconds()), "class", "num")
                        .el("td", Double.isNaN(s.joules()) ? "not metered" : Fmt.sig(s.joules()), "class", "num")
                        .close("tr");
            }
            h.close("tbody").close("table");
        }
    }

    private void latencies(Html h, ExperimentView v) {
        h.el("h3", "Latency distributions");
        if (v.raw().isEmpty()) {
            h.el("p", "Not shown: " + v.rawMissing() + ".", "class", "missing");
            return;
        }
        h.open("div", "class", "grid");
        LATENCIES.forEach((k, t) -> {
            XyChart c = Figures.cdf(List.of(v), k, t, Theme.REPORT, SMALL, 280);
            RawData.Cdf d = v.raw().get().latencies().get(k);
            h.open("figure", "class", "cdf", "data-latency", k, "data-n", d == null ? "0" : Integer.toString(d.n()));
            if (c.hasData()) {
                h.raw(c.svg("chart"));
            } else {
                h.el("p", t + ": no samples (no request produced " + (k.equals("ttft") || k.equals("e2e")
                        ? "a token" : "two tokens") + ").", "class", "missing");
            }
            h.open("figcaption").text((d == null ? "" : d.n() + " samples over the cycles in the summary. ")
                    + definition(v.result(), k)).close("figcaption").close("figure");
        });
        h.close("div").nl();
    }

    private void perCycle(Html h, ExperimentView v) {
        ExperimentResult r = v.result();
        h.el("h3", "Per cycle");
        h.el("p", "Each cycle's value; the band is the " + level() + " interval across cycles and the dashed line "
                + "the mean (for ratio metrics, the ratio of sums). Red diamonds: cycles flagged as outliers "
                + "(kept in every figure). Drift shows as a trend from left to right.");
        h.open("div", "class", "grid");
        for (Metric m : PER_CYCLE) {
            if (r.summary().find(m).isEmpty()) {
                continue;
            }
            XyChart c = Figures.cycles(v, m, Theme.REPORT, SMALL, 240);
            h.open("figure", "class", "per-cycle", "data-metric", m.key()).raw(c.svg("chart")).open("figcaption")
                    .text(Figures.describe(r.summary().get(m))).close("figcaption").close("figure");
        }
        h.close("div").nl();
    }

    private void cycleTable(Html h, ExperimentView v) {
        ExperimentResult r = v.result();
        if (r.cycles().isEmpty()) {
            h.el("p", "No cycle was recorded.", "class", "missing");
            return;
        }
        h.open("div", "class", "table-wrap").open("table", "class", "cycles").open("thead").open("tr")
                .el("th", "cycle").el("th", "requests").el("th", "ok").el("th", "failed").el("th", "output tokens")
                .el("th", "duration (s)").el("th", "energy (J)").el("th", "obtained by").el("th", "note")
                .close("tr").close("thead").open("tbody");
        int world = r.worldSize();
        for (CycleResult c : r.cycles()) {
            String note = r.summary().excludedCycles().containsKey(c.cycle()) ? "left out: no request succeeded"
                    : c.processes().size() != world ? "left out: only ranks " + c.processes() + " of " + world
                    : c.metrics().failed() > 0 ? String.join("; ", c.commonestFailures(2)) : "";
            h.open("tr", "class", note.startsWith("left out") ? "excluded" : null)
                    .el("td", Integer.toString(c.cycle() + 1)).el("td", Integer.toString(c.metrics().requests()))
                    .el("td", Integer.toString(c.metrics().completed()))
                    .el("td", c.metrics().failed() + (c.metrics().failed() > 0 ? " (" + Fmt.pct(c.failureRate()) + ")"
                            : ""), "class", c.metrics().failed() > 0 ? "alert" : null)
                    .el("td", Long.toString(c.metrics().outputTokens()), "class", "num")
                    .el("td", Fmt.sig(c.metrics().durationS()), "class", "num")
                    .el("td", c.energy().map(e -> Fmt.sig(e.totalJoules())).orElse("not metered"), "class", "num")
                    .el("td", c.energy().map(e -> e.basis()).orElse(""), "class", "basis")
                    .el("td", note).close("tr");
        }
        h.close("tbody").close("table").close("div").nl();
    }

    // ------------------------------------------------------------------------------------------- methods, data

    private void methods(Html h) {
        h.open("section", "id", "methods").el("h2", "Methods and definitions");
        h.open("dl", "class", "methods");
        h.el("dt", "measured").el("dd", "read from a hardware energy counter (NVML's total-energy counter, RAPL).");
        h.el("dt", "integrated").el("dd", "power samples integrated over time, where no counter exists.");
        h.el("dt", "estimated").el("dd", "modelled (TDP × utilisation, watts per GB of RAM): not a reading.");
        h.el("dt", "attributed").el("dd", "a share of a measured figure given by a documented rule (a MIG slice).");
        h.el("dt", "counted").el("dd", "FLOPs counted from the operations the backend ran.");
        h.el("dt", "intervals").el("dd", "across cycles: t on the log scale for positive figures (t_log, t_delta_log "
                + "for ratios of sums), t / t_delta for signed ones, bootstrap percentile or BCa where configured; "
                + "'none' means one cycle or identical cycles. An unavailable figure is absent with its reason, never "
                + "zero.");
        h.close("dl");
        h.el("h3", "Latency and throughput definitions");
        h.open("dl", "class", "definitions");
        dev.lem.metrics.MetricDefinitions.all().forEach((k, d) -> h.el("dt", k).el("dd", d));
        h.close("dl");
        h.el("h3", "Metrics");
        h.open("dl", "class", "definitions");
        for (Metric m : Metric.values()) {
            h.el("dt", m.key() + " (" + m.unit() + ")").el("dd", m.description());
        }
        h.close("dl");
        h.close("section").nl();
    }

    /** The report's data as JSON, safe inside a script element. */
    String data() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("generator", "LEM " + Lem.version());
        root.put("generated_at", generatedAt.toString());
        root.put("title", title);
        List<Map<String, Object>> list = new ArrayList<>();
        for (ExperimentView v : exps) {
            ExperimentResult r = v.result();
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("id", r.id());
            e.put("label", v.label());
            e.put("anchor", v.anchor());
            e.put("status", statusWord(r));
            e.put("status_reason", r.statusReason());
            e.put("model", r.config().model());
            e.put("backend", r.config().backend());
            e.put("cycles", r.summary().cycles());
            Map<String, Object> metrics = new LinkedHashMap<>();
            r.summary().metrics().forEach((m, est) -> {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("mean", est.mean());
                x.put("low", est.ciLow().orElse(null));
                x.put("high", est.ciHigh().orElse(null));
                x.put("method", est.method());
                x.put("level", est.level());
                x.put("n", est.n());
                x.put("unit", est.unit());
                x.put("basis", est.basis());
                metrics.put(m.key(), x);
            });
            e.put("metrics", metrics);
            Map<String, String> unavailable = new LinkedHashMap<>();
            r.summary().unavailable().forEach((m, why) -> unavailable.put(m.key(), why));
            e.put("unavailable", unavailable);
            e.put("warnings", warningsOf(r));
            list.add(e);
        }
        root.put("experiments", list);
        Map<String, String> names = new LinkedHashMap<>();
        for (Metric m : Metric.values()) {
            names.put(m.key(), MetricInfo.name(m));
        }
        root.put("metric_names", names);
        return scriptSafe(JSON.writeValueAsString(root));
    }

    /** JSON that cannot end its script element or break a JavaScript string: {@code <}, U+2028, U+2029 escaped. */
    static String scriptSafe(String json) {
        return json.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029");
    }
}
