package dev.lem.energy;

import dev.lem.spi.EnergyMeter;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named measurement windows over a set of energy meters, like a stopwatch per domain: {@link #begin}
 * and {@link #end} by name, nested and overlapping windows allowed. A sampler thread polls the meters
 * (counter wraps, power integration, utilisation estimates) and telemetry sources at a fixed interval
 * and records each window's time series.
 *
 * <pre>{@code
 * try (EnergyMonitor monitor = EnergyMonitor.start(meters, telemetry, Duration.ofMillis(100))) {
 *     monitor.measureIdle(Duration.ofSeconds(3));     // baseline for adjusted figures
 *     monitor.begin("cycle_0");
 *     runWorkload();
 *     EnergyMeasurement m = monitor.end("cycle_0");   // joules per domain, raw and adjusted
 * }
 * }</pre>
 *
 * <p><b>Thread safety:</b> all methods may be called from any thread.
 */
public final class EnergyMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EnergyMonitor.class);

    private final List<EnergyMeter> meters;
    private final List<TelemetrySource> sources;
    private final List<EnergyDomain> domains;
    private final List<String> telemetryColumns;
    private final Duration interval;
    private final ScheduledExecutorService sampler;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final Map<String, TimeSeries> finishedSeries = new ConcurrentHashMap<>();
    private final Map<String, Double> lastTick = new ConcurrentHashMap<>();
    private volatile long lastTickNanos;
    private volatile Optional<IdleBaseline> baseline = Optional.empty();

    private EnergyMonitor(List<EnergyMeter> meters, List<TelemetrySource> sources, Duration interval) {
        this.meters = List.copyOf(meters);
        this.sources = List.copyOf(sources);
        this.interval = interval;
        List<EnergyDomain> all = new ArrayList<>();
        meters.forEach(m -> all.addAll(m.domains()));
        this.domains = List.copyOf(all);
        Set<String> cols = new LinkedHashSet<>();
        sources.forEach(s -> cols.addAll(s.columns()));
        this.telemetryColumns = List.copyOf(cols);
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lem-energy-sampler");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts monitoring.
     *
     * @param meters   open energy meters (the monitor closes them)
     * @param sources  open telemetry sources (the monitor closes them)
     * @param interval sampler interval; shortened to every meter's {@link EnergyMeter#maxPollInterval()}
     */
    public static EnergyMonitor start(List<EnergyMeter> meters, List<TelemetrySource> sources, Duration interval) {
        Duration effective = interval;
        for (EnergyMeter m : meters) {
            Optional<Duration> max = m.maxPollInterval();
            if (max.isPresent() && max.get().compareTo(effective) < 0) {
                effective = max.get();
            }
        }
        EnergyMonitor monitor = new EnergyMonitor(meters, sources, effective);
        long nanos = Math.max(1_000_000L, effective.toNanos());
        monitor.sampler.scheduleAtFixedRate(monitor::tick, nanos, nanos, TimeUnit.NANOSECONDS);
        return monitor;
    }

    /** Every domain measured, in meter order. */
    public List<EnergyDomain> domains() {
        return domains;
    }

    /** The sampler interval in use. */
    public Duration interval() {
        return interval;
    }

    /** The idle baseline, once {@link #measureIdle} ran. */
    public Optional<IdleBaseline> baseline() {
        return baseline;
    }

    /** Opens a window; the name must not already be open. */
    public void begin(String name) {
        Window w = new Window(name, System.nanoTime(), read(new ArrayList<>()));
        if (windows.putIfAbsent(name, w) != null) {
            throw new IllegalStateException("measurement window \"" + name + "\" is already open");
        }
    }

    /** Closes a window and returns its energy per domain (adjusted by the baseline when one exists). */
    public EnergyMeasurement end(String name) {
        long endNanos = System.nanoTime();
        Window w = windows.remove(name);
        if (w == null) {
            throw new IllegalStateException("measurement window \"" + name + "\" was never begun (or already ended)");
        }
        List<String> notes = new ArrayList<>(w.notes);
        Map<String, Double> endValues = read(notes);
        long duration = endNanos - w.startNanos;
        List<DomainEnergy> result = new ArrayList<>();
        IdleBaseline idle = baseline.orElse(null);
        for (EnergyDomain d : domains) {
            Double a = w.start.get(d.id());
            Double b = endValues.get(d.id());
            if (a == null || b == null) {
                notes.add(d.id() + ": no reading at the " + (a == null ? "start" : "end")
                        + " of the window; its energy is not reported" + unavailableReason(d));
                continue;
            }
            double joules = b - a;
            Optional<Double> idleW = idle == null ? Optional.empty() : Optional.ofNullable(idle.watts().get(d.id()));
            Optional<Double> adjusted = idleW.map(wt -> joules - wt * duration / 1e9);
            result.add(new DomainEnergy(d, joules, idleW, adjusted, adjusted.map(x -> x < 0).orElse(false)));
        }
        synchronized (w) {
            finishedSeries.put(name, new TimeSeries(columns(), w.rows));
            return new EnergyMeasurement(name, duration, result,
                    sources.isEmpty() ? Optional.empty() : Optional.of(throttle(w)), notes);
        }
    }

    /** The time series of an ended window (removed from memory once taken); empty when none was recorded. */
    public Optional<TimeSeries> takeSeries(String name) {
        return Optional.ofNullable(finishedSeries.remove(name));
    }

    /**
     * Measures idle power for {@code duration} with nothing else running and keeps it as the
     * baseline for every later window.
     */
    public IdleBaseline measureIdle(Duration duration) throws InterruptedException {
        begin("idle_baseline");
        Thread.sleep(duration.toMillis());
        EnergyMeasurement m = end("idle_baseline");
        takeSeries("idle_baseline");
        Map<String, Double> watts = new LinkedHashMap<>();
        for (DomainEnergy d : m.domains()) {
            watts.put(d.domain().id(), d.joules() / m.durationSeconds());
        }
        IdleBaseline b = new IdleBaseline(m.durationNanos(), watts, m);
        baseline = Optional.of(b);
        return b;
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

    private List<String> columns() {
        List<String> cols = new ArrayList<>();
        cols.add("t_ms");
        for (EnergyDomain d : domains) {
            cols.add("energy_j." + d.id());
        }
        for (EnergyDomain d : domains) {
            cols.add("power_w." + d.id());
        }
        cols.addAll(telemetryColumns);
        return cols;
    }

    private Map<String, Double> read(List<String> notes) {
        Map<String, Double> values = new HashMap<>();
        for (EnergyMeter m : meters) {
            try {
                values.putAll(m.cumulativeJoules());
            } catch (RuntimeException e) {
                notes.add("meter " + m.name() + " failed to read: " + e.getMessage());
            }
        }
        return values;
    }

    private void tick() {
        try {
            for (EnergyMeter m : meters) {
                try {
                    m.poll();
                } catch (RuntimeException e) {
                    LOG.debug("meter {} failed to poll", m.name(), e);
                }
            }
            if (windows.isEmpty()) {
                return;
            }
            long now = System.nanoTime();
            Map<String, Double> energy = read(new ArrayList<>());
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
            double dt = lastTickNanos == 0 ? Double.NaN : (now - lastTickNanos) / 1e9;
            for (Window w : windows.values()) {
                double[] row = new double[1 + 2 * domains.size() + telemetryColumns.size()];
                row[0] = (now - w.startNanos) / 1e6;
                for (int i = 0; i < domains.size(); i++) {
                    String id = domains.get(i).id();
                    Double a = w.start.get(id);
                    Double b = energy.get(id);
                    Double prev = lastTick.get(id);
                    row[1 + i] = a == null || b == null ? Double.NaN : b - a;
                    row[1 + domains.size() + i] = prev == null || b == null ? Double.NaN : (b - prev) / dt;
                }
                for (int i = 0; i < telemetryColumns.size(); i++) {
                    row[1 + 2 * domains.size() + i] = telemetry.getOrDefault(telemetryColumns.get(i), Double.NaN);
                }
                synchronized (w) {
                    w.rows.add(row);
                    w.throttleSamples.add(List.copyOf(throttle));
                }
            }
            lastTick.putAll(energy);
            lastTickNanos = now;
        } catch (RuntimeException e) {
            LOG.debug("sampler tick failed", e);
        }
    }

    private static ThrottleSummary throttle(Window w) {
        int n = w.throttleSamples.size();
        if (n == 0) {
            return ThrottleSummary.none(0);
        }
        int thermal = 0;
        int power = 0;
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (List<ThrottleReason> sample : w.throttleSamples) {
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
            seen.forEach(s -> counts.merge(s, 1, Integer::sum));
        }
        Map<String, Double> shares = new LinkedHashMap<>();
        counts.forEach((k, c) -> shares.put(k, (double) c / n));
        return new ThrottleSummary(n, (double) thermal / n, (double) power / n, shares, thermal + power > 0);
    }

    /** Stops the sampler and closes every meter and source. */
    @Override
    public void close() {
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

    private static final class Window {
        final String name;
        final long startNanos;
        final Map<String, Double> start;
        final List<String> notes = new ArrayList<>();
        final List<double[]> rows = new ArrayList<>();
        final List<List<ThrottleReason>> throttleSamples = new ArrayList<>();

        Window(String name, long startNanos, Map<String, Double> start) {
            this.name = name;
            this.startNanos = startNanos;
            this.start = start;
        }
    }
}
