/**
 * TensorRT-LLM backend. Will hold: trtllm-serve (OpenAI API and its iteration-stats metrics) and Triton's generate_stream, and an optional managed trtllm-serve process.
 */
@NullMarked
package dev.lem.backend.trtllm;

import org.jspecify.annotations.NullMarked;
