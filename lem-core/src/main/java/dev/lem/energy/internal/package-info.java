/**
 * Implementation of LEM's built-in energy meters: the RAPL counter reader for the Linux powercap
 * tree, the CPU and RAM estimates used when no counter exists, the TDP table matcher, the carbon
 * intensity tables and the small file readers they share. Not API: use them through
 * {@link dev.lem.spi.EnergyMeterProvider} and {@link dev.lem.energy.CarbonIntensities}.
 */
@NullMarked
package dev.lem.energy.internal;

import org.jspecify.annotations.NullMarked;
