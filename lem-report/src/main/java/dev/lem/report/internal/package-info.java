/**
 * How reports are made (not API): the SVG/Java2D drawing shared by the HTML report and paper figures
 * ({@link dev.lem.report.internal.Canvas}, {@link dev.lem.report.internal.XyChart},
 * {@link dev.lem.report.internal.DotChart}), the reading and thinning of raw files
 * ({@link dev.lem.report.internal.RawLoader}), Pareto fronts and SLO picks, and the HTML itself
 * ({@link dev.lem.report.internal.HtmlReport}).
 */
@NullMarked
package dev.lem.report.internal;

import org.jspecify.annotations.NullMarked;
