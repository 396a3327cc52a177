/**
 * Statistics across cycles: estimates with confidence intervals, ratio-of-sums metrics, percentiles (linear interpolation, numpy/R type 7), warm-up convergence.
 */
@NullMarked
package dev.lem.stats;

import org.jspecify.annotations.NullMarked;
