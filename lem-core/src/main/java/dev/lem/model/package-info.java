/**
 * Model architectures: read from Hugging Face {@code config.json} files or taken from synthetic presets that copy real models' shapes.
 */
@NullMarked
package dev.lem.model;

import org.jspecify.annotations.NullMarked;
