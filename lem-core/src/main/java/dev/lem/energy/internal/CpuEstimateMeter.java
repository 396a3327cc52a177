package dev.lem.energy.internal;

import dev.lem.energy.DomainScope;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.MeasurementMethod;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Estimated CPU energy: {@link CpuPowerModel} driven by the measured activity of the cores ({@link CpuLoad}),
 * integrated over time. Reads less than {@value #MIN_READ_GAP_NANOS} ns apart reuse the last load (the kernel counts
 * CPU time in clock ticks of 1–10 ms, so a sooner read holds no news). Machine-wide ({@link DomainScope#MACHINE}).
 */
final class CpuEstimateMeter extends IntegratingMeter {
    static final String METER = "cpu-estimate";
    static final long MIN_READ_GAP_NANOS = 1_000_000L;

    private final CpuPowerModel model;
    private final CpuLoad load;
    private final Map<String, String> notes;
    private long lastReadNanos;
    private double utilisation;
    private double activity;

    CpuEstimateMeter(CpuPowerModel model, CpuLoad load, LongSupplier clock) {
        super(new EnergyDomain("cpu", "cpu", "", DomainScope.MACHINE, MeasurementMethod.ESTIMATED, METER), clock);
        this.model = model;
        this.load = load;
        this.lastReadNanos = clock.getAsLong();
        Map<String, String> n = new LinkedHashMap<>(model.notes());
        n.put("utilisation", load.description());
        n.put("method", "estimated: not a reading; expected error ~25% (mean absolute percentage error against RAPL "
                + "on four CPUs, each left out of the fit, see docs/energy.md), more in virtual machines; calibrate "
                + "with energy.cpu.idle_watts and energy.cpu.max_watts");
        this.notes = Map.copyOf(n);
    }

    /** A meter on machine-wide CPU times only (no per-core view). */
    CpuEstimateMeter(CpuPowerModel model, CpuTimes.Source source, LongSupplier clock) {
        this(model, CpuLoad.machine(source), clock);
    }

    @Override
    protected double powerWatts(long fromNanos, long toNanos) {
        if (toNanos - lastReadNanos >= MIN_READ_GAP_NANOS) {
            Optional<CpuLoad.Load> now = load.read();
            now.ifPresent(l -> {
                utilisation = l.utilisation();
                activity = l.activity();
            });
            lastReadNanos = toNanos;
        }
        return model.watts(activity);
    }

    /** The machine's utilisation used for the latest step, 0..1. */
    synchronized double utilisation() {
        return utilisation;
    }

    /** The cores' activity used for the latest step, 0..1. */
    synchronized double activity() {
        return activity;
    }

    @Override
    public Map<String, String> notes() {
        return notes;
    }
}
