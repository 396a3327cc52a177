package dev.lem.energy.internal;

import dev.lem.env.SysFiles;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.MeterResolution;
import dev.lem.spi.EnergyMeter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * Reads RAPL energy counters ({@code energy_uj}, µJ) of the zones chosen by {@link RaplTree} and keeps a
 * 64-bit cumulative count per zone.
 *
 * <p><b>Wraparound.</b> A counter runs from 0 to {@code max_energy_range_uj} and then starts again at 0.
 * The meter asks to be read at least every {@link #maxPollInterval()}: half the time the zone needs to
 * wrap at its power bound (the largest {@code constraint_*} power it declares, or
 * {@value #DEFAULT_POWER_BOUND_W} W), so at most one wrap can happen between two reads and a read that
 * went backwards is exactly one wrap: {@code delta = (max − last) + 1 + now} µJ. Wraps are counted. When
 * {@code max_energy_range_uj} cannot be read the size of a wrap is unknown: the gap is bridged with the
 * previous interval's power (never negative, never dropped), counted, and said in {@link #notes()}.
 *
 * <p>Thread-safe: reads are serialised.
 */
final class RaplMeter implements EnergyMeter {
    static final double DEFAULT_POWER_BOUND_W = 1000;
    static final double MAX_POWER_BOUND_W = 4000;
    static final Duration MIN_POLL = Duration.ofMillis(10);
    static final Duration UNKNOWN_RANGE_POLL = Duration.ofSeconds(1);
    private static final long MIN_POWER_INTERVAL_NANOS = 10_000_000L;
    static final MeterResolution RESOLUTION = new MeterResolution(61e-6, Duration.ofMillis(1),
            "RAPL energy_uj: energy status unit 15.3-61 µJ, counter updated about every 1 ms");

    private final List<Counter> counters;
    private final List<EnergyDomain> domains;
    private final Map<String, String> notes;
    private final Duration maxPoll;
    private final Optional<Duration> wrap;
    private final LongSupplier clock;
    private final SysFiles.LongReader reader;

    RaplMeter(RaplTree tree, LongSupplier clock) {
        this(tree, clock, SysFiles::readLong);
    }

    RaplMeter(RaplTree tree, LongSupplier clock, SysFiles.LongReader reader) {
        this.clock = clock;
        this.reader = reader;
        long now = clock.getAsLong();
        List<Counter> cs = new ArrayList<>();
        Duration poll = null;
        Duration shortestWrap = null;
        List<String> unreadable = new ArrayList<>();
        List<String> unknownRange = new ArrayList<>();
        for (RaplTree.Selected s : tree.selected()) {
            RaplZone z = s.zone();
            if (!z.readable()) {
                unreadable.add(z.dirName() + " (" + z.qualifiedName() + "): " + z.unreadable().orElse(""));
                continue;
            }
            Counter c = new Counter(s.domain(), z.energyFile(), z.maxRangeUj().orElse(-1), z.firstReading().getAsLong(),
                    now);
            cs.add(c);
            Duration d;
            if (c.max < 0) {
                unknownRange.add(z.dirName());
                d = UNKNOWN_RANGE_POLL;
            } else {
                double bound = Math.min(MAX_POWER_BOUND_W, z.powerBoundW().orElse(DEFAULT_POWER_BOUND_W));
                double secondsToWrap = c.max / 1e6 / bound;
                d = Duration.ofNanos((long) (secondsToWrap / 2 * 1e9));
                Duration w = Duration.ofNanos((long) (secondsToWrap * 1e9));
                shortestWrap = shortestWrap == null || w.compareTo(shortestWrap) < 0 ? w : shortestWrap;
            }
            d = d.compareTo(MIN_POLL) < 0 ? MIN_POLL : d;
            poll = poll == null || d.compareTo(poll) < 0 ? d : poll;
        }
        this.counters = List.copyOf(cs);
        this.domains = cs.stream().map(c -> c.domain).toList();
        this.maxPoll = poll == null ? UNKNOWN_RANGE_POLL : poll;
        this.wrap = Optional.ofNullable(shortestWrap);
        Map<String, String> n = new LinkedHashMap<>();
        n.put("root", tree.root().toString());
        n.put("zones", tree.selected().stream().filter(s -> s.zone().readable())
                .map(s -> s.domain().id() + "=" + s.zone().dirName() + " (" + s.zone().qualifiedName() + ")")
                .collect(Collectors.joining(", ")));
        if (!tree.skipped().isEmpty()) {
            n.put("not_reported", String.join("; ", tree.skipped()));
        }
        if (!unreadable.isEmpty()) {
            n.put("unreadable", String.join("; ", unreadable));
        }
        n.put("wraparound", "read at least every " + maxPoll.toMillis() + " ms so that at most one counter wrap "
                + "can happen between reads; wraps are counted");
        if (!unknownRange.isEmpty()) {
            n.put("unknown_range", "max_energy_range_uj unreadable for " + String.join(", ", unknownRange)
                    + ": a wrap there is bridged with the previous interval's power (not exact)");
        }
        this.notes = Map.copyOf(n);
    }

    @Override
    public String name() {
        return RaplTree.METER;
    }

    @Override
    public List<EnergyDomain> domains() {
        return domains;
    }

    @Override
    public synchronized Map<String, Double> cumulativeJoules() {
        update();
        Map<String, Double> out = new LinkedHashMap<>();
        for (Counter c : counters) {
            if (c.error.isEmpty()) {
                out.put(c.domain.id(), c.totalUj / 1e6);
            }
        }
        return out;
    }

    /** Cumulative µJ per domain since open, exact (for tests and diagnostics). */
    synchronized Map<String, Long> cumulativeMicrojoules() {
        update();
        Map<String, Long> out = new LinkedHashMap<>();
        counters.forEach(c -> out.put(c.domain.id(), c.totalUj));
        return out;
    }

    /** Wraps seen per domain; bridged ones (unknown range) included. */
    synchronized Map<String, Integer> wraps() {
        Map<String, Integer> out = new LinkedHashMap<>();
        counters.forEach(c -> out.put(c.domain.id(), c.wraps));
        return out;
    }

    /** Wraps per domain whose size was unknown and bridged with the previous power. */
    synchronized Map<String, Integer> bridgedWraps() {
        Map<String, Integer> out = new LinkedHashMap<>();
        counters.forEach(c -> out.put(c.domain.id(), c.bridged));
        return out;
    }

    /** Why the last read of a domain failed, if it did. */
    synchronized Optional<String> error(String domainId) {
        return counters.stream().filter(c -> c.domain.id().equals(domainId)).findFirst().flatMap(c -> c.error);
    }

    @Override
    public synchronized void poll() {
        update();
    }

    @Override
    public Optional<Duration> maxPollInterval() {
        return Optional.of(maxPoll);
    }

    /** The shortest time in which one of the counters can wrap at its power bound. */
    @Override
    public Optional<Duration> wrapInterval() {
        return wrap;
    }

    @Override
    public Map<String, String> notes() {
        return notes;
    }

    /**
     * 61 µJ steps (the coarsest common RAPL energy status unit: 2^-14 J on Intel server packages; 2^-16 J =
     * 15.3 µJ on client parts, Intel DRAM and AMD), updated about every 1 ms.
     */
    @Override
    public Optional<MeterResolution> resolution(String domainId) {
        return domains.stream().anyMatch(d -> d.id().equals(domainId)) ? Optional.of(RESOLUTION) : Optional.empty();
    }

    @Override
    public void close() {
        // nothing held open between reads
    }

    private void update() {
        long now = clock.getAsLong();
        for (Counter c : counters) {
            try {
                c.advance(reader.read(c.file), now);
                c.error = Optional.empty();
            } catch (IOException e) {
                c.error = Optional.of(c.file + ": " + SysFiles.why(e));
            }
        }
    }

    /** One zone's counter state. Guarded by the meter's lock. */
    private static final class Counter {
        final EnergyDomain domain;
        final Path file;
        final long max;
        long last;
        long lastNanos;
        long totalUj;
        int wraps;
        int bridged;
        double lastWatts;
        Optional<String> error = Optional.empty();

        Counter(EnergyDomain domain, Path file, long max, long first, long now) {
            this.domain = domain;
            this.file = file;
            this.max = max;
            this.last = first;
            this.lastNanos = now;
        }

        void advance(long raw, long now) {
            long elapsed = now - lastNanos;
            long delta;
            if (raw >= last) {
                delta = raw - last;
            } else {
                wraps++;
                if (max >= 0) {
                    delta = (max - last) + 1 + raw;
                } else {
                    bridged++;
                    delta = Math.max(raw, Math.round(lastWatts * elapsed / 1e3));
                }
            }
            totalUj += delta;
            if (elapsed >= MIN_POWER_INTERVAL_NANOS) {
                lastWatts = delta * 1e3 / elapsed;
            }
            last = raw;
            lastNanos = now;
        }
    }
}
