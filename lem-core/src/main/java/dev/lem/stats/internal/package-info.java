/**
 * Numerical kernels behind {@code dev.lem.stats}, not API: bootstrap and jackknife resampling on
 * primitive arrays with a seeded {@link java.util.SplittableRandom}, and the t, percentile and BCa
 * interval formulas. Everything here is stateless and thread-safe.
 */
@NullMarked
package dev.lem.stats.internal;

import org.jspecify.annotations.NullMarked;
