/**
 * FLOPs and utilisation: the estimate records ({@link dev.lem.flops.FlopsEstimate}) and their input, the
 * three built-in estimators tried in order of confidence (counted by the backend, from the architecture
 * with {@link dev.lem.flops.ArchitectureFlops}, 2 × parameters), memory traffic for MBU
 * ({@link dev.lem.flops.MemoryTraffic}), the GPU peak table ({@link dev.lem.flops.PeakTable}) and MFU/MBU
 * ({@link dev.lem.flops.Utilisation}). Formulas and conventions: docs/flops.md.
 */
@NullMarked
package dev.lem.flops;

import org.jspecify.annotations.NullMarked;
