package dev.lem.config;

import java.util.Optional;

/**
 * Peaks for utilisation figures ({@code flops.*}).
 *
 * @param peakTflops        peak compute in TFLOP/s (default: looked up by device)
 * @param peakBandwidthGbS  peak memory bandwidth in GB/s
 */
public record FlopsConfig(Optional<Double> peakTflops, Optional<Double> peakBandwidthGbS) {
}
