package dev.lem.config;

import java.util.Optional;

/**
 * Peaks for utilisation figures ({@code flops.*}).
 *
 * @param peakTflops        peak compute in TFLOP/s (default: looked up by device)
 * @param peakBandwidthGbS  peak memory bandwidth in GB/s
 */
public record FlopsConfig(
        @Key(doc = "Peak of the device for MFU (default: table).", min = 0, max = 1e6, unit = "TFLOP/s")
        Optional<Double> peakTflops,
        @Key(doc = "Peak memory bandwidth for MBU (default: table).", min = 0, max = 1e6, unit = "GB/s")
        Optional<Double> peakBandwidthGbS) {
}
