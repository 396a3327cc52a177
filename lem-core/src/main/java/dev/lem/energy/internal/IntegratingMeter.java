package dev.lem.energy.internal;

import dev.lem.energy.EnergyDomain;
import dev.lem.spi.EnergyMeter;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A one-domain meter whose energy is a modelled power integrated over time: every {@link #poll()} and
 * every {@link #cumulativeJoules()} integrates up to "now", so a window's end is exact to the read, not
 * to the last sampler tick. Thread-safe: integration is serialised.
 */
abstract class IntegratingMeter implements EnergyMeter {
    private final EnergyDomain domain;
    private final LongSupplier clock;
    private long lastNanos;
    private double joules;

    IntegratingMeter(EnergyDomain domain, LongSupplier clock) {
        this.domain = domain;
        this.clock = clock;
        this.lastNanos = clock.getAsLong();
    }

    /**
     * Mean power over {@code (fromNanos, toNanos]}, W. Called with the meter's lock held, in time order,
     * once per integration step.
     */
    protected abstract double powerWatts(long fromNanos, long toNanos);

    @Override
    public final String name() {
        return domain.meter();
    }

    @Override
    public final List<EnergyDomain> domains() {
        return List.of(domain);
    }

    /** An exact read (a window edge): integrates up to now, then {@link #atExactRead} refreshes the model's inputs. */
    @Override
    public final synchronized Map<String, Double> cumulativeJoules() {
        advance();
        atExactRead(clock.getAsLong());
        return Map.of(domain.id(), joules);
    }

    /** The time series' reading: integrates up to now without the exact read's refresh. */
    @Override
    public final synchronized Map<String, Double> sampleJoules() {
        advance();
        return Map.of(domain.id(), joules);
    }

    /**
     * Called at each exact read (window edges) after integrating up to {@code nowNanos}: a meter whose input is
     * sampled sparsely samples it here, so a window starts from the state at its edge. Called with the lock held.
     */
    protected void atExactRead(long nowNanos) {
    }

    @Override
    public final synchronized void poll() {
        advance();
    }

    @Override
    public void close() {
        // nothing held open
    }

    private void advance() {
        long now = clock.getAsLong();
        if (now > lastNanos) {
            joules += powerWatts(lastNanos, now) * ((now - lastNanos) / 1e9);
            lastNanos = now;
        }
    }
}
