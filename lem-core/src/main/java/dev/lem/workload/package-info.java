/**
 * Workloads: prompt sources (built-in set, text/JSONL files, ShareGPT), batching strategies (static, sorted, dynamic) and request traffic.
 */
@NullMarked
package dev.lem.workload;

import org.jspecify.annotations.NullMarked;
