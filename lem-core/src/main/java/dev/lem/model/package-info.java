/**
 * Model facts: architectures read from Hugging Face {@code config.json} files or taken from synthetic
 * presets that copy real models' shapes, exact parameter counts ({@link dev.lem.model.ParameterCount}),
 * safetensors headers ({@link dev.lem.model.SafetensorsCheckpoint}), and finding a model by folder,
 * Hugging Face id in the local cache, or preset name ({@link dev.lem.model.ModelLocator}).
 */
@NullMarked
package dev.lem.model;

import org.jspecify.annotations.NullMarked;
