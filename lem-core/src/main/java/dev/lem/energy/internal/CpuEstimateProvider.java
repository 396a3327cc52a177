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
    private static final Path SYS_CPU = Path.of("/sys/devices/system/cpu");

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
        return "CPU energy estimated from TDP (cpu_power.csv) and the measured activity of the cores (busy cores x "
                + "clock), when no counter exists";
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
        return new CpuEstimateMeter(model, load(), System::nanoTime);
    }

    /**
     * Per-CPU load with the cores and clocks where {@code /proc/stat} and {@code /sys} show them; the machine's
     * utilisation from the first line of {@code /proc/stat} otherwise; this process's CPU time where neither is
     * readable.
     */
    static CpuLoad load() {
        if (Files.isReadable(PROC_STAT)) {
            var times = CpuLoad.PerCpu.times(PROC_STAT);
            if (times.isPresent()) {
                int cpus = times.get()[0].length;
                CpuLoad.PerCpu perCpu = new CpuLoad.PerCpu(PROC_STAT, SYS_CPU, CpuTopology.read(SYS_CPU, cpus),
                        System::nanoTime);
                if (perCpu.readable()) {
                    return perCpu;
                }
            }
            if (new CpuTimes.ProcStat(PROC_STAT).read().isPresent()) {
                return CpuLoad.machine(new CpuTimes.ProcStat(PROC_STAT));
            }
        }
        return CpuLoad.machine(new CpuTimes.ThisProcess(System::nanoTime));
    }

    /** The TDP table, read once. */
    private static final class Table {
        static final CpuPowerTable INSTANCE = CpuPowerTable.load();
    }
}
