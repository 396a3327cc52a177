/**
 * NVIDIA GPU energy meter and telemetry source through NVML (JNA). Will hold: the GPU energy meter (total-energy counter, measured; power integration where the counter is missing), the telemetry source (power, temperature, clocks, utilisation, throttle reasons), and the environment contribution (GPU names, UUIDs, driver, CUDA, MIG topology).
 */
@NullMarked
package dev.lem.nvml;

import org.jspecify.annotations.NullMarked;
