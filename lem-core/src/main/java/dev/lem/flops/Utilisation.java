package dev.lem.flops;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Model FLOPs utilisation (MFU: achieved FLOP/s ÷ peak FLOP/s) and memory-bandwidth utilisation
 * (MBU: achieved bytes/s ÷ peak bytes/s), each with a sentence saying how it was obtained or why it
 * is absent. Peaks are per device; a figure over several devices divides by their sum.
 *
 * <p>Typical use in aggregation:
 * <pre>{@code
 * DevicePeak peak = Utilisation.resolve(config.flops().peakTflops(), config.flops().peakBandwidthGbS(),
 *         gpuName, modelInfo.dtype());
 * Figure mfu = Utilisation.mfu(flops.totalFlops(), durationS, peak, devices);
 * }</pre>
 */
public final class Utilisation {
    private Utilisation() {
    }

    /**
     * The peaks of one device, each with its basis.
     *
     * @param peakTflops       dense peak compute, TFLOP/s, when known
     * @param peakBandwidthGbS peak memory bandwidth, GB/s, when known
     * @param computeBasis     where peakTflops comes from, or why it is absent
     * @param bandwidthBasis   where peakBandwidthGbS comes from, or why it is absent
     */
    public record DevicePeak(Optional<Double> peakTflops, Optional<Double> peakBandwidthGbS, String computeBasis,
            String bandwidthBasis) {
        /**
         * Checks that no component is null.
         *
         * @param peakTflops dense peak compute, TFLOP/s, when known
         * @param peakBandwidthGbS peak memory bandwidth, GB/s, when known
         * @param computeBasis where peakTflops comes from, or why it is absent
         * @param bandwidthBasis where peakBandwidthGbS comes from, or why it is absent
         */
        public DevicePeak {
            Objects.requireNonNull(peakTflops, "peakTflops");
            Objects.requireNonNull(peakBandwidthGbS, "peakBandwidthGbS");
            Objects.requireNonNull(computeBasis, "computeBasis");
            Objects.requireNonNull(bandwidthBasis, "bandwidthBasis");
        }
    }

    /**
     * A utilisation figure.
     *
     * @param fraction achieved ÷ peak (0.42 = 42 %), when computable
     * @param basis    how it was obtained, or why it is absent
     */
    public record Figure(Optional<Double> fraction, String basis) {
        /**
         * Checks that no component is null.
         *
         * @param fraction achieved ÷ peak, when computable
         * @param basis how it was obtained, or why it is absent
         */
        public Figure {
            Objects.requireNonNull(fraction, "fraction");
            Objects.requireNonNull(basis, "basis");
        }
    }

    /**
     * {@link #resolve(Optional, Optional, Optional, String, PeakTable)} with the built-in table.
     *
     * @param configPeakTflops {@code flops.peak_tflops}, TFLOP/s, when set
     * @param configPeakBandwidthGbS {@code flops.peak_bandwidth_gb_s}, GB/s, when set
     * @param deviceName the accelerator's name as its driver reports it; empty on a CPU-only run
     * @param dtype the data type the model computes in
     * @return the device's peaks
     */
    public static DevicePeak resolve(Optional<Double> configPeakTflops, Optional<Double> configPeakBandwidthGbS,
            Optional<String> deviceName, String dtype) {
        return resolve(configPeakTflops, configPeakBandwidthGbS, deviceName, dtype, PeakTable.builtIn());
    }

    /**
     * The device's peaks: the configured {@code flops.peak_tflops} / {@code flops.peak_bandwidth_gb_s}
     * when set, else the table's figures for {@code deviceName} and {@code dtype}.
     *
     * @param configPeakTflops {@code flops.peak_tflops}, TFLOP/s, when set
     * @param configPeakBandwidthGbS {@code flops.peak_bandwidth_gb_s}, GB/s, when set
     * @param deviceName the accelerator's name as its driver reports it; empty on a CPU-only run
     * @param dtype      the data type the model computes in ({@code fp32}, {@code bf16}, ...)
     * @param table the table of known devices' peaks
     * @return the device's peaks
     */
    public static DevicePeak resolve(Optional<Double> configPeakTflops, Optional<Double> configPeakBandwidthGbS,
            Optional<String> deviceName, String dtype, PeakTable table) {
        Optional<Peak> fromTable = deviceName.flatMap(n -> table.lookup(n, dtype));
        Optional<PeakTable.Device> device = deviceName.flatMap(table::device);
        String noDevice = "no accelerator was detected: give the device's peak with flops.peak_tflops";
        String computeWhy = deviceName.map(n -> table.whyAbsent(n, dtype)).orElse(noDevice);
        String bandwidthWhy = deviceName.isEmpty()
                ? "no accelerator was detected: give the memory bandwidth with flops.peak_bandwidth_gb_s"
                : "no bandwidth for device \"" + deviceName.get() + "\" in LEM's table: set flops.peak_bandwidth_gb_s";

        Optional<Double> tflops = configPeakTflops.or(() -> fromTable.map(Peak::peakTflops));
        String computeBasis = configPeakTflops.isPresent() ? "flops.peak_tflops (configured)"
                : fromTable.map(p -> p.device() + ", " + p.dtype() + " dense: " + p.source()).orElse(computeWhy);
        Optional<Double> bandwidth = configPeakBandwidthGbS.or(() -> device.map(PeakTable.Device::peakBandwidthGbS));
        String bandwidthBasis = configPeakBandwidthGbS.isPresent() ? "flops.peak_bandwidth_gb_s (configured)"
                : device.map(d -> d.name() + ": " + d.source()).orElse(bandwidthWhy);
        return new DevicePeak(tflops, bandwidth, computeBasis, bandwidthBasis);
    }

    /**
     * The peaks when the model runs on the CPU: the configured {@code flops.peak_tflops} /
     * {@code flops.peak_bandwidth_gb_s} when set, else the CPU's {@link CpuPeak estimated} compute peak (no bandwidth
     * table exists for CPUs).
     *
     * @param configPeakTflops {@code flops.peak_tflops}, TFLOP/s, when set
     * @param configPeakBandwidthGbS {@code flops.peak_bandwidth_gb_s}, GB/s, when set
     * @param estimate the CPU's estimated peak, or empty with {@code why}
     * @param why      why no estimate exists (unknown cores or clock)
     * @return the CPU's peaks
     */
    public static DevicePeak resolveCpu(Optional<Double> configPeakTflops, Optional<Double> configPeakBandwidthGbS,
            Optional<Peak> estimate, String why) {
        Optional<Double> tflops = configPeakTflops.or(() -> estimate.map(Peak::peakTflops));
        String computeBasis = configPeakTflops.isPresent() ? "flops.peak_tflops (configured)"
                : estimate.map(Peak::source).orElse("the model runs on the CPU and its peak cannot be estimated ("
                        + why + "): set flops.peak_tflops (cores x GHz x FLOPs per cycle / 1000)");
        String bandwidthBasis = configPeakBandwidthGbS.isPresent() ? "flops.peak_bandwidth_gb_s (configured)"
                : "the model runs on the CPU: LEM has no memory-bandwidth table for CPUs; set flops.peak_bandwidth_gb_s";
        return new DevicePeak(tflops, configPeakBandwidthGbS, computeBasis, bandwidthBasis);
    }

    /**
     * MFU: {@code flops / seconds / (peakTflops · 10¹² · devices)}.
     *
     * @param flops   FLOPs done (by the best available estimator)
     * @param seconds wall-clock time they took
     * @param devices devices that shared the work (>= 1)
     * @param peak the device's peaks
     * @return the MFU, or why it is absent
     */
    public static Figure mfu(double flops, double seconds, DevicePeak peak, int devices) {
        return ratio(flops, seconds, peak.peakTflops().map(t -> t * 1e12), peak.computeBasis(), devices, "FLOPs");
    }

    /**
     * MBU: {@code bytes / seconds / (peakBandwidthGbS · 10⁹ · devices)}, with bytes from
     * {@link MemoryTraffic#cycleTraffic}.
     *
     * @param bytes bytes moved
     * @param seconds wall-clock time it took
     * @param peak the device's peaks
     * @param devices devices that shared the work (>= 1)
     * @return the MBU, or why it is absent
     */
    public static Figure mbu(double bytes, double seconds, DevicePeak peak, int devices) {
        return ratio(bytes, seconds, peak.peakBandwidthGbS().map(b -> b * 1e9), peak.bandwidthBasis(), devices,
                "bytes moved");
    }

    private static Figure ratio(double amount, double seconds, Optional<Double> peakPerSecond, String basis,
            int devices, String what) {
        if (peakPerSecond.isEmpty()) {
            return new Figure(Optional.empty(), basis);
        }
        if (!(seconds > 0) || devices < 1 || !(amount >= 0) || Double.isInfinite(amount)) {
            return new Figure(Optional.empty(), String.format(Locale.ROOT,
                    "cannot divide %s (%s) over %s s on %d device(s)", what, amount, seconds, devices));
        }
        double fraction = amount / seconds / (peakPerSecond.get() * devices);
        String note = fraction > 1 ? "; above 1: the estimate exceeds the peak (check the dtype and the estimator)" : "";
        return new Figure(Optional.of(fraction), basis + note);
    }
}
