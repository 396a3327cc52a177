package dev.lem.spi;

import dev.lem.energy.EnergyDomain;
import dev.lem.energy.MeterResolution;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

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

    /** {@return the meter's plug-in name, e.g. {@code "rapl"}} */
    String name();

    /** {@return the domains this meter reports; fixed for the meter's lifetime} */
    List<EnergyDomain> domains();

    /**
     * Cumulative joules per domain id since the meter was opened; reads the hardware now.
     *
     * @return joules by domain id
     */
    Map<String, Double> cumulativeJoules();

    /**
     * Cumulative joules per domain with the instant each was read, on {@code clock}. The core reads every meter
     * this way at the edges of a measurement window, so a domain's energy is divided by its own interval even when
     * reading several devices one after the other takes milliseconds (NVML's energy counter costs ~4 ms a read).
     * By default every domain gets the midpoint of one {@link #cumulativeJoules()} call; meters whose domains are
     * read one by one time each.
     *
     * @param clock the monotonic clock, ns
     * @return the readings by domain id
     */
    default Map<String, EnergyReading> read(LongSupplier clock) {
        long before = clock.getAsLong();
        Map<String, Double> joules = cumulativeJoules();
        long at = before + (clock.getAsLong() - before) / 2;
        Map<String, EnergyReading> out = new java.util.LinkedHashMap<>();
        joules.forEach((id, j) -> out.put(id, new EnergyReading(j, at)));
        return out;
    }

    /**
     * Cumulative joules per domain for the sampler's time series, between the exact reads of the window edges.
     * Meters whose exact read is expensive return a cheap approximation here (NVML: the last counter reading plus
     * sampled power integrated since); by default the exact {@link #cumulativeJoules()}.
     *
     * @return joules by domain id
     */
    default Map<String, Double> sampleJoules() {
        return cumulativeJoules();
    }

    /**
     * Called by the core at least every {@link #maxPollInterval()} (and at the sampler interval):
     * meters that integrate power, estimate from utilisation, or track counter wraps do it here.
     */
    default void poll() {
    }

    /** {@return the longest gap between {@link #poll()} calls that keeps readings correct, if any} */
    default Optional<Duration> maxPollInterval() {
        return Optional.empty();
    }

    /**
     * For meters whose counters wrap (RAPL): the shortest time in which a counter can wrap, at the largest power
     * its zone can draw. A gap between two reads longer than this may have hidden a wrap, and the core says so in
     * the windows open at the time; a shorter one cannot. Empty for meters that cannot lose a wrap.
     *
     * @return the shortest wrap time; empty when counters cannot wrap unseen
     */
    default Optional<Duration> wrapInterval() {
        return Optional.empty();
    }

    /**
     * Why {@code domainId} has no reading now, when {@link #cumulativeJoules()} leaves it out (a GPU
     * lost mid-run, a failed read); empty when it has one or the meter cannot say.
     *
     * @param domainId the domain's id
     * @return the reason; empty when there is a reading or no reason is known
     */
    default Optional<String> unavailableReason(String domainId) {
        return Optional.empty();
    }

    /**
     * How finely the reading of {@code domainId} resolves energy and time, so that windows too short for it can
     * be refused instead of reported as noise; empty when there is no known limit (estimates) or the meter
     * cannot say.
     *
     * @param domainId the domain's id
     * @return the resolution; empty when there is no known limit
     */
    default Optional<MeterResolution> resolution(String domainId) {
        return Optional.empty();
    }

    /**
     * Facts for the result: TDP source, counter scope ("module" on Grace Hopper), attribution rules.
     *
     * @return the facts, by name
     */
    default Map<String, String> notes() {
        return Map.of();
    }

    /** Releases native handles; must not throw. */
    @Override
    void close();
}
