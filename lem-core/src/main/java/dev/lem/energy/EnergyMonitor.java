package dev.lem.energy;

import dev.lem.spi.EnergyMeter;
import dev.lem.spi.EnergyReading;
import dev.lem.spi.PluginStatus;
import dev.lem.spi.TelemetrySample;
import dev.lem.spi.TelemetrySource;
import dev.lem.spi.ThrottleReason;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
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
 *     meters.measureIdle(Duration.ofSeconds(10));                      // baseline for adjusted figures
 *     EnergyMeasurement step = meters.measure("step", () -> myStep());  // joules per domain, with method
 *     Measured<Logits> out = meters.measure("prefill", () -> model.prefill(batch));
 *     try (EnergyWindow w = meters.window("decode")) {                 // a block of your own code
 *         decode();
 *     }
 *     System.out.println(step);    // "step: 1.234 J over 0.512 s (cpu.package[0] 1.0 J measured, ...)"
 * }
 * }</pre>
 *
 * <p><b>Exact edges.</b> A window's energy per domain is the difference of two exact reads, one when it opens and
 * one when it stops, each timed by its own read ({@link EnergyMeter#read}): a domain's energy is divided by its own
 * interval, so reading several devices one after the other (NVML's counter costs milliseconds a read) skews
 * nothing. The sampler does not read the exact counters: between the edges it polls meters that need it and, for
 * windows that keep a time series, takes each meter's cheap {@link EnergyMeter#sampleJoules()}.
 *
 * <p><b>Idle baseline.</b> {@link #measureIdle} measures idle power per domain and checks that the machine was
 * idle: the machine's mean CPU utilisation ({@code cpu.utilization_pct}, from the {@code cpu} telemetry source) and
 * each GPU's the workload uses ({@code gpu<N>.utilization_gpu_pct}) must stay at or below the limits
 * ({@link Builder#idleLimits}, by default {@value #DEFAULT_IDLE_MAX_CPU_PCT}% and
 * {@value #DEFAULT_IDLE_MAX_GPU_PCT}%), and none of them may throttle. Otherwise the baseline is {@code disturbed}:
 * it is kept, with the reason, and every later measurement's adjusted figures carry the mark.
 *
 * <p>Throttle reasons of devices the workload does not use ({@link DomainUse#NOT_USED}) are left out of windows'
 * throttle summaries (the time series still carries every device's telemetry).
 *
 * <p>Only windows opened with {@link #windowWithTimeSeries} keep the sampler's rows ({@link TimeSeries}). When a
 * meter whose counters wrap ({@link EnergyMeter#wrapInterval()}) goes unread for longer than a counter can take to
 * wrap (a suspended machine, a stopped JVM) the windows open at the time get a note, since a wrap may have been
 * missed; shorter gaps cannot lose one and are not reported.
 *
 * <p><b>Thread safety:</b> all methods may be called from any thread.
 */
public final class EnergyMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EnergyMonitor.class);
    private static final long MIN_INTERVAL_NANOS = 1_000_000L;
    /** Default limit of the machine's mean CPU utilisation during the idle baseline, %. */
    public static final double DEFAULT_IDLE_MAX_CPU_PCT = 10;
    /** Default limit of any GPU's mean utilisation during the idle baseline, %. */
    public static final double DEFAULT_IDLE_MAX_GPU_PCT = 5;
    /** The telemetry column of the machine's CPU utilisation, %. */
    public static final String CPU_UTILISATION_COLUMN = "cpu.utilization_pct";
    private static final Pattern GPU_UTILISATION = Pattern.compile("gpu(\\d+)\\.utilization_gpu_pct");

    private final List<EnergyMeter> meters;
    private final List<TelemetrySource> sources;
    private final List<EnergyDomain> domains;
    private final List<String> telemetryColumns;
    private final List<String> columns;
    private final Map<String, EnergyMeter> owners;
    private final List<String> monitorNotes;
    private final Duration interval;
    private final LongSupplier clock;
    private final double idleMaxCpuPct;
    private final double idleMaxGpuPct;
    private final @Nullable ScheduledExecutorService sampler;
    private final Set<String> notUsed;
    private final Map<EnergyMeter, Long> wrapNanos = new HashMap<>();
    private final Map<EnergyMeter, Long> lastRead = new ConcurrentHashMap<>();
    private final Set<Window> windows = ConcurrentHashMap.newKeySet();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final boolean cpuTimeSupported;
    private final AtomicLong ticks = new AtomicLong();
    private final AtomicLong tickCpuNanos = new AtomicLong();
    private final AtomicLong maxTickNanos = new AtomicLong();
    private final AtomicLong lateTicks = new AtomicLong();
    private volatile Optional<IdleBaseline> baseline = Optional.empty();
    private volatile boolean closed;
    private volatile List<PluginStatus> plugins = List.of();

    private EnergyMonitor(Builder b, Duration interval, boolean thread) {
        this.meters = List.copyOf(b.meters);
        this.sources = List.copyOf(b.sources);
        this.interval = interval;
        this.clock = b.clock;
        this.idleMaxCpuPct = b.idleMaxCpuPct;
        this.idleMaxGpuPct = b.idleMaxGpuPct;
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
            m.wrapInterval().ifPresent(w -> wrapNanos.put(m, w.toNanos()));
        }
        this.owners = Map.copyOf(owners);
        this.monitorNotes = List.copyOf(notes);
        notes.forEach(n -> LOG.warn("energy: {}", n));
        this.domains = List.copyOf(all);
        this.notUsed = all.stream().filter(d -> !d.usedByWorkload()).map(EnergyDomain::id)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
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
        this.sampler = !thread ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lem-energy-sampler");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts monitoring with a sampler thread on {@link System#nanoTime()}.
     *
     * @param meters   open energy meters (the monitor closes them); a domain id reported by two meters is
     *                 read from the first only, with a note
     * @param sources  open telemetry sources (the monitor closes them)
     * @param interval sampler interval (the default configuration uses 100 ms); shortened to every meter's
     *                 {@link EnergyMeter#maxPollInterval()}
     * @return the running monitor
     * @throws IllegalArgumentException when the interval is not positive
     */
    public static EnergyMonitor start(List<EnergyMeter> meters, List<TelemetrySource> sources, Duration interval) {
        return builder(meters, sources).interval(interval).start();
    }

    /**
     * A monitor over these meters and sources, to configure before {@link Builder#start()}.
     *
     * @param meters open energy meters (the monitor closes them)
     * @param sources open telemetry sources (the monitor closes them)
     * @return the builder
     */
    public static Builder builder(List<EnergyMeter> meters, List<TelemetrySource> sources) {
        return new Builder(meters, sources);
    }

    /** Settings of a monitor. Not thread-safe; {@link #start()} once. */
    public static final class Builder {
        private final List<EnergyMeter> meters;
        private final List<TelemetrySource> sources;
        private Duration interval = Duration.ofMillis(100);
        private LongSupplier clock = System::nanoTime;
        private boolean thread = true;
        private double idleMaxCpuPct = DEFAULT_IDLE_MAX_CPU_PCT;
        private double idleMaxGpuPct = DEFAULT_IDLE_MAX_GPU_PCT;

        private Builder(List<EnergyMeter> meters, List<TelemetrySource> sources) {
            this.meters = List.copyOf(meters);
            this.sources = List.copyOf(sources);
        }

        /**
         * The sampler interval (default 100 ms), shortened to every meter's {@link EnergyMeter#maxPollInterval()}.
         *
         * @param value the interval; positive
         * @return this builder
         */
        public Builder interval(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("sampler interval must be positive, was " + value);
            }
            this.interval = value;
            return this;
        }

        /**
         * The monotonic clock, ns (default {@link System#nanoTime()}): window edges, reads and gaps are timed on it.
         * Meters that time their own reads must use the same clock.
         *
         * @param nanoClock the clock, ns
         * @return this builder
         */
        public Builder clock(LongSupplier nanoClock) {
            this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        /**
         * No sampler thread: the caller runs each sampler tick with {@link EnergyMonitor#sample()} (tests, scripts).
         *
         * @return this builder
         */
        public Builder withoutSamplerThread() {
            this.thread = false;
            return this;
        }

        /**
         * The idle baseline's limits: the machine's mean CPU utilisation and any GPU's mean utilisation over the
         * baseline window, %, above which it is marked disturbed.
         *
         * @param maxCpuPct the highest mean CPU utilisation of an undisturbed baseline, % (0 to 100)
         * @param maxGpuPct the highest mean utilisation of any GPU in an undisturbed baseline, % (0 to 100)
         * @return this builder
         */
        public Builder idleLimits(double maxCpuPct, double maxGpuPct) {
            if (!(maxCpuPct >= 0 && maxCpuPct <= 100) || !(maxGpuPct >= 0 && maxGpuPct <= 100)) {
                throw new IllegalArgumentException("idle limits must be 0..100 %, were " + maxCpuPct + " and "
                        + maxGpuPct);
            }
            this.idleMaxCpuPct = maxCpuPct;
            this.idleMaxGpuPct = maxGpuPct;
            return this;
        }

        /**
         * Starts the monitor (and its sampler thread unless {@link #withoutSamplerThread()}).
         *
         * @return the running monitor
         */
        public EnergyMonitor start() {
            Duration effective = interval;
            for (EnergyMeter m : meters) {
                Optional<Duration> max = m.maxPollInterval();
                if (max.isPresent() && max.get().compareTo(effective) < 0) {
                    effective = max.get();
                }
            }
            EnergyMonitor monitor = new EnergyMonitor(this, effective, thread);
            long now = clock.getAsLong();
            meters.forEach(m -> monitor.lastRead.put(m, now));
            if (monitor.sampler != null) {
                long nanos = Math.max(MIN_INTERVAL_NANOS, effective.toNanos());
                monitor.sampler.scheduleAtFixedRate(monitor::sample, nanos, nanos, TimeUnit.NANOSECONDS);
            }
            return monitor;
        }
    }

    /**
     * Every meter and telemetry plug-in considered when this monitor was opened by {@link EnergyMeters}, used
     * or not, with the reason for each one not used; empty for a monitor started on given meters.
     *
     * @return the plug-ins considered, each with its status
     */
    public List<PluginStatus> plugins() {
        return plugins;
    }

    /** Records the plug-ins considered (set once by {@link EnergyMeters.Opened#start()}). */
    EnergyMonitor withPlugins(List<PluginStatus> considered) {
        this.plugins = List.copyOf(considered);
        return this;
    }

    /** {@return every domain measured, in meter order} */
    public List<EnergyDomain> domains() {
        return domains;
    }

    /**
     * The resolution of the meter that reports {@code domainId} ({@link EnergyMeter#resolution}); empty when the
     * meter declares none (estimates have no resolution limit) or no meter reports that domain.
     *
     * @param domainId the domain's id
     * @return the resolution; empty when none is declared or no meter reports the domain
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

    /** {@return the sampler interval in use} */
    public Duration interval() {
        return interval;
    }

    /** {@return the idle baseline, once {@link #measureIdle} ran} */
    public Optional<IdleBaseline> baseline() {
        return baseline;
    }

    /** {@return what the sampler thread has cost so far} */
    public SamplerStats samplerStats() {
        return new SamplerStats(interval.toNanos(), ticks.get(), tickCpuNanos.get(), cpuTimeSupported,
                maxTickNanos.get(), lateTicks.get());
    }

    /**
     * Opens a window named {@code name} (names are labels: several windows may share one). Close it (or
     * {@link EnergyWindow#stop()} it) to read its energy; try-with-resources does that.
     *
     * @param name the window's label
     * @return the open window
     * @throws IllegalStateException when the monitor is closed
     */
    public EnergyWindow window(String name) {
        return open(name, false);
    }

    /**
     * As {@link #window}, also keeping the sampler's rows for {@link EnergyWindow#timeSeries()}.
     *
     * @param name the window's label
     * @return the open window
     */
    public EnergyWindow windowWithTimeSeries(String name) {
        return open(name, true);
    }

    /**
     * The energy of running {@code work}.
     *
     * @param name the window's label
     * @param work the work to measure, run on the calling thread
     * @return the energy of the work
     */
    public EnergyMeasurement measure(String name, Runnable work) {
        try (EnergyWindow w = window(name)) {
            work.run();
            return w.stop();
        }
    }

    /**
     * The value {@code work} returns and the energy of computing it.
     *
     * @param <T> the type of the value
     * @param name the window's label
     * @param work the work to measure, run on the calling thread
     * @return the value and the energy of computing it
     */
    public <T> Measured<T> measure(String name, Supplier<T> work) {
        try (EnergyWindow w = window(name)) {
            T value = work.get();
            return new Measured<>(value, w.stop());
        }
    }

    private EnergyWindow open(String name, boolean keepSeries) {
        Objects.requireNonNull(name, "name");
        if (closed) {
            throw new IllegalStateException("this energy monitor is closed; open a new one (EnergyMeters.openAvailable())");
        }
        List<String> notes = new ArrayList<>(monitorNotes);
        long before = clock.getAsLong();
        Map<String, EnergyReading> start = read(notes);
        Window w = new Window(name, midpoint(before, clock.getAsLong()), start, notes, keepSeries);
        windows.add(w);
        return new EnergyWindow(name, () -> close(w), keepSeries ? () -> w.series : () -> null, w);
    }

    /**
     * Closes a window and returns its energy per domain: raw, and adjusted by the idle baseline when one
     * was measured (adjusted = raw − idle power × the domain's own interval; negative values are kept and flagged
     * {@link DomainEnergy#belowIdle()}, never clamped).
     */
    private EnergyMeasurement close(Window w) {
        windows.remove(w);
        List<String> readNotes = new ArrayList<>();
        long before = clock.getAsLong();
        Map<String, EnergyReading> endValues = read(readNotes);
        long endNanos = midpoint(before, clock.getAsLong());
        long duration = endNanos - w.startNanos;
        List<DomainEnergy> result = new ArrayList<>();
        IdleBaseline idle = baseline.orElse(null);
        synchronized (w) {
            w.closed = true;
            readNotes.forEach(w::note);
            for (EnergyDomain d : domains) {
                EnergyReading a = w.start.get(d.id());
                EnergyReading b = endValues.get(d.id());
                if (a == null || b == null) {
                    w.note(d.id() + ": no reading at the " + (a == null ? "start" : "end")
                            + " of the window; its energy is not reported" + unavailableReason(d));
                    continue;
                }
                double joules = b.joules() - a.joules();
                long span = b.nanos() - a.nanos();
                w.domainNanos.put(d.id(), span > 0 ? span : duration);
                double seconds = (span > 0 ? span : duration) / 1e9;
                Optional<Double> idleW = idle == null ? Optional.empty() : Optional.ofNullable(idle.watts().get(d.id()));
                Optional<Double> adjusted = idleW.map(wt -> joules - wt * seconds);
                result.add(new DomainEnergy(d, joules, idleW, adjusted, adjusted.map(x -> x < 0).orElse(false)));
            }
            w.addRow(endNanos, joules(endValues), Map.of(), List.of(), domains, telemetryColumns, false);
            if (w.keepSeries) {
                w.series = new TimeSeries(columns, w.rows);
            }
            Optional<String> disturbed = idle == null ? Optional.empty() : idle.disturbed();
            return new EnergyMeasurement(w.name, duration, result,
                    sources.isEmpty() ? Optional.empty() : Optional.of(w.throttle.summary()), w.notes, disturbed);
        }
    }

    /**
     * Measures idle power for {@code duration} with nothing else running and keeps it as the baseline for every
     * later window (see {@link #useAsBaseline}). Ten seconds give each domain's idle power within ±1% for counters
     * that update every 100 ms (NVML): each edge is late by up to one update.
     *
     * @param duration how long to measure; positive
     * @return the baseline, also kept for later windows
     * @throws IllegalArgumentException when the duration is not positive
     * @throws dev.lem.LemException     when the thread is interrupted meanwhile (its interrupt flag is set
     *                                  again; no baseline is kept)
     */
    public IdleBaseline measureIdle(Duration duration) {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("idle baseline duration must be positive, was " + duration);
        }
        EnergyWindow w = idleWindow();
        try {
            TimeUnit.NANOSECONDS.sleep(duration.toNanos());
        } catch (InterruptedException e) {
            w.stop();
            Thread.currentThread().interrupt();
            throw new dev.lem.LemException("interrupted while measuring idle power; no baseline was kept", e);
        }
        return useAsBaseline(w);
    }

    /**
     * Opens the window of an idle baseline, for {@link #useAsBaseline} (what {@link #measureIdle} does).
     *
     * @return the open window
     */
    public EnergyWindow idleWindow() {
        return window(IdleBaseline.WINDOW);
    }

    /**
     * Stops a window opened by {@link #idleWindow()} and keeps it as the idle baseline of every later window: per
     * domain, its energy ÷ that domain's own interval; with the machine's mean CPU utilisation and the busiest GPU's
     * over the window, and the reason it is {@code disturbed} when either exceeds its limit or a device throttled.
     *
     * @param window the window opened by {@link #idleWindow()}
     * @return the baseline, also kept for later windows
     * @throws IllegalArgumentException when the window is not one of this monitor's
     */
    public IdleBaseline useAsBaseline(EnergyWindow window) {
        if (!(window.handle() instanceof Window w) || !w.monitor(this)) {
            throw new IllegalArgumentException("the window " + window.name() + " was not opened by this monitor");
        }
        EnergyMeasurement m = window.stop();
        Map<String, Double> watts = new LinkedHashMap<>();
        Optional<Double> cpu;
        Map<String, Double> gpus = new LinkedHashMap<>();
        synchronized (w) {
            for (DomainEnergy d : m.domains()) {
                long nanos = w.domainNanos.getOrDefault(d.domain().id(), m.durationNanos());
                if (nanos > 0) {
                    watts.put(d.domain().id(), d.joules() / (nanos / 1e9));
                }
            }
            cpu = w.mean(CPU_UTILISATION_COLUMN);
            w.sums.keySet().forEach(col -> {
                Matcher g = GPU_UTILISATION.matcher(col);
                if (g.matches() && !notUsed.contains("gpu[" + g.group(1) + "]")) {
                    w.mean(col).ifPresent(v -> gpus.put("gpu[" + g.group(1) + "]", v));
                }
            });
        }
        Optional<Double> gpu = gpus.values().stream().max(Double::compare);
        List<String> reasons = new ArrayList<>();
        double seconds = m.durationSeconds();
        cpu.filter(u -> u > idleMaxCpuPct).ifPresent(u -> reasons.add(String.format(Locale.ROOT,
                "the CPUs were %.0f%% busy (machine-wide mean over the %.1f s baseline; idle means at most %.0f%%)",
                u, seconds, idleMaxCpuPct)));
        gpus.forEach((id, u) -> {
            if (u > idleMaxGpuPct) {
                reasons.add(String.format(Locale.ROOT, "%s was %.0f%% busy (mean utilisation over the baseline; idle "
                        + "means at most %.0f%%)", id, u, idleMaxGpuPct));
            }
        });
        m.throttle().filter(ThrottleSummary::flagged).ifPresent(t -> reasons.add(String.format(Locale.ROOT,
                "a device throttled during it (%s; thermal in %.0f%%, power in %.0f%% of samples)",
                String.join(", ", t.reasons()), 100 * t.thermalShare(), 100 * t.powerShare())));
        Optional<String> disturbed = reasons.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", reasons));
        disturbed.ifPresent(r -> LOG.warn("energy: the idle baseline was not taken at idle: {}", r));
        IdleBaseline b = new IdleBaseline(m.durationNanos(), watts, m, cpu, gpu, disturbed);
        baseline = Optional.of(b);
        return b;
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

    /** Exact reads of every meter, each domain with the instant it was read. */
    private Map<String, EnergyReading> read(List<String> notes) {
        Map<String, EnergyReading> values = new HashMap<>();
        for (EnergyMeter m : meters) {
            long before = clock.getAsLong();
            try {
                m.read(clock).forEach((id, r) -> {
                    if (owners.get(id) == m) {
                        values.put(id, r);
                    }
                });
            } catch (RuntimeException e) {
                notes.add("meter " + m.name() + " failed to read: " + e.getMessage());
            }
            checkGap(m, before);
        }
        return values;
    }

    /** The cheap readings of every meter for a time-series row. */
    private Map<String, Double> sampleAll(List<String> notes) {
        Map<String, Double> values = new HashMap<>();
        for (EnergyMeter m : meters) {
            try {
                m.sampleJoules().forEach((id, j) -> {
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

    /**
     * Records a read of {@code m} at {@code now}; when the gap since its previous read is longer than its counters
     * can take to wrap, notes in every open window that a wrap may have been missed.
     */
    private void checkGap(EnergyMeter m, long now) {
        Long wrap = wrapNanos.get(m);
        Long last = lastRead.put(m, now);
        if (wrap == null || last == null || now - last <= wrap) {
            return;
        }
        lateTicks.incrementAndGet();
        String note = String.format(Locale.ROOT, "meter %s was not read for %.1f s, longer than the %.1f s in which "
                + "its counters can wrap at their power bound: a counter wrap may have been missed", m.name(),
                (now - last) / 1e9, wrap / 1e9);
        LOG.warn("energy: {}", note);
        for (Window w : windows) {
            synchronized (w) {
                if (!w.closed) {
                    w.note(note);
                }
            }
        }
    }

    /**
     * One sampler tick, on the calling thread: polls every meter, and for the open windows records throttling,
     * telemetry and (for windows that keep a time series) a row. The sampler thread calls it every interval; a
     * monitor built {@link Builder#withoutSamplerThread() without one} is ticked by its owner.
     */
    public void sample() {
        long t0 = clock.getAsLong();
        long wall0 = System.nanoTime();
        long cpu0 = cpuTimeSupported ? threads.getCurrentThreadCpuTime() : 0;
        try {
            for (EnergyMeter m : meters) {
                long before = clock.getAsLong();
                try {
                    m.poll();
                } catch (RuntimeException e) {
                    LOG.debug("meter {} failed to poll", m.name(), e);
                }
                checkGap(m, before);
            }
            if (windows.isEmpty()) {
                return;
            }
            List<String> notes = new ArrayList<>();
            boolean series = windows.stream().anyMatch(w -> w.keepSeries);
            long before = clock.getAsLong();
            Map<String, Double> energy = series ? sampleAll(notes) : Map.of();
            long now = midpoint(before, clock.getAsLong());
            Map<String, Double> telemetry = new HashMap<>();
            List<ThrottleReason> throttle = new ArrayList<>();
            for (TelemetrySource s : sources) {
                try {
                    TelemetrySample sample = s.sample();
                    telemetry.putAll(sample.values());
                    // throttling of a device the workload does not use says nothing about the workload
                    sample.throttle().stream().filter(r -> !notUsed.contains(r.device())).forEach(throttle::add);
                } catch (RuntimeException e) {
                    LOG.debug("telemetry source {} failed", s.name(), e);
                }
            }
            for (Window w : windows) {
                synchronized (w) {
                    if (w.closed) {
                        continue;
                    }
                    notes.forEach(w::note);
                    w.addRow(now, energy, telemetry, throttle, domains, telemetryColumns, true);
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("sampler tick failed", e);
        } finally {
            ticks.incrementAndGet();
            long spent = cpuTimeSupported ? threads.getCurrentThreadCpuTime() - cpu0 : System.nanoTime() - wall0;
            tickCpuNanos.addAndGet(spent);
            maxTickNanos.accumulateAndGet(System.nanoTime() - wall0, Math::max);
            if (t0 > clock.getAsLong()) {
                LOG.debug("the monitor's clock went backwards");
            }
        }
    }

    private static Map<String, Double> joules(Map<String, EnergyReading> readings) {
        Map<String, Double> out = new HashMap<>();
        readings.forEach((id, r) -> out.put(id, r.joules()));
        return out;
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
        if (sampler != null) {
            sampler.shutdownNow();
            try {
                sampler.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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
    private final class Window {
        final String name;
        final long startNanos;
        final Map<String, EnergyReading> start;
        final Map<String, Double> startJoules;
        final List<String> notes;
        final boolean keepSeries;
        final List<double[]> rows = new ArrayList<>();
        final ThrottleCounter throttle = new ThrottleCounter();
        final Map<String, double[]> sums = new LinkedHashMap<>();
        final Map<String, Long> domainNanos = new HashMap<>();
        Map<String, Double> previous;
        long previousNanos;
        boolean closed;
        TimeSeries series;

        Window(String name, long startNanos, Map<String, EnergyReading> start, List<String> notes, boolean keepSeries) {
            this.name = name;
            this.startNanos = startNanos;
            this.start = start;
            this.startJoules = joules(start);
            this.notes = new ArrayList<>(notes);
            this.keepSeries = keepSeries;
            this.previous = startJoules;
            this.previousNanos = startNanos;
        }

        boolean monitor(EnergyMonitor m) {
            return m == EnergyMonitor.this;
        }

        void note(String n) {
            if (!notes.contains(n)) {
                notes.add(n);
            }
        }

        /** The mean of a telemetry column's samples over the window, when it was sampled. */
        Optional<Double> mean(String column) {
            double[] s = sums.get(column);
            return s == null || s[1] == 0 ? Optional.empty() : Optional.of(s[0] / s[1]);
        }

        /** Adds a row; {@code sampled}: a sampler tick, whose throttle reasons and telemetry count (the end row not). */
        void addRow(long now, Map<String, Double> energy, Map<String, Double> telemetry, List<ThrottleReason> throttle,
                List<EnergyDomain> domains, List<String> telemetryColumns, boolean sampled) {
            if (sampled) {
                this.throttle.add(throttle);
                telemetry.forEach((k, v) -> {
                    if (Double.isFinite(v) && (k.equals(CPU_UTILISATION_COLUMN) || GPU_UTILISATION.matcher(k).matches())) {
                        double[] s = sums.computeIfAbsent(k, x -> new double[2]);
                        s[0] += v;
                        s[1]++;
                    }
                });
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
                Double a = startJoules.get(id);
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
