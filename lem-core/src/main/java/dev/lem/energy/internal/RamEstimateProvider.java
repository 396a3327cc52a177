package dev.lem.energy.internal;

import dev.lem.env.EnvironmentCapture;
import dev.lem.spi.EnergyMeter;
import dev.lem.spi.EnergyMeterProvider;
import dev.lem.spi.MeterContext;
import dev.lem.spi.PluginUnavailableException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code ram-estimate} meter: memory energy estimated as {@code energy.ram.watts_per_gb} × the
 * resident memory of this process tree ({@link RamEstimateMeter}). Stands aside when RAPL measures DRAM
 * (or the whole platform, psys). Labelled estimated.
 */
public final class RamEstimateProvider implements EnergyMeterProvider {
    static final long SAMPLE_GAP_NANOS = 1_000_000_000L;

    public RamEstimateProvider() {
        // nothing to probe
    }

    @Override
    public String name() {
        return RamEstimateMeter.METER;
    }

    @Override
    public Set<String> aliases() {
        return Set.of("ram", "memory-estimate");
    }

    @Override
    public String description() {
        return "memory energy estimated as W per GB x this process tree's resident memory, when RAPL has no DRAM zone";
    }

    @Override
    public EnergyMeter open(MeterContext context) {
        if (RaplMeterProvider.measures(context, "dram", "psys")) {
            throw new PluginUnavailableException("superseded: RAPL measures DRAM under "
                    + context.energy().raplRoot() + " (to use the estimate anyway, list only "
                    + RamEstimateMeter.METER + " in energy.meters)");
        }
        double wattsPerGb = context.energy().ram().wattsPerGb();
        ProcessMemory memory = new ProcessMemory(Path.of("/proc"), System::nanoTime);
        Optional<Long> installed = EnvironmentCapture.memTotal(Path.of("/"));
        Map<String, String> notes = new LinkedHashMap<>();
        notes.put("watts_per_gb", wattsPerGb + " W per GiB (energy.ram.watts_per_gb)");
        notes.put("attribution", memory.description());
        installed.ifPresent(b -> notes.put("machine_equivalent", String.format(java.util.Locale.ROOT,
                "%.1f W for all %.1f GiB installed (not reported: shared with other processes)",
                wattsPerGb * b / RamEstimateMeter.BYTES_PER_GIB, b / RamEstimateMeter.BYTES_PER_GIB)));
        notes.put("method", "estimated: not a reading; DRAM power depends on DIMM count, type and traffic "
                + "(see docs/energy.md)");
        return new RamEstimateMeter(wattsPerGb, memory, SAMPLE_GAP_NANOS, System::nanoTime, notes);
    }
}
