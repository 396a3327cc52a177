/**
 * In-process inference on DJL's PyTorch engine. Will hold: Llama-family and GPT-2 decoders built from Hugging Face safetensors, synthetic models with real shapes, tokenizers, KV cache, sampling, batching and per-token events.
 */
@NullMarked
package dev.lem.backend.djl;

import org.jspecify.annotations.NullMarked;
