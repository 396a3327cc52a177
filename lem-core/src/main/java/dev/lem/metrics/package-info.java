/**
 * Per-request raw timelines and the latency and throughput figures derived from them (TTFT, ITL, TPOT, E2E, throughput, goodput), each with its definition named.
 */
@NullMarked
package dev.lem.metrics;

import org.jspecify.annotations.NullMarked;
