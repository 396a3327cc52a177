package dev.lem.backend.djl.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * PyTorch's intra-op threads when neither {@code options.threads} nor {@code OMP_NUM_THREADS} sets them: the cores
 * idle when the model is loaded, at least one. PyTorch's own default (one thread per core) collapses on a machine
 * whose cores are busy with other processes: its OpenMP threads (GNU libgomp in DJL's natives) spin-wait for each
 * other at every operation, and a decode step that needs all of them runs as slowly as the most delayed one (steps
 * of 79 ms to 3.2 s against 20 ms on the quiet two-core development VM, issue 18). The idle cores are measured from
 * {@code /proc/stat} over {@link #WINDOW_MS} ms (idle and iowait time of all CPUs over the time elapsed), capped by
 * the processors this JVM may use ({@code Runtime.availableProcessors()}, which honours CPU affinity and container
 * quotas).
 *
 * @param threads the intra-op threads chosen
 * @param basis   how they were chosen, for the results
 */
record ThreadChoice(int threads, String basis) {
    /** The sampling window, in milliseconds. */
    static final long WINDOW_MS = 250;

    /**
     * The choice for {@code available} processors of which {@code idleCores} were idle (a core count, possibly
     * fractional): the idle cores rounded to the nearest whole core, at least 1, at most {@code available}.
     */
    static ThreadChoice of(int available, double idleCores) {
        int t = (int) Math.max(1, Math.min(available, Math.round(idleCores)));
        return new ThreadChoice(t, String.format(Locale.ROOT, "chosen by LEM from the cores idle at load: %.2f of %d "
                + "available idle over %d ms (/proc/stat)", Math.max(0, idleCores), available, WINDOW_MS));
    }

    /**
     * Idle cores between two readings of {@code /proc/stat} (its lines): the aggregate {@code cpu} line's idle +
     * iowait time over its total, times the number of {@code cpuN} lines; empty when the text does not parse.
     */
    static Optional<Double> idleCores(List<String> before, List<String> after) {
        Optional<long[]> a = totals(before);
        Optional<long[]> b = totals(after);
        if (a.isEmpty() || b.isEmpty()) {
            return Optional.empty();
        }
        long total = b.get()[0] - a.get()[0];
        long idle = b.get()[1] - a.get()[1];
        long cpus = after.stream().filter(l -> l.matches("cpu\\d+ .*")).count();
        if (total <= 0 || cpus == 0 || idle < 0) {
            return Optional.empty();
        }
        return Optional.of((double) idle / total * cpus);
    }

    /** {total, idle + iowait} of the aggregate cpu line, in clock ticks. */
    private static Optional<long[]> totals(List<String> stat) {
        for (String line : stat) {
            if (line.startsWith("cpu ")) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 6) {
                    return Optional.empty();
                }
                try {
                    long total = 0;
                    // user nice system idle iowait irq softirq steal (guest time is already in user)
                    for (int i = 1; i < Math.min(f.length, 9); i++) {
                        total += Long.parseLong(f[i]);
                    }
                    return Optional.of(new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])});
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** Measures the idle cores now; empty where {@code /proc/stat} cannot be read (PyTorch's default then applies). */
    static Optional<ThreadChoice> measure() {
        Path stat = Path.of("/proc/stat");
        try {
            List<String> before = Files.readAllLines(stat);
            Thread.sleep(WINDOW_MS);
            List<String> after = Files.readAllLines(stat);
            int available = Runtime.getRuntime().availableProcessors();
            return idleCores(before, after).map(idle -> of(available, idle));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
