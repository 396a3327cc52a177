/**
 * NVIDIA GPU energy and telemetry through NVML, found by {@link java.util.ServiceLoader}: the
 * {@code nvml} energy meter ({@link dev.lem.nvml.NvmlEnergyMeterProvider}: the GPU's energy counter,
 * power integration where a GPU has none, MIG slices attributed a share of their GPU) and the
 * {@code nvml} telemetry source ({@link dev.lem.nvml.NvmlTelemetrySourceProvider}: power,
 * temperature, clocks, utilisation, memory, throttle reasons, and GPU facts for the environment).
 * Both honour {@code CUDA_VISIBLE_DEVICES}; the NVML library is found through
 * {@code -Djna.library.path} or the system's library path, or named by {@code -Dlem.nvml.library}.
 */
@NullMarked
package dev.lem.nvml;

import org.jspecify.annotations.NullMarked;
