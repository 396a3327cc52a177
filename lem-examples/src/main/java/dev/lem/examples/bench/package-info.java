/**
 * JMH benchmarks of LEM's own overhead (run them as docs/performance.md says; numbers are recorded
 * there).
 */
@NullMarked
package dev.lem.examples.bench;

import org.jspecify.annotations.NullMarked;
