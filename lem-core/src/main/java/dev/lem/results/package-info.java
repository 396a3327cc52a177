/**
 * The results directory: atomic writes, schema version, raw per-process results, late aggregation, listing and export.
 */
@NullMarked
package dev.lem.results;

import org.jspecify.annotations.NullMarked;
