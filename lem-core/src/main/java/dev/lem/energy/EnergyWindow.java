package dev.lem.energy;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * One open measurement window of an {@link EnergyMonitor}: the energy per domain from its opening to
 * {@link #stop()} (or {@link #close()}, so try-with-resources measures a block). Stopping twice returns the
 * same measurement. Thread-safe.
 */
public final class EnergyWindow implements AutoCloseable {
    private final String name;
    private final Supplier<EnergyMeasurement> closer;
    private final Supplier<@Nullable TimeSeries> series;
    private final Object handle;
    private volatile @Nullable EnergyMeasurement measurement;

    EnergyWindow(String name, Supplier<EnergyMeasurement> closer, Supplier<@Nullable TimeSeries> series,
            Object handle) {
        this.name = Objects.requireNonNull(name, "name");
        this.closer = closer;
        this.series = series;
        this.handle = handle;
    }

    /** The monitor's state behind this window. */
    Object handle() {
        return handle;
    }

    /** The window's name (a label; several windows may share one). */
    public String name() {
        return name;
    }

    /** Ends the window (the first call) and returns its energy per domain, each with its method. */
    public synchronized EnergyMeasurement stop() {
        EnergyMeasurement m = measurement;
        if (m == null) {
            m = closer.get();
            measurement = m;
        }
        return m;
    }

    /** The energy, once the window is stopped. */
    public Optional<EnergyMeasurement> measurement() {
        return Optional.ofNullable(measurement);
    }

    /** Whether the window still measures. */
    public boolean isOpen() {
        return measurement == null;
    }

    /**
     * The sampler's rows over the window, once stopped, when it was opened with
     * {@link EnergyMonitor#windowWithTimeSeries}; empty otherwise.
     */
    public Optional<TimeSeries> timeSeries() {
        return measurement == null ? Optional.empty() : Optional.ofNullable(series.get());
    }

    /** Stops the window if it is still open. */
    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        EnergyMeasurement m = measurement;
        return m == null ? "EnergyWindow " + name + " (open)" : m.toString();
    }
}
