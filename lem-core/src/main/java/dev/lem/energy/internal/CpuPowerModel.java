package dev.lem.energy.internal;

import dev.lem.config.ConfigException;
import dev.lem.config.EnergyConfig;
import dev.lem.env.EnvironmentInfo;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * CPU package power as a function of the cores' activity:
 * <pre>
 *   P = idle + (max − idle) × s(a),    a = mean over cores of (busy share × (f / f_max)^0.5)
 * </pre>
 * where {@code s} is the load curve of SPECpower_ssj2008 servers ({@link SpecPowerLoadCurve}: the share of the dynamic
 * power drawn at a load, 0.156 at 10 %, 0.473 at 50 %, 1 at 100 %), a core is busy when any of its hardware threads is
 * (SMT siblings share the core's power) and {@code f / f_max} is its clock's share of the highest (power grows with the
 * clock; governors run lightly loaded cores slowly; the exponent is fitted: {@link CpuTopology#CLOCK_EXPONENT}). This
 * is non-linear in the machine's utilisation three ways: one busy thread per core already draws most of a core's
 * power, a duty-cycled load at a low clock draws little, and the first busy cores cost more per core than the last
 * (the curve's step at low load). With several sockets, idle and max are per socket (TDP × sockets) and every core's
 * activity counts for its own socket; where clocks are not visible (virtual machines) busy cores count at full clock.
 *
 * <p>Where {@code max} and {@code idle} come from, first that applies:
 * <ol>
 *   <li>{@code energy.cpu.max_watts} / {@code energy.cpu.idle_watts}: a calibration (e.g. RAPL readings
 *       taken once on the same machine, or a wall-power meter);</li>
 *   <li>the TDP from {@code energy.cpu.tdp_watts} or from {@code cpu_power.csv} matched to the CPU's brand string
 *       ({@link CpuPowerTable}), × sockets — on bare metal;</li>
 *   <li>otherwise (model ambiguous or unknown, or a virtual machine, whose vCPUs are a slice of a host
 *       package the TDP describes as a whole): {@value #WATTS_PER_THREAD} W per logical CPU visible, capped at the
 *       matched TDP. {@value #WATTS_PER_THREAD} W is the median TDP per hardware thread of the 201 AMD server CPUs
 *       (4.8 W) and 927 Intel Xeons (4.7 W, two threads per core) in the raw datasets behind cpu_power.csv;</li>
 * </ol>
 * and then {@code idle} = the idle share × that power, by vendor: {@value #IDLE_FRACTION_INTEL} for Intel and
 * {@value #IDLE_FRACTION_AMD} for AMD (an AMD package's power includes its I/O die, which stays powered at idle: the
 * two AMD CPUs of the sweeps idled at 0.20 and 0.24 of TDP, the two Intel ones at 0.08 and 0.09), otherwise
 * {@value #IDLE_FRACTION}, CPU power at 0% load per unit of TDP averaged over SPECpower_ssj2008 servers by Teads
 * (B. Davy, 2021; the figure Boavizta publishes); and {@code max} = {@value #FULL_LOAD_FRACTION} × it: the full-load
 * power per TDP watt. Both are fitted (with the load curve and the square-root clock in place) to CodeCarbon's published
 * RAPL-vs-load sweeps of four CPUs (Xeon E3-1240 v2, dual Xeon E5-2620 v3, Ryzen Threadripper 1950X, EPYC 8024P; their
 * full-load package power was 0.53–0.93 of TDP); {@code CpuEstimateAccuracyTest} refits them and fails if they drift.
 * The SPECpower-derived 1.02 at full load overestimates every one of them (scalar loads stay below the power limit
 * that vector-heavy code reaches). No idle share by generation: SPECpower's servers idle at 0.54–0.55 W of wall
 * power per TDP watt before 2012 and 0.15–0.34 since, but wall power includes memory, fans and power supplies, and
 * the sweeps hold two CPUs per vendor, too few to show a trend (Intel 0.08 and 0.09 of TDP, AMD 0.24 and 0.20).
 * Expected error (mean absolute percentage error against RAPL, constants validated leaving each CPU out):
 * docs/energy.md.
 *
 * @param idleWatts package power with every core idle, W (all sockets)
 * @param maxWatts  package power with every core busy at full clock, W (all sockets)
 * @param notes     where each figure came from, for the result
 */
record CpuPowerModel(double idleWatts, double maxWatts, Map<String, String> notes) {
    static final double WATTS_PER_THREAD = 4.7;
    /** CPU power at 0% load per unit of TDP for other vendors (SPECpower_ssj2008 servers' average, via Teads). */
    static final double IDLE_FRACTION = 0.12;
    /** Intel package power at 0% load per unit of TDP, fitted to the RAPL sweeps of two Intel CPUs. */
    static final double IDLE_FRACTION_INTEL = 0.08;
    /** AMD package power at 0% load per unit of TDP (the I/O die stays powered), fitted to two AMD CPUs' sweeps. */
    static final double IDLE_FRACTION_AMD = 0.25;
    /** CPU package power with every core busy per unit of TDP, fitted to published RAPL sweeps of four CPUs. */
    static final double FULL_LOAD_FRACTION = 0.66;

    /**
     * The idle share of a CPU by its vendor, read from the brand string.
     *
     * @param brand the brand string ({@code model name} in {@code /proc/cpuinfo}), possibly empty
     * @return the idle power per TDP watt
     */
    static double idleFraction(String brand) {
        String b = brand.toLowerCase(Locale.ROOT);
        if (b.contains("intel")) {
            return IDLE_FRACTION_INTEL;
        }
        if (b.contains("amd") || b.contains("epyc") || b.contains("ryzen")) {
            return IDLE_FRACTION_AMD;
        }
        return IDLE_FRACTION;
    }

    private static String idleSource(String brand) {
        double f = idleFraction(brand);
        return f == IDLE_FRACTION_INTEL ? "Intel package power at idle per TDP watt, fitted to published RAPL sweeps"
                : f == IDLE_FRACTION_AMD ? "AMD package power at idle per TDP watt (I/O die included), fitted to "
                        + "published RAPL sweeps"
                : "CPU power at idle per TDP watt, SPECpower_ssj2008 via Teads (vendor not Intel or AMD)";
    }

    CpuPowerModel {
        notes = Map.copyOf(notes);
    }

    /** Power at core activity {@code a} (0..1, clamped), W: along the SPECpower load curve from idle to max. */
    double watts(double a) {
        return idleWatts + (maxWatts - idleWatts) * SpecPowerLoadCurve.share(a);
    }

    /**
     * Builds the model for this machine.
     *
     * @param cal   the user's calibration ({@code energy.cpu.*})
     * @param cpu   the CPU as captured from {@code /proc/cpuinfo}
     * @param table the TDP table
     * @throws ConfigException when the calibration is inconsistent (idle above max)
     */
    static CpuPowerModel resolve(EnergyConfig.Cpu cal, EnvironmentInfo.Cpu cpu, CpuPowerTable table) {
        Map<String, String> notes = new LinkedHashMap<>();
        String brand = cpu.model().orElse("");
        notes.put("cpu_model", brand.isEmpty() ? "unknown (no model name in /proc/cpuinfo)" : brand);
        int sockets = Math.max(1, cpu.sockets().orElse(1));
        int threads = Math.max(1, cpu.machineCpus().orElse(cpu.logicalCores()));
        Optional<Double> tdp = cal.tdpWatts();
        if (tdp.isPresent()) {
            notes.put("tdp_source", "energy.cpu.tdp_watts = " + tdp.get() + " W");
        } else if (!brand.isEmpty()) {
            CpuPowerTable.Match m = table.match(brand);
            tdp = m.tdpWatts();
            notes.put("tdp_source", m.describe() + (tdp.isPresent() ? " (TDP " + tdp.get() + " W)" : ""));
        } else {
            notes.put("tdp_source", "none: the CPU model is unknown");
        }
        double rated;
        String ratedNote;
        if (tdp.isPresent() && (!cpu.hypervisor() || cal.tdpWatts().isPresent())) {
            rated = tdp.get() * sockets;
            ratedNote = "TDP " + fmt(tdp.get()) + " W x " + sockets + " socket(s)";
        } else {
            double perThread = threads * WATTS_PER_THREAD;
            rated = tdp.map(t -> Math.min(t * sockets, perThread)).orElse(perThread);
            String why = cpu.hypervisor() ? "a virtual machine (hypervisor flag in /proc/cpuinfo): its " + threads
                    + " vCPUs are a slice of a host package whose TDP covers the whole package"
                    : "no single TDP for this CPU";
            ratedNote = threads + " logical CPUs x " + WATTS_PER_THREAD + " W (median TDP per hardware thread of "
                    + "server CPUs)" + (tdp.isPresent() ? ", capped at the TDP" : "") + ", because " + why;
        }
        double max;
        if (cal.maxWatts().isPresent()) {
            max = cal.maxWatts().get();
            notes.put("max_watts", max + " W from energy.cpu.max_watts");
        } else {
            max = FULL_LOAD_FRACTION * rated;
            notes.put("max_watts", fmt(max) + " W = " + FULL_LOAD_FRACTION + " x " + fmt(rated) + " W (" + ratedNote
                    + "; package power with every core busy per TDP watt, fitted to published RAPL sweeps)"
                    + (cpu.hypervisor() || tdp.isEmpty() ? ". Calibrate with energy.cpu.max_watts and "
                            + "energy.cpu.idle_watts" : ""));
        }
        double idle;
        if (cal.idleWatts().isPresent()) {
            idle = cal.idleWatts().get();
            notes.put("idle_watts", idle + " W from energy.cpu.idle_watts");
        } else if (cal.maxWatts().isPresent()) {
            double share = idleFraction(brand);
            idle = share / FULL_LOAD_FRACTION * max;
            notes.put("idle_watts", fmt(idle) + " W = " + share + "/" + FULL_LOAD_FRACTION
                    + " x energy.cpu.max_watts (" + idleSource(brand) + ", per full-load power per TDP watt)");
        } else {
            double share = idleFraction(brand);
            idle = share * rated;
            notes.put("idle_watts", fmt(idle) + " W = " + share + " x " + fmt(rated) + " W (" + idleSource(brand)
                    + ")");
        }
        if (idle > max) {
            throw new ConfigException(cal.idleWatts().isPresent() ? "energy.cpu.idle_watts" : "energy.cpu.max_watts",
                    "idle power " + fmt(idle) + " W exceeds full-load power " + fmt(max)
                            + " W: set energy.cpu.idle_watts below energy.cpu.max_watts");
        }
        notes.put("formula", "P = idle + (max - idle) x s(a), s = the SPECpower_ssj2008 servers' median load curve "
                + "(share of dynamic power at 10/50/100% load: 0.156/0.473/1), a = mean over cores of busy share x "
                + "(clock / max clock)^" + CpuTopology.CLOCK_EXPONENT + " (a core is busy when any of its threads is)");
        return new CpuPowerModel(idle, max, notes);
    }

    static String fmt(double w) {
        return String.format(Locale.ROOT, "%.1f", w);
    }
}
