package dev.lem.examples.bench;

import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.ValueSource;
import dev.lem.energy.EnergyMonitor;
import dev.lem.energy.EnergyWindow;
import dev.lem.energy.SamplerStats;
import dev.lem.spi.EnergyMeter;
import dev.lem.spi.EnergyMeterProvider;
import dev.lem.spi.MeterContext;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * What LEM's energy sampler costs: opens every energy meter available on this machine (as a run would),
 * times one read of each, then runs the sampler with one window open at each interval and reports the
 * CPU time of the sampler thread as a share of one core, and the whole JVM's CPU time over the same
 * period (everything else in this JVM is asleep; the "no sampler" row is the JVM's own housekeeping).
 * Target: under 0.5% of one core at 100 ms.
 *
 * <p>A first pass at a 2 ms interval warms the JIT up (a real run's sampler reaches the same state
 * during the idle baseline and warm-up); its cost is printed too, as "cold".
 *
 * <pre>
 * ./mvnw -q -pl lem-examples -am package -DskipTests
 * java -cp "$(cat lem-examples/target/classpath.txt):lem-examples/target/classes" \
 *     dev.lem.examples.bench.SamplerOverhead --seconds 30 --intervals 100,10
 * </pre>
 * Options: {@code --seconds N} per interval (default 20), {@code --intervals a,b} in ms (default 100,10),
 * {@code --rapl-root PATH} (default /sys/class/powercap).
 */
public final class SamplerOverhead {
    private SamplerOverhead() {
    }

    /**
     * Runs the benchmark and prints its readings.
     *
     * @param args the options described in the class comment
     * @throws Exception when a meter or the benchmark fails
     */
    public static void main(String[] args) throws Exception {
        double seconds = 20;
        List<Integer> intervals = List.of(100, 10);
        String raplRoot = "/sys/class/powercap";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--intervals" -> intervals = java.util.Arrays.stream(args[i + 1].split(","))
                        .map(String::trim).map(Integer::valueOf).toList();
                case "--rapl-root" -> raplRoot = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (use --seconds, --intervals, --rapl-root)");
            }
        }
        ExperimentConfig config = ConfigResolver.withDefaults()
                .set("energy.rapl_root", raplRoot, ValueSource.OVERRIDE).resolve();
        System.out.printf(Locale.ROOT, "machine: %s, %d CPUs, load average %s; JVM %s%n",
                System.getProperty("os.name") + " " + System.getProperty("os.version"),
                Runtime.getRuntime().availableProcessors(), loadAverage(), System.getProperty("java.version"));
        System.out.println();
        System.out.printf("%-14s %-46s %14s%n", "meter", "domains", "read us (mean)");
        List<EnergyMeterProvider> providers = ServiceLoader.load(EnergyMeterProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> !p.artifact().endsWith("test-jar")).toList();
        MeterContext ctx = new MeterContext(config.energy(), System.getenv(), 0);
        List<String> opened = new ArrayList<>();
        for (EnergyMeterProvider p : providers) {
            try (EnergyMeter m = p.open(ctx)) {
                double us = readCostMicros(m);
                System.out.printf(Locale.ROOT, "%-14s %-46s %14.1f%n", m.name(),
                        m.domains().stream().map(d -> d.id() + "(" + d.method().label() + ")").toList(), us);
                opened.add(p.name());
            } catch (RuntimeException e) {
                System.out.printf("%-14s unavailable: %s%n", p.name(), e.getMessage());
            }
        }
        System.out.println();
        System.out.printf("%-12s %8s %6s %13s %12s %15s %15s%n", "interval", "seconds", "ticks", "mean tick us",
                "max tick us", "sampler % core", "JVM % core");
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        Thread.sleep((long) (Math.min(10, seconds) * 1000));
        System.out.printf(Locale.ROOT, "%-12s %8.0f %6s %13s %12s %15s %14.3f%%%n", "no sampler",
                Math.min(10, seconds), "-", "-", "-", "-", 100.0 * (processCpuNanos() - cpu0) / (System.nanoTime() - t0));
        run(providers, opened, ctx, 2, Math.min(5, seconds), "(cold)");
        for (int ms : intervals) {
            run(providers, opened, ctx, ms, seconds, "");
        }
    }

    private static void run(List<EnergyMeterProvider> providers, List<String> opened, MeterContext ctx, int ms,
            double seconds, String label) throws InterruptedException {
        List<EnergyMeter> meters = new ArrayList<>();
        for (EnergyMeterProvider p : providers) {
            if (opened.contains(p.name())) {
                meters.add(p.open(ctx));
            }
        }
        try (EnergyMonitor mon = EnergyMonitor.start(meters, List.of(), Duration.ofMillis(ms))) {
            EnergyWindow bench = mon.window("bench");
            long cpu0 = processCpuNanos();
            long t0 = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            double jvm = (processCpuNanos() - cpu0) / (double) (System.nanoTime() - t0);
            bench.stop();
            SamplerStats s = mon.samplerStats();
            System.out.printf(Locale.ROOT, "%5d ms %-6s %6.0f %6d %13.1f %12.1f %14.3f%% %14.3f%%%n", ms, label,
                    seconds, s.ticks(), s.meanTickNanos() / 1e3, s.maxTickNanos() / 1e3, 100 * s.shareOfOneCore(),
                    100 * jvm);
            if (!s.cpuTime()) {
                System.out.println("   (this JVM does not measure thread CPU time: wall time shown)");
            }
        }
    }

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }

    /** Mean wall time of one cumulativeJoules() after a warm-up, µs. */
    private static double readCostMicros(EnergyMeter m) {
        for (int i = 0; i < 500; i++) {
            m.cumulativeJoules();
        }
        int n = 2000;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            m.cumulativeJoules();
        }
        return (System.nanoTime() - t0) / 1e3 / n;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException | RuntimeException e) {
            return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }
}
