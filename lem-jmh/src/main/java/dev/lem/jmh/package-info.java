/**
 * The JMH profiler of LEM ({@code -prof lem}, {@link dev.lem.jmh.LemProfiler}): energy per operation (J/op) and
 * average power (W) per energy domain as JMH secondary results, each labelled measured, integrated or estimated,
 * measured in the benchmark's own JVM over the measured iterations only.
 */
@NullMarked
package dev.lem.jmh;

import org.jspecify.annotations.NullMarked;
