/**
 * LEM's public API: {@link dev.lem.Experiment} and its builder, {@link dev.lem.result.ExperimentResult} and the other result records (package {@code dev.lem.result}), {@link dev.lem.Metric}, and {@link dev.lem.Lem} (version, plug-in discovery).
 */
@NullMarked
package dev.lem;

import org.jspecify.annotations.NullMarked;
