package dev.lem.nvml;

import dev.lem.nvml.internal.NvmlTelemetrySource;
import dev.lem.spi.Availability;
import dev.lem.spi.MeterContext;
import dev.lem.spi.TelemetrySource;
import dev.lem.spi.TelemetrySourceProvider;

/**
 * The {@code nvml} telemetry source: per GPU power, temperature, clocks, utilisation, memory,
 * performance state and throttle reasons at every sampler tick, and the GPU facts (names, UUIDs,
 * driver, CUDA version, power limits, MIG topology, persistence mode) for the result's environment.
 * Found by {@link java.util.ServiceLoader}; construction does no native work.
 */
public final class NvmlTelemetrySourceProvider implements TelemetrySourceProvider {
    private final NvmlProbe probe = new NvmlProbe();

    /**
     * Creates the provider; {@link java.util.ServiceLoader} calls this. NVML is not loaded here: the
     * availability check loads it on first use.
     */
    public NvmlTelemetrySourceProvider() {
        // the same as the implicit constructor; declared so that it can carry this comment
    }

    @Override
    public String name() {
        return "nvml";
    }

    @Override
    public String description() {
        return "NVIDIA GPU power, temperature, clocks, utilisation, memory and throttle reasons through NVML";
    }

    @Override
    public Availability availability() {
        return probe.availability();
    }

    @Override
    public String artifact() {
        return "dev.lem:lem-nvml";
    }

    @Override
    public TelemetrySource open(MeterContext context) {
        return NvmlTelemetrySource.open(context);
    }
}
