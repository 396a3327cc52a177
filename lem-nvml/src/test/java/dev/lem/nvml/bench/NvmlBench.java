package dev.lem.nvml.bench;

import dev.lem.config.ExperimentConfig;
import dev.lem.nvml.NvmlEnergyMeterProvider;
import dev.lem.nvml.internal.Nvml;
import dev.lem.nvml.internal.NvmlDevice;
import dev.lem.nvml.internal.NvmlEnergyMeter;
import dev.lem.nvml.internal.NvmlSession;
import dev.lem.nvml.internal.NvmlTelemetrySource;
import dev.lem.spi.MeterContext;
import dev.lem.spi.TelemetrySample;
import dev.lem.spi.ThrottleReason;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.stream.Collectors;

/**
 * Benchmark main for a machine with an NVIDIA GPU (not a unit test): samples gpu[0] through the
 * {@code nvml} meter and telemetry source every 100 ms, writes a CSV for comparison with
 * {@code nvidia-smi}, probes how often the energy counter and power reading change, and prints the
 * cost of one NVML read as a table.
 *
 * <pre>
 * java -cp ... dev.lem.nvml.bench.NvmlBench --seconds 30 --probe-at 12 --csv samples.csv
 * </pre>
 */
public final class NvmlBench {
    private NvmlBench() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = Double.parseDouble(arg(args, "--seconds", "30"));
        double probeAt = Double.parseDouble(arg(args, "--probe-at", "-1"));
        int iterations = Integer.parseInt(arg(args, "--iterations", "20000"));
        Path csv = Path.of(arg(args, "--csv", "nvml_samples.csv"));
        System.out.println("availability: " + new NvmlEnergyMeterProvider().availability());
        MeterContext ctx = new MeterContext(ExperimentConfig.defaults().energy(), System.getenv(), 0);
        try (NvmlEnergyMeter meter = NvmlEnergyMeter.open(ctx, System::nanoTime);
                NvmlTelemetrySource telemetry = NvmlTelemetrySource.open(ctx);
                NvmlSession raw = Nvml.open()) {
            System.out.println("domains: " + meter.domains());
            meter.notes().forEach((k, v) -> System.out.println("  note " + k + " = " + v));
            telemetry.environment().entrySet().stream().filter(e -> e.getKey().contains("telemetry"))
                    .forEach(e -> System.out.println("  env " + e.getKey() + " = " + e.getValue()));
            NvmlDevice gpu = raw.device(0);
            sample(meter, telemetry, gpu, seconds, probeAt, csv);
            readCost(meter, telemetry, gpu, iterations);
        }
    }

    private static void sample(NvmlEnergyMeter meter, NvmlTelemetrySource telemetry, NvmlDevice gpu, double seconds,
            double probeAt, Path csv) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long next = start;
        boolean probed = probeAt < 0;
        List<double[]> rows = new ArrayList<>(); // t_s, power_w, meter energy J, 1 when the probe ran just before
        boolean afterProbe = false;
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(csv))) {
            out.println("epoch_ms,t_s,meter_energy_j,raw_counter_j,power_w,power_instant_w,temperature_c,sm_clock_mhz,"
                    + "utilization_gpu_pct,clock_event_reasons,throttle");
            while (true) {
                long now = System.nanoTime();
                double t = (now - start) / 1e9;
                if (t > seconds) {
                    break;
                }
                if (!probed && t >= probeAt) {
                    probed = true;
                    changePeriod("energy counter", gpu::totalEnergyJoules, 2.0);
                    changePeriod("power reading", gpu::powerWatts, 2.0);
                    next = System.nanoTime();
                    afterProbe = true;
                    continue;
                }
                // wall-clock time only to line rows up with nvidia-smi's timestamps, never for durations
                long epochMs = System.currentTimeMillis();
                meter.poll();
                Double e = meter.cumulativeJoules().get("gpu[0]");
                TelemetrySample s = telemetry.sample();
                Map<String, Double> v = s.values();
                double rawJ = gpu.totalEnergyJoules();
                double energy = e == null ? Double.NaN : e;
                rows.add(new double[] {t, v.getOrDefault("gpu0.power_w", Double.NaN), energy, afterProbe ? 1 : 0});
                afterProbe = false;
                out.printf(Locale.ROOT, "%d,%.4f,%.3f,%.3f,%.3f,%.3f,%.0f,%.0f,%.0f,%.0f,%s%n", epochMs, t, energy, rawJ,
                        v.getOrDefault("gpu0.power_w", Double.NaN), v.getOrDefault("gpu0.power_instant_w", Double.NaN),
                        v.getOrDefault("gpu0.temperature_c", Double.NaN),
                        v.getOrDefault("gpu0.sm_clock_mhz", Double.NaN),
                        v.getOrDefault("gpu0.utilization_gpu_pct", Double.NaN),
                        v.getOrDefault("gpu0.clock_event_reasons", Double.NaN),
                        s.throttle().stream().map(ThrottleReason::reason).collect(Collectors.joining("|")));
                next += 100_000_000L;
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                    Thread.sleep(sleep / 1_000_000L, (int) (sleep % 1_000_000L));
                }
            }
        }
        // both figures over the same sample pairs, leaving out the pair that spans the probe
        double trapezoid = 0;
        double counter = 0;
        double span = 0;
        for (int i = 1; i < rows.size(); i++) {
            double[] a = rows.get(i - 1);
            double[] b = rows.get(i);
            if (b[3] == 0) {
                trapezoid += (a[1] + b[1]) / 2 * (b[0] - a[0]);
                counter += b[2] - a[2];
                span += b[0] - a[0];
            }
        }
        System.out.printf(Locale.ROOT, "%nsamples: %d covering %.2f s (probe excluded)%n", rows.size(), span);
        System.out.printf(Locale.ROOT, "energy, meter (counter, measured):   %.3f J%n", counter);
        System.out.printf(Locale.ROOT, "energy, power x 100 ms trapezoid:    %.3f J (%+.2f %%)%n", trapezoid,
                100 * (trapezoid - counter) / counter);
    }

    /** Reads {@code read} every ~0.5 ms for {@code seconds} and reports how often its value changes. */
    private static void changePeriod(String what, DoubleSupplier read, double seconds) {
        long start = System.nanoTime();
        double last = read.getAsDouble();
        long lastChange = -1;
        List<Double> periods = new ArrayList<>();
        int reads = 0;
        long readNanos = 0;
        while (System.nanoTime() - start < seconds * 1e9) {
            long t0 = System.nanoTime();
            double v = read.getAsDouble();
            long t1 = System.nanoTime();
            readNanos += t1 - t0;
            reads++;
            if (v != last) {
                if (lastChange >= 0) {
                    periods.add((t1 - lastChange) / 1e6);
                }
                lastChange = t1;
                last = v;
            }
            long until = t1 + 500_000L;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }
        double[] p = periods.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "%s under load: %d reads (mean %.1f us), %d changes, change period ms: "
                + "min %.1f median %.1f max %.1f%n", what, reads, readNanos / 1e3 / reads, p.length,
                p.length == 0 ? Double.NaN : p[0], p.length == 0 ? Double.NaN : p[p.length / 2],
                p.length == 0 ? Double.NaN : p[p.length - 1]);
    }

    private static void readCost(NvmlEnergyMeter meter, NvmlTelemetrySource telemetry, NvmlDevice gpu,
            int iterations) {
        System.out.printf(Locale.ROOT, "%nNVML read cost (up to %d timed calls or ~3 s per read, after warm-up)%n",
                iterations);
        System.out.printf(Locale.ROOT, "%-44s %7s %9s %9s %9s %9s%n", "read", "calls", "mean_us", "p50_us", "p99_us",
                "max_us");
        time("nvmlDeviceGetTotalEnergyConsumption", iterations, gpu::totalEnergyJoules);
        time("nvmlDeviceGetPowerUsage", iterations, gpu::powerWatts);
        time("nvmlDeviceGetFieldValues(POWER_INSTANT)", iterations, gpu::powerInstantWatts);
        time("nvmlDeviceGetTemperature", iterations, gpu::temperatureCelsius);
        time("nvmlDeviceGetCurrentClocksEventReasons", iterations, () -> gpu.clockEventReasons());
        time("meter.cumulativeJoules() (1 GPU)", iterations, () -> meter.cumulativeJoules().size());
        time("telemetry.sample() (10 readings, 1 GPU)", iterations / 4, () -> telemetry.sample().values().size());
    }

    /** Times up to {@code max} calls (fewer when they take more than ~3 s in all) after a quarter as many warm-ups. */
    private static void time(String name, int max, DoubleSupplier read) {
        double sink = 0;
        long budget = System.nanoTime() + 1_000_000_000L;
        for (int i = 0; i < max / 4 && System.nanoTime() < budget; i++) {
            sink += read.getAsDouble();
        }
        long[] all = new long[max];
        int n = 0;
        budget = System.nanoTime() + 3_000_000_000L;
        while (n < max && (n < 200 || System.nanoTime() < budget)) {
            long t0 = System.nanoTime();
            sink += read.getAsDouble();
            all[n++] = System.nanoTime() - t0;
        }
        long[] ns = Arrays.copyOf(all, n);
        Arrays.sort(ns);
        double mean = Arrays.stream(ns).average().orElse(Double.NaN) / 1e3;
        System.out.printf(Locale.ROOT, "%-44s %7d %9.2f %9.2f %9.2f %9.2f%s%n", name, n, mean, ns[n / 2] / 1e3,
                ns[(int) (n * 0.99)] / 1e3, ns[n - 1] / 1e3, Double.isNaN(sink) ? " (NaN)" : "");
    }

    private static String arg(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
