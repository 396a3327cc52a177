/**
 * Reports people look at, from experiment results: {@link dev.lem.report.Report} writes one self-contained HTML
 * file (every script, style and figure inline, the data embedded as JSON, no network request of any kind);
 * {@link dev.lem.report.Plots} draws figures for papers as SVG or PNG, with error bars from the intervals;
 * {@link dev.lem.report.ComparisonTable} puts two experiments side by side, metric by metric, with bootstrap
 * intervals and a sentence per metric, and gates regressions; {@link dev.lem.report.Effects} estimates what each
 * varied setting does to a metric.
 *
 * <pre>{@code
 * ResultsRepository repo = new ResultsRepository(Path.of("results"));
 * Report.from(repo, List.of(idA, idB)).writeHtml(Path.of("report.html"));
 * Plots.metric(List.of(a, b), Metric.ENERGY_PER_OUTPUT_TOKEN_J).writeSvg(Path.of("energy.svg"));
 * ComparisonTable.of(a, b).lines().forEach(System.out::println);
 * }</pre>
 *
 * <p>Every figure says how it was obtained (measured, integrated, estimated, attributed, counted) and its unit;
 * intervals are drawn wherever there is one; an unavailable figure is absent with its reason, never zero; a partial
 * or failed experiment is labelled as such.
 */
@NullMarked
package dev.lem.report;

import org.jspecify.annotations.NullMarked;
