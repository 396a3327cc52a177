package dev.lem.energy.internal;

import dev.lem.spi.Availability;
import dev.lem.spi.EnergyMeter;
import dev.lem.spi.EnergyMeterProvider;
import dev.lem.spi.MeterContext;
import dev.lem.spi.PluginUnavailableException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code rapl} energy meter: CPU package and DRAM energy counters of Intel and AMD CPUs from the
 * Linux powercap tree ({@code energy.rapl_root}, default {@code /sys/class/powercap}). Measured,
 * machine-wide: several processes on one host count it once (see {@link dev.lem.energy.DomainScope}).
 */
public final class RaplMeterProvider implements EnergyMeterProvider {
    /** Where Linux exposes the powercap tree. */
    public static final Path DEFAULT_ROOT = Path.of("/sys/class/powercap");

    public RaplMeterProvider() {
        // no probing here: see availability()
    }

    @Override
    public String name() {
        return RaplTree.METER;
    }

    @Override
    public Set<String> aliases() {
        return Set.of("intel-rapl", "powercap");
    }

    @Override
    public String description() {
        return "CPU package and DRAM energy counters (Intel/AMD RAPL via Linux powercap), measured";
    }

    @Override
    public int priority() {
        return 100;
    }

    /** Probes the default root, {@code /sys/class/powercap} (what {@code lem plugins} shows). */
    @Override
    public Availability availability() {
        return availability(DEFAULT_ROOT);
    }

    /** Probes the configured root, {@code energy.rapl_root}. */
    @Override
    public Availability availability(MeterContext context) {
        return availability(Path.of(context.energy().raplRoot()));
    }

    /** Whether RAPL can be read under {@code root}, and if not, why and how to fix it. */
    public static Availability availability(Path root) {
        String os = System.getProperty("os.name", "");
        if (!os.toLowerCase(Locale.ROOT).contains("linux")) {
            return Availability.unavailable("RAPL is read from the Linux powercap tree; this is " + os);
        }
        return RaplTree.scan(root).whyUnusable().map(Availability::unavailable).orElse(Availability.ok());
    }

    @Override
    public EnergyMeter open(MeterContext context) {
        Path root = Path.of(context.energy().raplRoot());
        RaplTree tree = RaplTree.scan(root);
        String why = tree.whyUnusable().orElse(null);
        if (why != null) {
            throw new PluginUnavailableException(why);
        }
        return new RaplMeter(tree, System::nanoTime);
    }

    /**
     * True when RAPL under the configured root measures {@code kind} ({@code cpu} or {@code dram}), and the
     * configuration does not exclude the {@code rapl} meter: estimates for that kind then stand aside.
     */
    static boolean measures(MeterContext context, String... kinds) {
        var wanted = context.energy().meters();
        if (!wanted.isEmpty() && wanted.stream().noneMatch(w -> w.equalsIgnoreCase(RaplTree.METER)
                || w.equalsIgnoreCase("intel-rapl") || w.equalsIgnoreCase("powercap")
                || w.equals(RaplMeterProvider.class.getName()))) {
            return false;
        }
        RaplTree tree = RaplTree.scan(Path.of(context.energy().raplRoot()));
        for (String k : kinds) {
            if (tree.covers(k)) {
                return true;
            }
        }
        return false;
    }
}
