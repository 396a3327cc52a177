package dev.lem.energy.internal;

import dev.lem.env.EnvironmentCapture;
import dev.lem.spi.EnergyMeter;
import dev.lem.spi.EnergyMeterProvider;
import dev.lem.spi.MeterContext;
import dev.lem.spi.PluginUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The {@code cpu-estimate} meter: CPU energy estimated from the CPU's TDP and measured utilisation
 * ({@link CpuPowerModel}), for machines where no counter measures the CPU. It stands aside when RAPL
 * measures the package (unless {@code energy.meters} excludes {@code rapl}). Labelled estimated.
 */
public final class CpuEstimateProvider implements EnergyMeterProvider {
    private static final Path PROC_STAT = Path.of("/proc/stat");

    public CpuEstimateProvider() {
        // the TDP table is read on first open
    }

    @Override
    public String name() {
        return CpuEstimateMeter.METER;
    }

    @Override
    public Set<String> aliases() {
        return Set.of("cpu-tdp");
    }

    @Override
    public String description() {
        return "CPU energy estimated from TDP (cpu_power.csv) and measured utilisation, when no counter exists";
    }

    @Override
    public EnergyMeter open(MeterContext context) {
        if (RaplMeterProvider.measures(context, "cpu", "psys")) {
            throw new PluginUnavailableException("superseded: RAPL measures the CPU under "
                    + context.energy().raplRoot() + " (to use the estimate anyway, list only "
                    + CpuEstimateMeter.METER + " in energy.meters)");
        }
        CpuPowerModel model = CpuPowerModel.resolve(context.energy().cpu(),
                EnvironmentCapture.cpu(Path.of("/")), Table.INSTANCE);
        CpuTimes.Source source = Files.isReadable(PROC_STAT) && new CpuTimes.ProcStat(PROC_STAT).read().isPresent()
                ? new CpuTimes.ProcStat(PROC_STAT) : new CpuTimes.ThisProcess(System::nanoTime);
        return new CpuEstimateMeter(model, source, System::nanoTime);
    }

    /** The TDP table, read once. */
    private static final class Table {
        static final CpuPowerTable INSTANCE = CpuPowerTable.load();
    }
}
