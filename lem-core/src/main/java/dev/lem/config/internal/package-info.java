/**
 * Config file reading with size, encoding, alias and nesting limits. Not API.
 */
@NullMarked
package dev.lem.config.internal;

import org.jspecify.annotations.NullMarked;
