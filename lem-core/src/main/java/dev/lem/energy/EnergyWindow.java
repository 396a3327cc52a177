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

    /** {@return the window's name (a label; several windows may share one)} */
    public String name() {
        return name;
    }

    /**
     * Ends the window (the first call) and returns its energy per domain, each with its method.
     *
     * @return the energy, the same for every call
     */
    public synchronized EnergyMeasurement stop() {
        EnergyMeasurement m = measurement;
        if (m == null) {
            m = closer.get();
            measurement = m;
        }
        return m;
    }

    /** {@return the energy, once the window is stopped} */
    public Optional<EnergyMeasurement> measurement() {
        return Optional.ofNullable(measurement);
    }

    /** {@return whether the window still measures} */
    public boolean isOpen() {
        return measurement == null;
    }

    /**
     * The sampler's rows over the window, once stopped, when it was opened with
     * {@link EnergyMonitor#windowWithTimeSeries}; empty otherwise.
     *
     * @return the rows; empty while open or when not kept
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
