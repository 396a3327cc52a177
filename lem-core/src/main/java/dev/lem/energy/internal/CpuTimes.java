package dev.lem.energy.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Cumulative CPU time: busy and total, in one unit per source (clock ticks, nanoseconds). Utilisation over
 * an interval is {@code Δbusy / Δtotal}.
 *
 * @param busy  time the CPUs spent running work
 * @param total busy plus idle time (and time stolen by a hypervisor)
 */
record CpuTimes(long busy, long total) {

    /** Utilisation 0..1 between an earlier reading and this one; empty when no time passed. */
    Optional<Double> utilisationSince(CpuTimes earlier) {
        long dt = total - earlier.total;
        if (dt <= 0) {
            return Optional.empty();
        }
        return Optional.of(Math.max(0, Math.min(1, (double) (busy - earlier.busy) / dt)));
    }

    /** Where cumulative CPU times come from. Implementations need not be thread-safe. */
    interface Source {
        /** The times now, or empty when they cannot be read. */
        Optional<CpuTimes> read();

        /** What is measured, for the result's notes. */
        String description();
    }

    /**
     * Machine-wide times from the first line of {@code /proc/stat}: busy = user + nice + system + irq +
     * softirq; total = busy + idle + iowait + steal (guest time is already inside user).
     */
    static final class ProcStat implements Source {
        private final Path file;
        private final byte[] buf = new byte[512];

        ProcStat(Path file) {
            this.file = file;
        }

        @Override
        public Optional<CpuTimes> read() {
            int n;
            try (InputStream in = Files.newInputStream(file)) {
                n = in.readNBytes(buf, 0, buf.length);
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
            return parse(buf, n);
        }

        /** Parses {@code cpu  user nice system idle iowait irq softirq steal ...}. */
        static Optional<CpuTimes> parse(byte[] b, int n) {
            if (n < 4 || b[0] != 'c' || b[1] != 'p' || b[2] != 'u' || b[3] != ' ') {
                return Optional.empty();
            }
            long[] f = new long[8];
            int field = -1;
            boolean inNumber = false;
            for (int i = 3; i < n && b[i] != '\n'; i++) {
                byte c = b[i];
                if (c >= '0' && c <= '9') {
                    if (!inNumber) {
                        field++;
                        inNumber = true;
                        if (field >= f.length) {
                            break;
                        }
                    }
                    f[field] = f[field] * 10 + (c - '0');
                } else {
                    inNumber = false;
                }
            }
            if (field < 3) {
                return Optional.empty();
            }
            long busy = f[0] + f[1] + f[2] + f[5] + f[6];
            return Optional.of(new CpuTimes(busy, busy + f[3] + f[4] + f[7]));
        }

        @Override
        public String description() {
            return "machine-wide utilisation from " + file;
        }
    }

    /**
     * This JVM's CPU time (nanoseconds) against wall time × available processors: a lower bound of the
     * machine's utilisation, used where {@code /proc/stat} cannot be read (macOS, Windows).
     */
    static final class ThisProcess implements Source {
        private final LongSupplier clock;
        private final int cpus;

        ThisProcess(LongSupplier clock) {
            this.clock = clock;
            this.cpus = Runtime.getRuntime().availableProcessors();
        }

        @Override
        public Optional<CpuTimes> read() {
            if (!(ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)) {
                return Optional.empty();
            }
            long cpu = os.getProcessCpuTime();
            return cpu < 0 ? Optional.empty() : Optional.of(new CpuTimes(cpu, clock.getAsLong() * cpus));
        }

        @Override
        public String description() {
            return "this process's CPU time only (the machine's /proc/stat is not readable): other processes' "
                    + "load is not seen";
        }
    }
}
