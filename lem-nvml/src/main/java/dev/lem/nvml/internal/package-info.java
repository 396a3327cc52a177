/**
 * Implementation of the NVML plug-ins, not API: the raw JNA binding ({@link dev.lem.nvml.internal.NvmlLibrary}),
 * lazy loading and reference-counted init/shutdown ({@link dev.lem.nvml.internal.Nvml},
 * {@link dev.lem.nvml.internal.NvmlSession}), typed reads with unit conversion and return-code messages
 * ({@link dev.lem.nvml.internal.NvmlDevice}, {@link dev.lem.nvml.internal.NvmlReturn}), GPU selection by
 * {@code CUDA_VISIBLE_DEVICES} with MIG attribution ({@link dev.lem.nvml.internal.GpuSelection}), and the
 * meter and telemetry source built on them.
 */
@NullMarked
package dev.lem.nvml.internal;

import org.jspecify.annotations.NullMarked;
