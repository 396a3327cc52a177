/**
 * The TensorRT-LLM backend {@code trtllm}: {@code trtllm-serve}'s OpenAI-compatible API (with continuous usage
 * statistics) and its JSON {@code /metrics} iteration statistics read by a single poller, Triton Inference
 * Server's {@code generate_stream} and {@code generate} endpoints with the TensorRT-LLM fields and
 * {@code return_perf_metrics} server timestamps ({@code server.api: triton}), and an optional managed
 * {@code trtllm-serve} process.
 */
@NullMarked
package dev.lem.backend.trtllm;

import org.jspecify.annotations.NullMarked;
