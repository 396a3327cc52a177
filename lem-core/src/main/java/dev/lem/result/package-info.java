/**
 * What experiments produce, as immutable records that print readably in jshell:
 * {@link dev.lem.result.ExperimentResult} (aggregated over processes and cycles), its
 * {@link dev.lem.result.Summary} (one {@link dev.lem.stats.Estimate} per {@link dev.lem.Metric}, or the reason
 * it is unavailable), per-cycle {@link dev.lem.result.CycleResult}s, the raw per-process
 * {@link dev.lem.result.ProcessResult} of each cycle and each process's {@link dev.lem.result.RunSetup}. The
 * summary is computed here, once per metric, from one table mapping each metric to how it is read from a
 * cycle ({@link dev.lem.result.SummaryCalculator}).
 */
@NullMarked
package dev.lem.result;

import org.jspecify.annotations.NullMarked;
