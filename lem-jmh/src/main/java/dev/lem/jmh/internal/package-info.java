/**
 * Implementation of the JMH profiler (not API): option parsing, the operation rate per JMH mode, the figures of
 * one iteration, and the LEM results written for a benchmark.
 */
@NullMarked
package dev.lem.jmh.internal;

import org.jspecify.annotations.NullMarked;
