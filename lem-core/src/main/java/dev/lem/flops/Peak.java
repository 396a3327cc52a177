package dev.lem.flops;

import java.util.Objects;

/**
 * The peak of one device for one data type, as used for MFU and MBU.
 *
 * @param device           the device it applies to (table name, or {@code "configured"})
 * @param dtype            the data type the compute peak is for: {@code fp32}, {@code tf32}, {@code fp16},
 *                         {@code bf16} or {@code fp8}
 * @param peakTflops       dense peak compute, TFLOP/s (10¹² FLOP/s; no structured sparsity)
 * @param peakBandwidthGbS peak memory bandwidth, GB/s (10⁹ bytes/s)
 * @param source           where the figures come from (datasheet, or the config keys)
 */
public record Peak(String device, String dtype, double peakTflops, double peakBandwidthGbS, String source) {
    /**
     * Checks that the text components are set and the peaks positive.
     *
     * @param device the device it applies to
     * @param dtype the data type the compute peak is for
     * @param peakTflops dense peak compute, TFLOP/s
     * @param peakBandwidthGbS peak memory bandwidth, GB/s
     * @param source where the figures come from
     * @throws IllegalArgumentException when a peak is not positive
     */
    public Peak {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(source, "source");
        if (!(peakTflops > 0) || !(peakBandwidthGbS > 0)) {
            throw new IllegalArgumentException("peaks must be > 0: " + peakTflops + " TFLOP/s, "
                    + peakBandwidthGbS + " GB/s");
        }
    }

    /** {@return peak compute, FLOP/s} */
    public double peakFlopsPerSecond() {
        return peakTflops * 1e12;
    }

    /** {@return peak bandwidth, bytes/s} */
    public double peakBytesPerSecond() {
        return peakBandwidthGbS * 1e9;
    }
}
