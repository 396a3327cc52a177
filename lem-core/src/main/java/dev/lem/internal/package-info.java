/**
 * The experiment runner, plug-in discovery, worker processes and the event recorder. Not API.
 */
@NullMarked
package dev.lem.internal;

import org.jspecify.annotations.NullMarked;
