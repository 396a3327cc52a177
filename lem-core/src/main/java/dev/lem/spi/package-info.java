/**
 * Plug-in contracts found by {@link java.util.ServiceLoader}: inference backends, energy meters, telemetry sources and FLOPs estimators. Each plug-in says whether it can run here ({@link dev.lem.spi.Availability}) and its priority.
 */
@NullMarked
package dev.lem.spi;

import org.jspecify.annotations.NullMarked;
