package dev.lem.energy.internal;

import dev.lem.energy.EnergyMonitor;
import dev.lem.spi.Availability;
import dev.lem.spi.MeterContext;
import dev.lem.spi.PluginUnavailableException;
import dev.lem.spi.TelemetrySample;
import dev.lem.spi.TelemetrySource;
import dev.lem.spi.TelemetrySourceProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code cpu} telemetry source: the machine's CPU utilisation ({@code cpu.utilization_pct}, busy share of all
 * CPUs since the previous sample, from {@code /proc/stat}). Every time series carries it, and the idle baseline is
 * checked with it: a baseline read while the machine was busy is marked disturbed.
 */
public final class CpuTelemetryProvider implements TelemetrySourceProvider {
    static final Path PROC_STAT = Path.of("/proc/stat");

    public CpuTelemetryProvider() {
        // probed in availability()
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return "machine-wide CPU utilisation from /proc/stat (time series; checks that the idle baseline is idle)";
    }

    @Override
    public Availability availability() {
        return Files.isReadable(PROC_STAT) && new CpuTimes.ProcStat(PROC_STAT).read().isPresent() ? Availability.ok()
                : Availability.unavailable(PROC_STAT + " cannot be read (not Linux): CPU utilisation is not sampled, "
                        + "and the idle baseline is not checked for CPU load");
    }

    @Override
    public TelemetrySource open(MeterContext context) {
        CpuTimes.ProcStat stat = new CpuTimes.ProcStat(PROC_STAT);
        Optional<CpuTimes> first = stat.read();
        if (first.isEmpty()) {
            throw new PluginUnavailableException(PROC_STAT + " cannot be read");
        }
        return new Source(stat, first.get());
    }

    /** Utilisation between consecutive samples. Sampled from the sampler thread only. */
    static final class Source implements TelemetrySource {
        private final CpuTimes.Source stat;
        private CpuTimes previous;

        Source(CpuTimes.Source stat, CpuTimes first) {
            this.stat = stat;
            this.previous = first;
        }

        @Override
        public String name() {
            return "cpu";
        }

        @Override
        public List<String> columns() {
            return List.of(EnergyMonitor.CPU_UTILISATION_COLUMN);
        }

        @Override
        public TelemetrySample sample() {
            Optional<CpuTimes> now = stat.read();
            if (now.isEmpty()) {
                return new TelemetrySample(Map.of(), List.of());
            }
            Optional<Double> u = now.get().utilisationSince(previous);
            if (u.isEmpty()) {
                return new TelemetrySample(Map.of(), List.of());
            }
            previous = now.get();
            return new TelemetrySample(Map.of(EnergyMonitor.CPU_UTILISATION_COLUMN, 100 * u.get()), List.of());
        }

        @Override
        public void close() {
            // nothing held open
        }
    }
}
