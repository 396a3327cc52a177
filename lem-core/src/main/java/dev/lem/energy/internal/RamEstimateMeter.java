package dev.lem.energy.internal;

import dev.lem.energy.DomainScope;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.MeasurementMethod;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Estimated memory energy attributed to this process: {@code P = watts_per_gb × resident GiB}, the
 * resident set sampled at most every {@code sampleGapNanos} by the sampler and at every window edge, and integrated
 * over time (the power of an interval is the resident set at its start). DRAM power
 * follows the installed capacity more than its use, so the machine draws
 * {@code watts_per_gb × installed GiB} whatever runs; this meter reports the share of it that the
 * process's resident memory occupies, so that several processes (and shared machines) are not charged
 * for memory they do not hold. {@link DomainScope#PROCESS}: summed over processes.
 */
final class RamEstimateMeter extends IntegratingMeter {
    static final String METER = "ram-estimate";
    static final double BYTES_PER_GIB = 1024.0 * 1024 * 1024;

    private final double wattsPerGib;
    private final LongSupplier residentBytes;
    private final long sampleGapNanos;
    private final Map<String, String> notes;
    private long lastSampleNanos = Long.MIN_VALUE;
    private double watts;

    RamEstimateMeter(double wattsPerGib, LongSupplier residentBytes, long sampleGapNanos, LongSupplier clock,
            Map<String, String> notes) {
        super(new EnergyDomain("ram", "ram", "", DomainScope.PROCESS, MeasurementMethod.ESTIMATED, METER), clock);
        this.wattsPerGib = wattsPerGib;
        this.residentBytes = residentBytes;
        this.sampleGapNanos = sampleGapNanos;
        this.notes = Map.copyOf(notes);
        sample(clock.getAsLong());
    }

    @Override
    protected double powerWatts(long fromNanos, long toNanos) {
        double w = watts;
        if (toNanos - lastSampleNanos >= sampleGapNanos) {
            sample(toNanos);
        }
        return w;
    }

    /** A window's edge: the resident set is sampled now, so memory loaded just before counts from here on. */
    @Override
    protected void atExactRead(long nowNanos) {
        sample(nowNanos);
    }

    private void sample(long now) {
        long rss = residentBytes.getAsLong();
        if (rss >= 0) {
            watts = wattsPerGib * rss / BYTES_PER_GIB;
        }
        lastSampleNanos = now;
    }

    @Override
    public Map<String, String> notes() {
        return notes;
    }
}
