/**
 * Statistics across cycles: {@link dev.lem.stats.Estimate} (what every summary metric is), descriptive
 * statistics with percentiles by linear interpolation (numpy default / R type 7) and MAD outlier flags,
 * Student t, bootstrap percentile and BCa intervals for means and for ratio-of-sums metrics (resampling
 * whole cycles), A-vs-B {@link dev.lem.stats.Comparison}s, the {@code auto} method chosen by the coverage
 * study in docs/statistics.md, and warm-up convergence. Bootstrap resampling is seeded, so the same data
 * and seed give the same interval.
 */
@NullMarked
package dev.lem.stats;

import org.jspecify.annotations.NullMarked;
