package dev.lem.report;

import dev.lem.report.internal.ExperimentView;
import dev.lem.report.internal.HtmlReport;
import dev.lem.report.internal.RawData;
import dev.lem.report.internal.RawLoader;
import dev.lem.report.internal.Rgb;
import dev.lem.result.ExperimentResult;
import dev.lem.results.ExperimentIds;
import dev.lem.results.ResultsException;
import dev.lem.results.ResultsRepository;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A self-contained HTML report of one or more experiments: one file with every script, style and figure inline
 * and the data embedded as JSON, that makes no network request of any kind (its Content-Security-Policy forbids
 * them), so it shows the same thing offline and years from now. Immutable; {@code with...} methods return copies.
 *
 * <pre>{@code
 * // from a results folder: the aggregates (re-aggregated when out of date) and the raw files behind them
 * Report.from(new ResultsRepository(Path.of("results")), List.of(idA, idB)).writeHtml(Path.of("report.html"));
 * // from records in hand: everything but the latency CDFs and the time series, which need the raw files
 * String html = Report.of(resultA, resultB).withTitle("Batch size sweep").html();
 * }</pre>
 *
 * <p>What it shows: warnings first (status of partial or failed experiments, throttling, failed requests,
 * estimated energy); for several experiments, each metric per experiment with its interval, the Pareto fronts of
 * energy per output token against TPOT and against throughput, the lowest-energy configuration under a latency
 * deadline, the effects of the varied settings and the environment of each run; per experiment, the summary table
 * (mean, interval, method, unit, how each figure was obtained), power and telemetry over time with the phases
 * shaded, latency CDFs with their definitions, and per-cycle values with the cross-cycle interval. Static content is
 * complete without the page's script (which adds a metric picker and an SLO slider), so printing to PDF works.
 *
 * <p>A campaign's report is the report of the campaign's experiments: pass their ids to {@link #from}.
 */
public final class Report {
    private static final String NO_RAW = "only the aggregated records were given (Report.of); the raw request "
            + "timelines and time series are read by Report.from(repository, ids) or withRawFrom(repository)";

    private final List<ExperimentResult> results;
    private final @Nullable ResultsRepository raw;
    private final String title;
    private final @Nullable Instant generatedAt;
    private final boolean effects;

    private Report(List<ExperimentResult> results, @Nullable ResultsRepository raw, String title,
            @Nullable Instant generatedAt, boolean effects) {
        this.results = List.copyOf(results);
        this.raw = raw;
        this.title = title;
        this.generatedAt = generatedAt;
        this.effects = effects;
    }

    /**
     * A report of results in hand (no raw files: no latency CDFs, no time series; each says so).
     *
     * @throws ReportException when no result is given
     * @param results the experiments, in this order
     * @return the report
     */
    public static Report of(ExperimentResult... results) {
        return of(List.of(results));
    }

    /**
     * A report of results in hand, in this order (no raw files: no latency CDFs, no time series; each says so).
     *
     * @throws ReportException when the list is empty
     * @param results the experiments, in this order
     * @return the report
     */
    public static Report of(List<ExperimentResult> results) {
        if (results.isEmpty()) {
            throw new ReportException("A report needs at least one experiment (`lem results list` shows them)");
        }
        return new Report(results, null, defaultTitle(results), null, true);
    }

    /**
     * A report of experiments in a results folder, in the order given (an id given twice appears once): each
     * experiment's current aggregate (re-aggregated when out of date, as {@code lem results show} does) and its raw
     * files (request timelines, time series).
     *
     * @throws ReportException   when no id is given
     * @throws ResultsException  naming the id or file that cannot be read, and what to do
     * @param repository the results folder
     * @param ids experiment ids
     * @return the report
     */
    public static Report from(ResultsRepository repository, List<String> ids) {
        Objects.requireNonNull(repository, "repository");
        if (ids.isEmpty()) {
            throw new ReportException("A report needs at least one experiment id (`lem results list` shows them)");
        }
        List<ExperimentResult> rs = new ArrayList<>();
        for (String id : new LinkedHashSet<>(ids)) {
            rs.add(repository.current(ExperimentIds.require(id)));
        }
        return new Report(rs, repository, defaultTitle(rs), null, true);
    }

    private static String defaultTitle(List<ExperimentResult> rs) {
        if (rs.size() == 1) {
            ExperimentResult r = rs.get(0);
            return "LEM report: " + r.config().name().orElse(r.id()) + " (" + r.config().model() + ")";
        }
        return "LEM report: " + rs.size() + " experiments";
    }

    /**
     * A copy that reads the raw files (latency samples, time series) of its experiments from {@code repository}.
     *
     * @param repository the results folder
     * @return a copy that reads the raw files (latency samples, time series) of its experiments from {@code repository}
     */
    public Report withRawFrom(ResultsRepository repository) {
        return new Report(results, Objects.requireNonNull(repository, "repository"), title, generatedAt, effects);
    }

    /**
     * A copy with another title (the page's title and heading).
     *
     * @param newTitle the title
     * @return a copy with another title (the page's title and heading)
     */
    public Report withTitle(String newTitle) {
        return new Report(results, raw, Objects.requireNonNull(newTitle, "title"), generatedAt, effects);
    }

    /**
     * A copy that prints this time as its generation time (for reproducible files); by default, now.
     *
     * @param at the time to print
     * @return a copy that prints this time as its generation time (for reproducible files); by default, now
     */
    public Report withGeneratedAt(Instant at) {
        return new Report(results, raw, title, Objects.requireNonNull(at, "at"), effects);
    }

    /**
     * A copy with or without the "what drives energy" section (on by default; shown when settings vary).
     *
     * @param show whether to show it
     * @return a copy with or without the "what drives energy" section (on by default; shown when settings vary)
     */
    public Report withEffects(boolean show) {
        return new Report(results, raw, title, generatedAt, show);
    }

    /**
     * The experiments, in report order.
     *
     * @return the experiments, in report order
     */
    public List<ExperimentResult> experiments() {
        return results;
    }

    /**
     * The report's title.
     *
     * @return the report's title
     */
    public String title() {
        return title;
    }

    /**
     * The HTML document. Raw files are read now; one that cannot be read is left out with a note in the report.
     *
     * @return the HTML document
     */
    public String html() {
        List<ExperimentView> views = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        results.forEach(r -> r.config().name().ifPresent(n -> names.merge(n, 1, Integer::sum)));
        for (int i = 0; i < results.size(); i++) {
            ExperimentResult r = results.get(i);
            String label = r.config().name().filter(n -> names.get(n) == 1).orElse(r.config().name()
                    .map(n -> n + " (" + r.id() + ")").orElse(r.id()));
            Optional<RawData> rawData = Optional.empty();
            String missing = NO_RAW;
            if (raw != null) {
                try {
                    rawData = Optional.of(RawLoader.load(raw, r));
                    missing = "";
                } catch (ResultsException e) {
                    missing = "the raw files could not be read: " + e.getMessage();
                }
            }
            views.add(new ExperimentView(r, label, Rgb.series(i), rawData, missing));
        }
        List<HtmlReport.EffectsSection> sections = effects && results.size() > 1
                ? Effects.sections(results) : List.of();
        return new HtmlReport(views, title, generatedAt != null ? generatedAt : Instant.now(), sections).render();
    }

    /**
     * Writes the HTML document to {@code file} atomically (a temporary file renamed over it), creating its folder.
     *
     * @return the file written
     * @throws ResultsException naming the file when it cannot be written
     * @param file the file to write
     */
    public Path writeHtml(Path file) {
        ResultsRepository.writeAtomically(file, html());
        return file;
    }

    @Override
    public String toString() {
        return "Report \"" + title + "\" of " + results.size() + " experiment" + (results.size() == 1 ? "" : "s")
                + (raw == null ? " (records only)" : " (with raw files from " + raw.root() + ")");
    }
}
