package dev.lem.examples;

import dev.lem.PluginStatus;
import dev.lem.energy.DomainEnergy;
import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.EnergyMeters;
import dev.lem.energy.EnergyMonitor;
import java.util.Locale;

/**
 * Energy of any piece of code, outside an experiment: named measurement windows over every meter that
 * can run here (RAPL, NVML, or labelled estimates), nested windows allowed.
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
        EnergyMeters.Opened opened = EnergyMeters.openAvailable();
        for (PluginStatus p : opened.plugins()) {
            System.out.println((p.used() ? "using " : "not using ") + p.kind() + " " + p.name()
                    + (p.used() ? "" : ": " + p.reason()));
        }
        try (EnergyMonitor monitor = opened.start()) {
            monitor.measureIdle(java.time.Duration.ofSeconds(1));
            monitor.begin("whole");
            monitor.begin("sort");
            double[] data = new java.util.Random(1).doubles(20_000_000).toArray();
            java.util.Arrays.sort(data);
            print(monitor.end("sort"));
            monitor.begin("sleep");
            Thread.sleep(500);
            print(monitor.end("sleep"));
            print(monitor.end("whole"));
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
