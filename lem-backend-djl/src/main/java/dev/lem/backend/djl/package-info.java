/**
 * The {@code djl} backend: LLM inference inside this JVM on DJL's PyTorch engine, offline. It runs
 * Llama-family (Llama 2/3 with llama3 RoPE scaling, TinyLlama, SmolLM, Mistral, Qwen2) and GPT-2
 * decoders from Hugging Face safetensors (local folders or the local Hugging Face cache), and
 * {@code synthetic:<preset>} models that have the exact shapes of published models with seeded
 * random weights. Batches are left-padded and decoded with a preallocated KV cache; every token is
 * reported with a {@link System#nanoTime()} stamp, prefill and decode are reported as phases, and
 * the FLOPs of the matrix products executed are counted. See {@code docs/djl.md}.
 */
@NullMarked
package dev.lem.backend.djl;

import org.jspecify.annotations.NullMarked;
