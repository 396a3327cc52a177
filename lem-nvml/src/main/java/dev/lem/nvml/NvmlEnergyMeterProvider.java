package dev.lem.nvml;

import dev.lem.nvml.internal.NvmlEnergyMeter;
import dev.lem.spi.Availability;
import dev.lem.spi.EnergyMeter;
import dev.lem.spi.EnergyMeterProvider;
import dev.lem.spi.MeterContext;
import java.util.Set;

/**
 * The {@code nvml} energy meter: NVIDIA GPU energy from NVML's total-energy counter
 * ({@code measured}), from power integrated over time where a GPU has no counter
 * ({@code integrated}), or a MIG slice's share of its GPU ({@code attributed}). Honours
 * {@code CUDA_VISIBLE_DEVICES}. Found by {@link java.util.ServiceLoader}; construction does no native work.
 */
public final class NvmlEnergyMeterProvider implements EnergyMeterProvider {
    private final NvmlProbe probe = new NvmlProbe();

    /**
     * Creates the provider; {@link java.util.ServiceLoader} calls this. NVML is not loaded here: the
     * availability check loads it on first use.
     */
    public NvmlEnergyMeterProvider() {
        // the same as the implicit constructor; declared so that it can carry this comment
    }

    @Override
    public String name() {
        return "nvml";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("gpu", "nvidia");
    }

    @Override
    public String description() {
        return "NVIDIA GPU energy through NVML (energy counter, or power integration where there is none)";
    }

    @Override
    public Availability availability() {
        return probe.availability();
    }

    /** Each GPU NVML sees, how its energy is obtained and whether this process's work uses it, or why none can. */
    @Override
    public java.util.List<String> details() {
        if (!availability().available()) {
            return java.util.List.of();
        }
        return NvmlEnergyMeter.inventory(MeterContext.defaults());
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public String artifact() {
        return "dev.lem:lem-nvml";
    }

    @Override
    public EnergyMeter open(MeterContext context) {
        return NvmlEnergyMeter.open(context, System::nanoTime);
    }
}
