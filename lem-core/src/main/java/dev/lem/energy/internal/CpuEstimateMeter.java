package dev.lem.energy.internal;

import dev.lem.energy.DomainScope;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.MeasurementMethod;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Estimated CPU energy: {@link CpuPowerModel} driven by measured utilisation, integrated over time.
 * Utilisation over each integration step is {@code Δbusy/Δtotal} of a {@link CpuTimes.Source}; reads less
 * than {@value #MIN_READ_GAP_NANOS} ns apart reuse the last utilisation (the kernel counts CPU time in
 * clock ticks of 1–10 ms, so a sooner read holds no news). Machine-wide ({@link DomainScope#MACHINE}).
 */
final class CpuEstimateMeter extends IntegratingMeter {
    static final String METER = "cpu-estimate";
    static final long MIN_READ_GAP_NANOS = 1_000_000L;

    private final CpuPowerModel model;
    private final CpuTimes.Source source;
    private final Map<String, String> notes;
    private Optional<CpuTimes> previous;
    private long lastReadNanos;
    private double utilisation;

    CpuEstimateMeter(CpuPowerModel model, CpuTimes.Source source, LongSupplier clock) {
        super(new EnergyDomain("cpu", "cpu", "", DomainScope.MACHINE, MeasurementMethod.ESTIMATED, METER), clock);
        this.model = model;
        this.source = source;
        this.previous = source.read();
        this.lastReadNanos = clock.getAsLong();
        Map<String, String> n = new LinkedHashMap<>(model.notes());
        n.put("utilisation", source.description());
        n.put("method", "estimated: not a reading; typical error +-30% against RAPL on bare metal with a matched "
                + "TDP, more in virtual machines (see docs/energy.md)");
        this.notes = Map.copyOf(n);
    }

    @Override
    protected double powerWatts(long fromNanos, long toNanos) {
        if (toNanos - lastReadNanos >= MIN_READ_GAP_NANOS) {
            Optional<CpuTimes> now = source.read();
            if (now.isPresent()) {
                Optional<Double> u = previous.flatMap(now.get()::utilisationSince);
                if (u.isPresent() || previous.isEmpty()) {
                    u.ifPresent(x -> utilisation = x);
                    previous = now;
                }
            }
            lastReadNanos = toNanos;
        }
        return model.watts(utilisation);
    }

    /** The utilisation used for the latest step, 0..1. */
    synchronized double utilisation() {
        return utilisation;
    }

    @Override
    public Map<String, String> notes() {
        return notes;
    }
}
