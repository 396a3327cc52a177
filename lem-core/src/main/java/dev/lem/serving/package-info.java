/**
 * The OpenAI-compatible streaming client shared by the served backends: an incremental server-sent-events
 * parser ({@link dev.lem.serving.SseParser}), readers of the OpenAI, vLLM, trtllm-serve and Triton event
 * shapes ({@link dev.lem.serving.StreamChunks}), the asynchronous client with per-chunk
 * {@code System.nanoTime()} stamps, timeouts and bounded retries ({@link dev.lem.serving.ServingClient}),
 * the generic backend {@code openai} that the vLLM and TensorRT-LLM backends extend
 * ({@link dev.lem.serving.OpenAiCompatibleBackend}), managed server processes and a Prometheus text parser.
 */
@NullMarked
package dev.lem.serving;

import org.jspecify.annotations.NullMarked;
