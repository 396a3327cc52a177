/**
 * Energy measurement: named measurement windows over the meters ({@link dev.lem.energy.EnergyMonitor}), uniform labelled readings (measured, integrated, estimated, attributed), idle baseline, time series, throttle flags, and carbon intensity.
 */
@NullMarked
package dev.lem.energy;

import org.jspecify.annotations.NullMarked;
