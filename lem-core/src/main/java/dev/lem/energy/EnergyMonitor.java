package dev.lem.energy;

import dev.lem.spi.EnergyMeter;
import dev.lem.spi.PluginStatus;
import dev.lem.spi.TelemetrySample;
import dev.lem.spi.TelemetrySource;
import dev.lem.spi.ThrottleReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measurement windows over a set of energy meters, like a stopwatch per domain: each {@link EnergyWindow}
 * records the energy per domain between its opening and its closing; windows may nest and overlap. A
 * sampler thread polls the meters (counter wraps, power integration, utilisation estimates) and telemetry
 * sources at a fixed interval.
 *
 * <pre>{@code
 * try (EnergyMonitor meters = EnergyMeters.openAvailable()) {
 *     meters.measureIdle(Duration.ofSeconds(3));                       // baseline for adjusted figures
 *     EnergyMeasurement step = meters.measure("step", () -> myStep());  // joules per domain, with method
 *     Measured<Logits> out = meters.measure("prefill", () -> model.prefill(batch));
 *     try (EnergyWindow w = meters.window("decode")) {                 // a block of your own code
 *         decode();
 *     }
 *     System.out.println(step);    // "step: 1.234 J over 0.512 s (cpu.package[0] 1.0 J measured, ...)"
 * }
 * }</pre>
 *
 * <p>Only windows opened with {@link #windowWithTimeSeries} keep the sampler's rows ({@link TimeSeries}):
 * cumulative energy per domain since the window began, the power between consecutive rows, and every
 * telemetry column; the last row is the window's end. Power columns are differences of energy readings (for
 * estimating meters, the modelled power). When the sampler falls behind a meter's
 * {@link EnergyMeter#maxPollInterval()} (a suspended machine, a long GC pause) the windows open at the time
 * get a note, since a counter wrap may have been missed.
 *
 * <p><b>Thread safety:</b> all methods may be called from any thread.
 */
public final class EnergyMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EnergyMonitor.class);
    private static final long MIN_INTERVAL_NANOS = 1_000_000L;

    private final List<EnergyMeter> meters;
    private final List<TelemetrySource> sources;
    private final List<EnergyDomain> domains;
    private final List<String> telemetryColumns;
    private final List<String> columns;
    private final Map<String, EnergyMeter> owners;
    private final List<String> monitorNotes;
    private final Duration interval;
    private final long pollDeadlineNanos;
    private final ScheduledExecutorService sampler;
    private final Set<Window> windows = ConcurrentHashMap.newKeySet();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final boolean cpuTimeSupported;
    private final AtomicLong ticks = new AtomicLong();
    private final AtomicLong tickCpuNanos = new AtomicLong();
    private final AtomicLong maxTickNanos = new AtomicLong();
    private final AtomicLong lateTicks = new AtomicLong();
    private volatile long lastPollNanos;
    private volatile Optional<IdleBaseline> baseline = Optional.empty();
    private volatile boolean closed;
    private volatile List<PluginStatus> plugins = List.of();

    private EnergyMonitor(List<EnergyMeter> meters, List<TelemetrySource> sources, Duration interval,
            long pollDeadlineNanos) {
        this.meters = List.copyOf(meters);
        this.sources = List.copyOf(sources);
        this.interval = interval;
        this.pollDeadlineNanos = pollDeadlineNanos;
        List<EnergyDomain> all = new ArrayList<>();
        Map<String, EnergyMeter> owners = new HashMap<>();
        List<String> notes = new ArrayList<>();
        for (EnergyMeter m : this.meters) {
            for (EnergyDomain d : m.domains()) {
                EnergyMeter owner = owners.putIfAbsent(d.id(), m);
                if (owner == null) {
                    all.add(d);
                } else {
                    notes.add("meter " + m.name() + " also reports " + d.id() + ", already reported by " + owner.name()
                            + "; only " + owner.name() + "'s reading is used");
                }
            }
        }
        this.owners = Map.copyOf(owners);
        this.monitorNotes = List.copyOf(notes);
        notes.forEach(n -> LOG.warn("energy: {}", n));
        this.domains = List.copyOf(all);
        Set<String> cols = new LinkedHashSet<>();
        this.sources.forEach(s -> cols.addAll(s.columns()));
        this.telemetryColumns = List.copyOf(cols);
        List<String> c = new ArrayList<>();
        c.add("t_ms");
        domains.forEach(d -> c.add("energy_j." + d.id()));
        domains.forEach(d -> c.add("power_w." + d.id()));
        c.addAll(telemetryColumns);
        this.columns = List.copyOf(c);
        boolean cpu;
        try {
            cpu = threads.isCurrentThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled();
        } catch (UnsupportedOperationException e) {
            cpu = false;
        }
        this.cpuTimeSupported = cpu;
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lem-energy-sampler");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts monitoring.
     *
     * @param meters   open energy meters (the monitor closes them); a domain id reported by two meters is
     *                 read from the first only, with a note
     * @param sources  open telemetry sources (the monitor closes them)
     * @param interval sampler interval (the default configuration uses 100 ms); shortened to every meter's
     *                 {@link EnergyMeter#maxPollInterval()}
     * @throws IllegalArgumentException when the interval is not positive
     */
    public static EnergyMonitor start(List<EnergyMeter> meters, List<TelemetrySource> sources, Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("sampler interval must be positive, was " + interval);
        }
        Duration effective = interval;
        long deadline = Long.MAX_VALUE;
        for (EnergyMeter m : meters) {
            Optional<Duration> max = m.maxPollInterval();
            if (max.isPresent()) {
                deadline = Math.min(deadline, max.get().toNanos());
                if (max.get().compareTo(effective) < 0) {
                    effective = max.get();
                }
            }
        }
        EnergyMonitor monitor = new EnergyMonitor(meters, sources, effective, deadline);
        long nanos = Math.max(MIN_INTERVAL_NANOS, effective.toNanos());
        monitor.lastPollNanos = System.nanoTime();
        monitor.sampler.scheduleAtFixedRate(monitor::tick, nanos, nanos, TimeUnit.NANOSECONDS);
        return monitor;
    }

    /**
     * Every meter and telemetry plug-in considered when this monitor was opened by {@link EnergyMeters}, used
     * or not, with the reason for each one not used; empty for a monitor started on given meters.
     */
    public List<PluginStatus> plugins() {
        return plugins;
    }

    /** Records the plug-ins considered (set once by {@link EnergyMeters.Opened#start()}). */
    EnergyMonitor withPlugins(List<PluginStatus> considered) {
        this.plugins = List.copyOf(considered);
        return this;
    }

    /** Every domain measured, in meter order. */
    public List<EnergyDomain> domains() {
        return domains;
    }

    /**
     * The resolution of the meter that reports {@code domainId} ({@link EnergyMeter#resolution}); empty when the
     * meter declares none (estimates have no resolution limit) or no meter reports that domain.
     */
    public Optional<MeterResolution> resolution(String domainId) {
        EnergyMeter m = owners.get(domainId);
        if (m == null) {
            return Optional.empty();
        }
        try {
            return m.resolution(domainId);
        } catch (RuntimeException e) {
            LOG.debug("meter {} failed to state its resolution", m.name(), e);
            return Optional.empty();
        }
    }

    /** The sampler interval in use. */
    public Duration interval() {
        return interval;
    }

    /** The idle baseline, once {@link #measureIdle} ran. */
    public Optional<IdleBaseline> baseline() {
        return baseline;
    }

    /** What the sampler thread has cost so far. */
    public SamplerStats samplerStats() {
        return new SamplerStats(interval.toNanos(), ticks.get(), tickCpuNanos.get(), cpuTimeSupported,
                maxTickNanos.get(), lateTicks.get());
    }

    /**
     * Opens a window named {@code name} (names are labels: several windows may share one). Close it (or
     * {@link EnergyWindow#stop()} it) to read its energy; try-with-resources does that.
     *
     * @throws IllegalStateException when the monitor is closed
     */
    public EnergyWindow window(String name) {
        return open(name, false);
    }

    /** As {@link #window}, also keeping the sampler's rows for {@link EnergyWindow#timeSeries()}. */
    public EnergyWindow windowWithTimeSeries(String name) {
        return open(name, true);
    }

    /** The energy of running {@code work}. */
    public EnergyMeasurement measure(String name, Runnable work) {
        try (EnergyWindow w = window(name)) {
            work.run();
            return w.stop();
        }
    }

    /** The value {@code work} returns and the energy of computing it. */
    public <T> Measured<T> measure(String name, Supplier<T> work) {
        try (EnergyWindow w = window(name)) {
            T value = work.get();
            return new Measured<>(value, w.stop());
        }
    }

    private EnergyWindow open(String name, boolean keepSeries) {
        java.util.Objects.requireNonNull(name, "name");
        if (closed) {
            throw new IllegalStateException("this energy monitor is closed; open a new one (EnergyMeters.openAvailable())");
        }
        List<String> notes = new ArrayList<>(monitorNotes);
        long before = System.nanoTime();
        Map<String, Double> start = read(notes);
        Window w = new Window(name, midpoint(before, System.nanoTime()), start, notes, keepSeries);
        windows.add(w);
        return new EnergyWindow(name, () -> close(w), keepSeries ? () -> w.series : () -> null);
    }

    /**
     * Closes a window and returns its energy per domain: raw, and adjusted by the idle baseline when one
     * was measured (adjusted = raw − idle power × duration; negative values are kept and flagged
     * {@link DomainEnergy#belowIdle()}, never clamped).
     */
    private EnergyMeasurement close(Window w) {
        windows.remove(w);
        List<String> readNotes = new ArrayList<>();
        long before = System.nanoTime();
        Map<String, Double> endValues = read(readNotes);
        long endNanos = midpoint(before, System.nanoTime());
        long duration = endNanos - w.startNanos;
        List<DomainEnergy> result = new ArrayList<>();
        IdleBaseline idle = baseline.orElse(null);
        synchronized (w) {
            w.closed = true;
            w.notes.addAll(readNotes);
            for (EnergyDomain d : domains) {
                Double a = w.start.get(d.id());
                Double b = endValues.get(d.id());
                if (a == null || b == null) {
                    w.notes.add(d.id() + ": no reading at the " + (a == null ? "start" : "end")
                            + " of the window; its energy is not reported" + unavailableReason(d));
                    continue;
                }
                double joules = b - a;
                Optional<Double> idleW = idle == null ? Optional.empty() : Optional.ofNullable(idle.watts().get(d.id()));
                Optional<Double> adjusted = idleW.map(wt -> joules - wt * duration / 1e9);
                result.add(new DomainEnergy(d, joules, idleW, adjusted, adjusted.map(x -> x < 0).orElse(false)));
            }
            w.addRow(endNanos, endValues, Map.of(), List.of(), domains, telemetryColumns, false);
            if (w.keepSeries) {
                w.series = new TimeSeries(columns, w.rows);
            }
            return new EnergyMeasurement(w.name, duration, result,
                    sources.isEmpty() ? Optional.empty() : Optional.of(w.throttle.summary()), w.notes);
        }
    }

    /**
     * Measures idle power for {@code duration} with nothing else running and keeps it as the
     * baseline for every later window: per domain, the window's energy divided by its duration.
     *
     * @throws IllegalArgumentException when the duration is not positive
     * @throws dev.lem.LemException     when the thread is interrupted meanwhile (its interrupt flag is set
     *                                  again; no baseline is kept)
     */
    public IdleBaseline measureIdle(Duration duration) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("idle baseline duration must be positive, was " + duration);
        }
        try (EnergyWindow w = window(IdleBaseline.WINDOW)) {
            try {
                TimeUnit.NANOSECONDS.sleep(duration.toNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new dev.lem.LemException("interrupted while measuring idle power; no baseline was kept", e);
            }
            IdleBaseline b = IdleBaseline.of(w.stop());
            baseline = Optional.of(b);
            return b;
        }
    }

    /** The time of a reading: halfway between the clock before and after it. */
    private static long midpoint(long before, long after) {
        return before + (after - before) / 2;
    }

    private String unavailableReason(EnergyDomain d) {
        for (EnergyMeter m : meters) {
            if (m.domains().contains(d)) {
                try {
                    return m.unavailableReason(d.id()).map(r -> " (" + r + ")").orElse("");
                } catch (RuntimeException e) {
                    return "";
                }
            }
        }
        return "";
    }

    private Map<String, Double> read(List<String> notes) {
        Map<String, Double> values = new HashMap<>();
        for (EnergyMeter m : meters) {
            try {
                m.cumulativeJoules().forEach((id, j) -> {
                    if (owners.get(id) == m) {
                        values.put(id, j);
                    }
                });
            } catch (RuntimeException e) {
                notes.add("meter " + m.name() + " failed to read: " + e.getMessage());
            }
        }
        return values;
    }

    private void tick() {
        long t0 = System.nanoTime();
        long cpu0 = cpuTimeSupported ? threads.getCurrentThreadCpuTime() : 0;
        try {
            long gap = t0 - lastPollNanos;
            boolean late = gap > pollDeadlineNanos;
            for (EnergyMeter m : meters) {
                try {
                    m.poll();
                } catch (RuntimeException e) {
                    LOG.debug("meter {} failed to poll", m.name(), e);
                }
            }
            lastPollNanos = t0;
            if (late) {
                lateTicks.incrementAndGet();
            }
            if (windows.isEmpty()) {
                return;
            }
            List<String> notes = new ArrayList<>();
            long before = System.nanoTime();
            Map<String, Double> energy = read(notes);
            long now = midpoint(before, System.nanoTime());
            Map<String, Double> telemetry = new HashMap<>();
            List<ThrottleReason> throttle = new ArrayList<>();
            for (TelemetrySource s : sources) {
                try {
                    TelemetrySample sample = s.sample();
                    telemetry.putAll(sample.values());
                    throttle.addAll(sample.throttle());
                } catch (RuntimeException e) {
                    LOG.debug("telemetry source {} failed", s.name(), e);
                }
            }
            for (Window w : windows) {
                synchronized (w) {
                    if (w.closed) {
                        continue;
                    }
                    if (late) {
                        w.note(String.format(java.util.Locale.ROOT, "the sampler was %.1f s late (meters need a "
                                + "read every %.1f s): a counter wrap may have been missed", gap / 1e9,
                                pollDeadlineNanos / 1e9));
                    }
                    notes.forEach(w::note);
                    w.addRow(now, energy, telemetry, throttle, domains, telemetryColumns, true);
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("sampler tick failed", e);
        } finally {
            ticks.incrementAndGet();
            long spent = cpuTimeSupported ? threads.getCurrentThreadCpuTime() - cpu0 : System.nanoTime() - t0;
            tickCpuNanos.addAndGet(spent);
            maxTickNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
        }
    }

    /** Throttling over a window's telemetry samples. */
    static ThrottleSummary throttle(List<List<ThrottleReason>> samples) {
        ThrottleCounter c = new ThrottleCounter();
        samples.forEach(c::add);
        return c.summary();
    }

    /** Stops the sampler and closes every meter and source; windows still open can no longer be read. */
    @Override
    public void close() {
        closed = true;
        sampler.shutdownNow();
        try {
            sampler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (EnergyMeter m : meters) {
            try {
                m.close();
            } catch (RuntimeException e) {
                LOG.debug("closing meter {} failed", m.name(), e);
            }
        }
        for (TelemetrySource s : sources) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.debug("closing telemetry {} failed", s.name(), e);
            }
        }
    }

    /** Throttling seen over a window's sampler ticks, counted as they come (nothing per tick is kept). */
    static final class ThrottleCounter {
        private int samples;
        private int thermal;
        private int power;
        private final Map<String, Integer> counts = new LinkedHashMap<>();

        void add(List<ThrottleReason> sample) {
            samples++;
            boolean t = false;
            boolean p = false;
            Set<String> seen = new LinkedHashSet<>();
            for (ThrottleReason r : sample) {
                t |= r.kind() == ThrottleReason.Kind.THERMAL;
                p |= r.kind() == ThrottleReason.Kind.POWER;
                seen.add(r.device() + ":" + r.reason());
            }
            thermal += t ? 1 : 0;
            power += p ? 1 : 0;
            seen.forEach(x -> counts.merge(x, 1, Integer::sum));
        }

        ThrottleSummary summary() {
            if (samples == 0) {
                return ThrottleSummary.none(0);
            }
            Map<String, Double> shares = new LinkedHashMap<>();
            counts.forEach((k, c) -> shares.put(k, (double) c / samples));
            return new ThrottleSummary(samples, (double) thermal / samples, (double) power / samples, shares,
                    thermal + power > 0);
        }
    }

    /** One open window. Mutable state is guarded by the window's own lock. */
    private static final class Window {
        final String name;
        final long startNanos;
        final Map<String, Double> start;
        final List<String> notes;
        final boolean keepSeries;
        final List<double[]> rows = new ArrayList<>();
        final ThrottleCounter throttle = new ThrottleCounter();
        Map<String, Double> previous;
        long previousNanos;
        boolean closed;
        TimeSeries series;

        Window(String name, long startNanos, Map<String, Double> start, List<String> notes, boolean keepSeries) {
            this.name = name;
            this.startNanos = startNanos;
            this.start = start;
            this.notes = new ArrayList<>(notes);
            this.keepSeries = keepSeries;
            this.previous = start;
            this.previousNanos = startNanos;
        }

        void note(String n) {
            if (!notes.contains(n)) {
                notes.add(n);
            }
        }

        /** Adds a row; {@code sampled}: a sampler tick, whose throttle reasons count (the end row is not). */
        void addRow(long now, Map<String, Double> energy, Map<String, Double> telemetry, List<ThrottleReason> throttle,
                List<EnergyDomain> domains, List<String> telemetryColumns, boolean sampled) {
            if (sampled) {
                this.throttle.add(throttle);
            }
            if (!keepSeries) {
                return;
            }
            int n = domains.size();
            double[] row = new double[1 + 2 * n + telemetryColumns.size()];
            row[0] = (now - startNanos) / 1e6;
            double dt = (now - previousNanos) / 1e9;
            for (int i = 0; i < n; i++) {
                String id = domains.get(i).id();
                Double a = start.get(id);
                Double b = energy.get(id);
                Double prev = previous.get(id);
                row[1 + i] = a == null || b == null ? Double.NaN : b - a;
                row[1 + n + i] = prev == null || b == null || dt <= 0 ? Double.NaN : (b - prev) / dt;
            }
            for (int i = 0; i < telemetryColumns.size(); i++) {
                row[1 + 2 * n + i] = telemetry.getOrDefault(telemetryColumns.get(i), Double.NaN);
            }
            rows.add(row);
            previous = energy;
            previousNanos = now;
        }
    }
}
