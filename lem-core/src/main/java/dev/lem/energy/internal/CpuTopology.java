package dev.lem.energy.internal;

import dev.lem.env.SysFiles;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Which core and socket each logical CPU belongs to, and the activity of the cores from the logical CPUs' busy
 * shares: a core is busy when any of its hardware threads is (two threads of one core share its power), so a core's
 * busy share is {@code 1 − Π(1 − u_thread)} over its threads (the threads' busy times taken as independent), and its
 * activity is that times the square root of its clock's share of the highest ({@code (f / f_max)^0.5}: power grows with the
 * clock; the exponent is fitted, see {@link #CLOCK_EXPONENT}).
 *
 * @param coreOf      the core of each logical CPU, 0..cores-1
 * @param socketOf    the socket of each logical CPU, 0..sockets-1
 * @param cores       physical cores
 * @param sockets     sockets
 * @param description how the topology was found, for the notes
 */
record CpuTopology(int[] coreOf, int[] socketOf, int cores, int sockets, String description) {

    /** Logical CPUs. */
    int cpus() {
        return coreOf.length;
    }

    /**
     * The topology under {@code sysCpu} ({@code /sys/devices/system/cpu}): {@code cpu<N>/topology/core_id} and
     * {@code physical_package_id}. Where they cannot be read (some virtual machines), each logical CPU counts as a
     * core of one socket.
     */
    static CpuTopology read(Path sysCpu, int cpus) {
        int[] core = new int[cpus];
        int[] socket = new int[cpus];
        Map<String, Integer> coreIds = new LinkedHashMap<>();
        TreeSet<Long> packages = new TreeSet<>();
        long[] pkg = new long[cpus];
        for (int i = 0; i < cpus; i++) {
            Path t = sysCpu.resolve("cpu" + i).resolve("topology");
            var p = SysFiles.tryLong(t.resolve("physical_package_id"));
            var c = SysFiles.tryLong(t.resolve("core_id"));
            if (p.isEmpty() || c.isEmpty()) {
                return flat(cpus, "no CPU topology under " + sysCpu + ": each of the " + cpus
                        + " logical CPUs counts as a core");
            }
            pkg[i] = p.getAsLong();
            packages.add(pkg[i]);
            core[i] = coreIds.computeIfAbsent(p.getAsLong() + ":" + c.getAsLong(), k -> coreIds.size());
        }
        Map<Long, Integer> socketIndex = new LinkedHashMap<>();
        packages.forEach(x -> socketIndex.put(x, socketIndex.size()));
        for (int i = 0; i < cpus; i++) {
            socket[i] = socketIndex.get(pkg[i]);
        }
        return new CpuTopology(core, socket, coreIds.size(), packages.size(), String.format(java.util.Locale.ROOT,
                "%d logical CPUs on %d cores in %d socket(s) (%s)", cpus, coreIds.size(), packages.size(), sysCpu));
    }

    /** Every logical CPU its own core, one socket. */
    static CpuTopology flat(int cpus, String description) {
        int[] core = new int[cpus];
        for (int i = 0; i < cpus; i++) {
            core[i] = i;
        }
        return new CpuTopology(core, new int[cpus], cpus, 1, description);
    }

    /**
     * A regular topology as Linux numbers it: CPU {@code i} is core {@code i mod cores} (the first thread of every
     * core first, then the second threads), cores split evenly over the sockets.
     */
    static CpuTopology symmetric(int sockets, int coresPerSocket, int threadsPerCore) {
        int cores = sockets * coresPerSocket;
        int cpus = cores * threadsPerCore;
        int[] core = new int[cpus];
        int[] socket = new int[cpus];
        for (int i = 0; i < cpus; i++) {
            core[i] = i % cores;
            socket[i] = core[i] / coresPerSocket;
        }
        return new CpuTopology(core, socket, cores, sockets, cpus + " logical CPUs on " + cores + " cores in "
                + sockets + " socket(s)");
    }

    /**
     * The exponent of a core's clock share in its activity: chosen among 0.5, 1 and 1.5 by nested leave-one-CPU-out
     * cross-validation on published RAPL sweeps of four CPUs (CpuEstimateAccuracyTest, docs/energy.md); 0.5 won in
     * every fold. A clock read as an average over an interval (cpufreq's {@code scaling_cur_freq}, sampled) mixes the
     * busy periods' high clock with the idle periods' low one, so the power of a busy core falls less than linearly
     * with it.
     */
    static final double CLOCK_EXPONENT = 0.5;

    /**
     * The machine's core activity, 0..1: the mean over cores of (busy share × clock share^{@value #CLOCK_EXPONENT}),
     * each core busy when any of its threads is.
     *
     * @param busy      each logical CPU's busy share over the interval, 0..1
     * @param freqRatio each logical CPU's clock ÷ its highest clock, or empty when clocks are not visible (full
     *                  clock assumed)
     */
    double activity(double[] busy, Optional<double[]> freqRatio) {
        double[] idleProbability = new double[cores];
        double[] freq = new double[cores];
        double[] weight = new double[cores];
        java.util.Arrays.fill(idleProbability, 1.0);
        for (int i = 0; i < busy.length && i < coreOf.length; i++) {
            double u = Math.max(0, Math.min(1, busy[i]));
            int c = coreOf[i];
            idleProbability[c] *= 1 - u;
            double r = 1.0;
            if (freqRatio.isPresent() && i < freqRatio.get().length && Double.isFinite(freqRatio.get()[i])) {
                r = Math.max(0, Math.min(1, freqRatio.get()[i]));
            }
            // the core's clock: its threads' clocks weighted by how busy each was (idle threads' clocks say nothing)
            freq[c] += r * (u + 1e-9);
            weight[c] += u + 1e-9;
        }
        double sum = 0;
        for (int c = 0; c < cores; c++) {
            double clock = weight[c] > 0 ? freq[c] / weight[c] : 1.0;
            sum += (1 - idleProbability[c]) * Math.pow(clock, CLOCK_EXPONENT);
        }
        return cores == 0 ? 0 : sum / cores;
    }
}
