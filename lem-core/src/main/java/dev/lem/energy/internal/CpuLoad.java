package dev.lem.energy.internal;

import dev.lem.env.SysFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * How busy the CPUs were since the previous read: the machine-wide utilisation and the activity of its cores
 * ({@link CpuTopology#activity}), which drives {@link CpuPowerModel}. Implementations need not be thread-safe.
 */
interface CpuLoad {

    /**
     * The load since the previous read.
     *
     * @param utilisation the machine's busy share of all logical CPUs, 0..1
     * @param activity    the cores' activity, 0..1: busy cores (a core is busy when any of its threads is) × their
     *                    clock's share of the highest
     */
    record Load(double utilisation, double activity) {
    }

    /** The load since the previous read; empty when nothing can be read or no time passed. */
    Optional<Load> read();

    /** What is measured, for the notes. */
    String description();

    /** Machine-wide CPU times only (no per-CPU view): activity = utilisation. */
    static CpuLoad machine(CpuTimes.Source source) {
        return new CpuLoad() {
            private Optional<CpuTimes> previous = source.read();

            @Override
            public Optional<Load> read() {
                Optional<CpuTimes> now = source.read();
                if (now.isEmpty()) {
                    return Optional.empty();
                }
                Optional<Double> u = previous.flatMap(now.get()::utilisationSince);
                if (u.isPresent() || previous.isEmpty()) {
                    previous = now;
                }
                return u.map(x -> new Load(x, x));
            }

            @Override
            public String description() {
                return source.description() + "; no per-core view, so activity = utilisation";
            }
        };
    }

    /**
     * Per logical CPU from {@code /proc/stat}'s {@code cpu<N>} lines, grouped into cores by {@link CpuTopology}, with
     * each CPU's clock ({@code scaling_cur_freq} ÷ {@code cpuinfo_max_freq}, read at most every
     * {@value #FREQUENCY_GAP_NANOS} ns) where cpufreq is visible.
     */
    final class PerCpu implements CpuLoad {
        static final long FREQUENCY_GAP_NANOS = 1_000_000_000L;
        private final Path procStat;
        private final Path sysCpu;
        private final CpuTopology topology;
        private final LongSupplier clock;
        private final double[] maxKhz;
        private final boolean clocks;
        private long[][] previous;
        private double[] ratio;
        private long ratioAt = Long.MIN_VALUE;

        PerCpu(Path procStat, Path sysCpu, CpuTopology topology, LongSupplier clock) {
            this.procStat = procStat;
            this.sysCpu = sysCpu;
            this.topology = topology;
            this.clock = clock;
            this.maxKhz = new double[topology.cpus()];
            boolean all = topology.cpus() > 0;
            for (int i = 0; i < maxKhz.length; i++) {
                var m = SysFiles.tryLong(sysCpu.resolve("cpu" + i).resolve("cpufreq/cpuinfo_max_freq"));
                maxKhz[i] = m.isPresent() ? m.getAsLong() : Double.NaN;
                all &= m.isPresent() && m.getAsLong() > 0;
            }
            this.clocks = all;
            this.previous = times(procStat).orElse(null);
        }

        /** True when the per-CPU lines of {@code /proc/stat} can be read. */
        boolean readable() {
            return previous != null && previous[0].length == topology.cpus();
        }

        /** True when every CPU's clock is visible (cpufreq); false in most virtual machines. */
        boolean clocksVisible() {
            return clocks;
        }

        @Override
        public Optional<Load> read() {
            Optional<long[][]> now = times(procStat);
            if (now.isEmpty() || previous == null || now.get()[0].length != previous[0].length) {
                now.ifPresent(n -> previous = n);
                return Optional.empty();
            }
            long[] busy = now.get()[0];
            long[] total = now.get()[1];
            int n = busy.length;
            double[] u = new double[n];
            long busySum = 0;
            long totalSum = 0;
            for (int i = 0; i < n; i++) {
                long db = busy[i] - previous[0][i];
                long dt = total[i] - previous[1][i];
                u[i] = dt > 0 ? Math.max(0, Math.min(1, (double) db / dt)) : 0;
                busySum += Math.max(0, db);
                totalSum += Math.max(0, dt);
            }
            if (totalSum <= 0) {
                return Optional.empty();
            }
            previous = now.get();
            return Optional.of(new Load((double) busySum / totalSum, topology.activity(u, ratios())));
        }

        private Optional<double[]> ratios() {
            if (!clocks) {
                return Optional.empty();
            }
            long t = clock.getAsLong();
            if (ratio == null || t - ratioAt >= FREQUENCY_GAP_NANOS) {
                double[] r = new double[maxKhz.length];
                for (int i = 0; i < r.length; i++) {
                    var cur = SysFiles.tryLong(sysCpu.resolve("cpu" + i).resolve("cpufreq/scaling_cur_freq"));
                    r[i] = cur.isPresent() ? Math.min(1, cur.getAsLong() / maxKhz[i]) : Double.NaN;
                }
                ratio = r;
                ratioAt = t;
            }
            return Optional.of(ratio);
        }

        @Override
        public String description() {
            return "per-CPU utilisation from " + procStat + " on " + topology.description() + "; "
                    + (clocks ? "clocks from cpufreq (scaling_cur_freq / cpuinfo_max_freq)"
                            : "clocks not visible (no cpufreq, as in most virtual machines): busy cores counted at "
                                    + "full clock");
        }

        /** {@code [busy[], total[]]} per logical CPU from the {@code cpu<N>} lines. */
        static Optional<long[][]> times(Path procStat) {
            List<String> lines;
            try {
                lines = Files.readAllLines(procStat);
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
            return parse(lines);
        }

        static Optional<long[][]> parse(List<String> lines) {
            List<long[]> rows = new ArrayList<>();
            for (String line : lines) {
                if (line.length() < 4 || !line.startsWith("cpu") || !Character.isDigit(line.charAt(3))) {
                    continue;
                }
                String[] f = line.trim().split("\\s+");
                if (f.length < 5) {
                    return Optional.empty();
                }
                int cpu = Integer.parseInt(f[0].substring(3));
                long[] v = new long[8];
                for (int k = 0; k < 8 && k + 1 < f.length; k++) {
                    v[k] = Long.parseLong(f[k + 1]);
                }
                long b = v[0] + v[1] + v[2] + v[5] + v[6];
                while (rows.size() <= cpu) {
                    rows.add(null);
                }
                rows.set(cpu, new long[] {b, b + v[3] + v[4] + v[7]});
            }
            if (rows.isEmpty() || rows.contains(null)) {
                return Optional.empty();
            }
            long[][] out = new long[2][rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                out[0][i] = rows.get(i)[0];
                out[1][i] = rows.get(i)[1];
            }
            return Optional.of(out);
        }
    }
}
