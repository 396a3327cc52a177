/**
 * Implementation of the djl backend (not API): the PyTorch engine start, model resolution, the
 * safetensors reader, synthetic weights, Llama-family and GPT-2 decoders built from NDArray
 * operations with a preallocated KV cache, sampling, batched generation with per-token events, and
 * the FLOPs count of the matrix products executed.
 */
@NullMarked
package dev.lem.backend.djl.internal;

import org.jspecify.annotations.NullMarked;
