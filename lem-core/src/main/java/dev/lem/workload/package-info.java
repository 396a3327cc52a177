/**
 * Workloads: prompt sources (built-in set, text/JSONL files, ShareGPT, synthetic token lengths), batching
 * strategies (static, sorted, dynamic) and request traffic for served backends — closed loop at a
 * concurrency, open loop with Poisson, gamma-bursty or constant arrivals scheduled against absolute time
 * ({@link dev.lem.workload.LoadGenerator}), and sweeps over concurrencies or rates.
 */
@NullMarked
package dev.lem.workload;

import org.jspecify.annotations.NullMarked;
