package dev.lem.nvml.internal;

import dev.lem.spi.MeterContext;
import dev.lem.spi.PluginUnavailableException;
import dev.lem.spi.TelemetrySample;
import dev.lem.spi.TelemetrySource;
import dev.lem.spi.ThrottleReason;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GPU telemetry for the sampler: per selected GPU, power (NVML's reading, a ~1 s average on Ampere
 * and newer, and the instantaneous one where the driver has it), temperature, SM and memory clocks,
 * utilisation, memory used, performance state and clock-event (throttle) reasons; per MIG slice,
 * its memory used. Columns carry their unit ({@code gpu0.power_w}, {@code gpu0.temperature_c},
 * {@code gpu0.sm_clock_mhz}, {@code gpu0.memory_used_mib}, {@code gpu0.mig1.memory_used_mib}).
 *
 * <p>Each reading is probed once at open: one that the device or driver does not support is left
 * out of {@link #columns()} and listed in {@link #environment()}; a GPU lost later simply stops
 * contributing values. {@link #sample()} never throws.
 */
public final class NvmlTelemetrySource implements TelemetrySource {
    private static final Logger LOG = LoggerFactory.getLogger(NvmlTelemetrySource.class);
    private static final double MIB = 1024.0 * 1024.0;

    /** One reading: column suffix and how to read it. */
    private record Reading(String suffix, ToDoubleFunction<NvmlDevice> read) {
    }

    private static final List<Reading> GPU_READINGS = List.of(
            new Reading("power_w", NvmlDevice::powerWatts),
            new Reading("power_instant_w", NvmlDevice::powerInstantWatts),
            new Reading("temperature_c", NvmlDevice::temperatureCelsius),
            new Reading("sm_clock_mhz", NvmlDevice::smClockMhz),
            new Reading("memory_clock_mhz", NvmlDevice::memoryClockMhz),
            new Reading("utilization_gpu_pct", d -> d.utilization().gpuPercent()),
            new Reading("utilization_memory_pct", d -> d.utilization().memoryPercent()),
            new Reading("memory_used_mib", d -> d.memory().usedBytes() / MIB),
            new Reading("pstate", NvmlDevice::performanceState),
            new Reading("clock_event_reasons", d -> d.clockEventReasons()));
    private static final List<Reading> MIG_READINGS = List.of(
            new Reading("memory_used_mib", d -> d.memory().usedBytes() / MIB));

    /** The readings of one device that answered at open. */
    private static final class Probe {
        final String prefix;
        final String label;
        final NvmlDevice device;
        final List<Reading> readings;
        boolean lost;

        Probe(String prefix, String label, NvmlDevice device, List<Reading> readings) {
            this.prefix = prefix;
            this.label = label;
            this.device = device;
            this.readings = new ArrayList<>(readings);
        }
    }

    private final NvmlSession session;
    private final List<Probe> probes = new ArrayList<>();
    private final List<String> columns = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();

    /**
     * Opens the source for every GPU NVML sees (and the workload's MIG slices).
     *
     * @throws PluginUnavailableException when NVML is missing or sees no GPU
     */
    public static NvmlTelemetrySource open(MeterContext context) {
        NvmlSession session = Nvml.open();
        try {
            return new NvmlTelemetrySource(session, GpuSelection.resolve(session, context.environment(),
                    context.workload()));
        } catch (NvmlException e) {
            session.close();
            throw new PluginUnavailableException("NVML telemetry cannot start: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    private NvmlTelemetrySource(NvmlSession session, GpuSelection selection) {
        this.session = session;
        environment.putAll(selection.facts());
        for (GpuSelection.Gpu g : selection.targetGpus()) {
            addProbe(new Probe("gpu" + g.index(), g.id(), g.device(), GPU_READINGS));
        }
        for (GpuSelection.Target t : selection.targets()) {
            if (t.mig() != null) {
                addProbe(new Probe(t.columnPrefix(), t.id(), t.mig().device(), MIG_READINGS));
            }
        }
    }

    private void addProbe(Probe p) {
        List<String> missing = new ArrayList<>();
        p.readings.removeIf(r -> {
            try {
                r.read().applyAsDouble(p.device);
                return false;
            } catch (NvmlException e) {
                missing.add(r.suffix() + " (" + NvmlReturn.name(e.code()) + ")");
                return true;
            }
        });
        if (!missing.isEmpty()) {
            environment.put(p.label + ".telemetry_unavailable", String.join(", ", missing));
        }
        p.readings.forEach(r -> columns.add(p.prefix + "." + r.suffix()));
        probes.add(p);
    }

    @Override
    public String name() {
        return "nvml";
    }

    @Override
    public List<String> columns() {
        return List.copyOf(columns);
    }

    @Override
    public TelemetrySample sample() {
        Map<String, Double> values = new HashMap<>();
        List<ThrottleReason> throttle = new ArrayList<>();
        for (Probe p : probes) {
            if (p.lost) {
                continue;
            }
            for (Reading r : p.readings) {
                try {
                    double v = r.read().applyAsDouble(p.device);
                    values.put(p.prefix + "." + r.suffix(), v);
                    if (r.suffix().equals("clock_event_reasons")) {
                        throttle.addAll(ClockEventReasons.decode(p.label, (long) v));
                    }
                } catch (NvmlException e) {
                    if (e.isGpuLost()) {
                        p.lost = true;
                        LOG.warn("{}: telemetry stops: {}", p.label, e.getMessage());
                        break;
                    }
                    LOG.debug("telemetry read failed", e);
                } catch (RuntimeException e) {
                    LOG.debug("telemetry read failed", e);
                }
            }
        }
        return new TelemetrySample(values, throttle);
    }

    @Override
    public Map<String, String> environment() {
        return Map.copyOf(environment);
    }

    @Override
    public void close() {
        session.close();
    }
}
