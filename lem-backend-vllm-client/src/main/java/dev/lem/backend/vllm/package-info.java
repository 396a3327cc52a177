/**
 * vLLM server backend. Will hold: the OpenAI-compatible client plus vLLM's sampling fields, its /metrics, /tokenize and /version endpoints, and an optional managed vllm serve process.
 */
@NullMarked
package dev.lem.backend.vllm;

import org.jspecify.annotations.NullMarked;
