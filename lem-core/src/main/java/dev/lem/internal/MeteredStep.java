package dev.lem.internal;

import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.EnergyMonitor;
import dev.lem.energy.EnergyWindow;
import dev.lem.result.PhaseMeasurement;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** A step outside the cycles (model load, warm-up, unload), timed and — with meters — metered in its own window. */
final class MeteredStep {
    private MeteredStep() {
    }

    /** Work that may be interrupted. */
    interface Work<T> {
        T run() throws InterruptedException;
    }

    /**
     * A step's value and its measurement.
     *
     * @param value       what the work returned
     * @param measurement its time and, when metered, energy
     */
    record Result<T>(T value, PhaseMeasurement measurement) {
    }

    /** Runs {@code work} in a window named {@code name} (when the monitor has domains). */
    static <T> Result<T> run(@Nullable EnergyMonitor monitor, String name, Work<T> work) throws InterruptedException {
        boolean metered = monitor != null && !monitor.domains().isEmpty();
        EnergyWindow window = metered ? monitor.window(name) : null;
        long t0 = System.nanoTime();
        T value;
        try {
            value = work.run();
        } finally {
            if (window != null) {
                window.close();
            }
        }
        long t1 = System.nanoTime();
        Optional<EnergyMeasurement> energy = window == null ? Optional.empty() : window.measurement();
        return new Result<>(value, new PhaseMeasurement(t1 - t0, energy));
    }
}
