package dev.lem.examples;

import dev.lem.spi.PluginStatus;
import dev.lem.energy.DomainEnergy;
import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.EnergyMeters;
import dev.lem.energy.EnergyMonitor;
import dev.lem.energy.EnergyWindow;
import dev.lem.energy.Measured;
import java.util.Locale;

/**
 * Energy of any piece of code, outside an experiment: measurement windows over every meter that can run
 * here (RAPL, NVML, or labelled estimates), nested windows allowed; {@code measure(name, code)} for a call,
 * try-with-resources for a block.
 *
 * <pre>
 * java -cp "lem-examples/target/classes:lem-cli/target/lem-cli.jar" dev.lem.examples.MeasureYourOwnCode
 * </pre>
 */
public final class MeasureYourOwnCode {
    private MeasureYourOwnCode() {
    }

    /**
     * Measures the example code and prints the energy of each window.
     *
     * @param args not used
     * @throws InterruptedException when interrupted while the measured code sleeps
     */
    public static void main(String[] args) throws InterruptedException {
        try (EnergyMonitor meters = EnergyMeters.openAvailable()) {
            for (PluginStatus p : meters.plugins()) {
                System.out.println((p.used() ? "using " : "not using ") + p.kind() + " " + p.name()
                        + (p.used() ? "" : ": " + p.reason()));
            }
            meters.measureIdle(java.time.Duration.ofSeconds(1));
            try (EnergyWindow whole = meters.window("whole")) {
                Measured<double[]> sorted = meters.measure("sort", () -> {
                    double[] data = new java.util.Random(1).doubles(20_000_000).toArray();
                    java.util.Arrays.sort(data);
                    return data;
                });
                print(sorted.energy());
                EnergyWindow sleep = meters.window("sleep");
                Thread.sleep(500);
                print(sleep.stop());
                print(whole.stop());
            }
        }
    }

    private static void print(EnergyMeasurement m) {
        System.out.printf(Locale.ROOT, "%s: %.3f s%n", m.window(), m.durationSeconds());
        for (DomainEnergy d : m.domains()) {
            System.out.printf(Locale.ROOT, "  %-16s %-10s %8.3f J raw, %s%n", d.domain().id(), d.domain().method().label(),
                    d.joules(), d.adjustedJoules().map(a -> String.format(Locale.ROOT, "%.3f J above idle", a))
                            .orElse("no baseline"));
        }
        m.notes().forEach(n -> System.out.println("  note: " + n));
    }
}
