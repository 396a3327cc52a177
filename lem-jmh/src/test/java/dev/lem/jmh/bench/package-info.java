/** JMH benchmarks run by the profiler's tests. */
@NullMarked
package dev.lem.jmh.bench;

import org.jspecify.annotations.NullMarked;
