/**
 * The vLLM backend {@code vllm}: LEM's OpenAI-compatible streaming client with vLLM's extra sampling
 * fields ({@code ignore_eos}, {@code min_tokens}, {@code top_k}, {@code min_p}, ...), per-chunk
 * {@code token_ids} and continuous usage statistics for exact token counts, {@code /tokenize} for prompt
 * sizing, {@code /version} and {@code /v1/models} in the environment, {@code /metrics} scraped into the time
 * series, and an optional managed {@code vllm serve} process.
 */
@NullMarked
package dev.lem.backend.vllm;

import org.jspecify.annotations.NullMarked;
