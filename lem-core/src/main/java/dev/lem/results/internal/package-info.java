/**
 * Atomic file writes. Not API.
 */
@NullMarked
package dev.lem.results.internal;

import org.jspecify.annotations.NullMarked;
