package dev.lem.spi;

import dev.lem.energy.EnergyDomain;
import dev.lem.energy.MeterResolution;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An open energy meter covering one or more {@link EnergyDomain}s.
 *
 * <p>The uniform reading is a cumulative energy per domain, in joules, since the meter was opened:
 * monotonic non-decreasing, with counter wraparound already handled. The core takes differences of
 * it for each measurement window, so meters never need to know about windows.
 *
 * <p><b>Thread safety:</b> {@link #cumulativeJoules()} and {@link #poll()} may be called from the
 * sampler thread and the experiment thread at once; implementations must be thread-safe.
 */
public interface EnergyMeter extends AutoCloseable {

    /** The meter's plug-in name, e.g. {@code "rapl"}. */
    String name();

    /** The domains this meter reports. Fixed for the meter's lifetime. */
    List<EnergyDomain> domains();

    /** Cumulative joules per domain id since the meter was opened; reads the hardware now. */
    Map<String, Double> cumulativeJoules();

    /**
     * Called by the core at least every {@link #maxPollInterval()} (and at the sampler interval):
     * meters that integrate power, estimate from utilisation, or track counter wraps do it here.
     */
    default void poll() {
    }

    /** The longest gap between {@link #poll()} calls that keeps readings correct, if any. */
    default Optional<Duration> maxPollInterval() {
        return Optional.empty();
    }

    /**
     * Why {@code domainId} has no reading now, when {@link #cumulativeJoules()} leaves it out (a GPU
     * lost mid-run, a failed read); empty when it has one or the meter cannot say.
     */
    default Optional<String> unavailableReason(String domainId) {
        return Optional.empty();
    }

    /**
     * How finely the reading of {@code domainId} resolves energy and time, so that windows too short for it can
     * be refused instead of reported as noise; empty when there is no known limit (estimates) or the meter
     * cannot say.
     */
    default Optional<MeterResolution> resolution(String domainId) {
        return Optional.empty();
    }

    /** Facts for the result: TDP source, counter scope ("module" on Grace Hopper), attribution rules. */
    default Map<String, String> notes() {
        return Map.of();
    }

    /** Releases native handles; must not throw. */
    @Override
    void close();
}
