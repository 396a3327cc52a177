package dev.lem.junit.internal;

import dev.lem.energy.EnergyMeters;
import dev.lem.energy.EnergyMonitor;
import dev.lem.energy.IdleBaseline;
import dev.lem.spi.MeterContext;
import dev.lem.spi.PluginStatus;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The meters open for a test run (one set per distinct {@link Settings}), shared by every test that uses them and
 * closed when the run ends (JUnit closes what its root store holds).
 */
public final class Meters implements AutoCloseable {
    private final @Nullable EnergyMonitor monitor;
    private final List<PluginStatus> plugins;
    private final Optional<IdleBaseline> baseline;
    private final String notMeasured;

    private Meters(@Nullable EnergyMonitor monitor, List<PluginStatus> plugins, Optional<IdleBaseline> baseline) {
        this.monitor = monitor;
        this.plugins = List.copyOf(plugins);
        this.baseline = baseline;
        this.notMeasured = plugins.stream().filter(p -> p.kind().equals("energy_meter") && !p.used()
                        && !p.reason().equals("not listed in energy.meters"))
                .map(p -> p.name() + ": " + p.reason()).collect(Collectors.joining("; "));
    }

    /** Opens the meters the settings ask for, and measures the idle baseline when asked. */
    public static Meters open(Settings settings) {
        EnergyMeters.Opened o = EnergyMeters.open(new MeterContext(settings.config().energy(), System.getenv(), 0), true);
        if (o.meters().isEmpty()) {
            o.telemetry().forEach(t -> {
                try {
                    t.close();
                } catch (RuntimeException e) {
                    // closing what was opened; nothing to report
                }
            });
            return new Meters(null, o.plugins(), Optional.empty());
        }
        EnergyMonitor m = o.start();
        Optional<IdleBaseline> b = settings.baseline().map(m::measureIdle);
        return new Meters(m, o.plugins(), b);
    }

    /** The monitor, when any meter could open. */
    public Optional<EnergyMonitor> monitor() {
        return Optional.ofNullable(monitor);
    }

    /** Every meter considered, used or not. */
    public List<PluginStatus> plugins() {
        return plugins;
    }

    /** The idle baseline, when asked for. */
    public Optional<IdleBaseline> baseline() {
        return baseline;
    }

    /** Why the meters that could not run did not, one {@code name: reason} each, {@code ;}-separated. */
    public String notMeasured() {
        return notMeasured;
    }

    @Override
    public void close() {
        if (monitor != null) {
            monitor.close();
        }
    }
}
