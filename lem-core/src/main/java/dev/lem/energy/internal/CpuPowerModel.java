package dev.lem.energy.internal;

import dev.lem.config.ConfigException;
import dev.lem.config.EnergyConfig;
import dev.lem.env.EnvironmentInfo;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * CPU power as a function of utilisation: {@code P(u) = idle + (max − idle) × u}, u in 0..1 — an idle
 * floor plus a part that grows linearly with load (server power curves such as SPECpower's are close to
 * linear in utilisation).
 *
 * <p>Where {@code max} and {@code idle} come from, first that applies:
 * <ol>
 *   <li>{@code energy.cpu.max_watts} / {@code energy.cpu.idle_watts}: a calibration (e.g. RAPL readings
 *       taken once on the same machine, or a wall-power meter);</li>
 *   <li>{@code max} = TDP × sockets, the TDP from {@code energy.cpu.tdp_watts} or from {@code cpu_power.csv}
 *       matched to the CPU's brand string ({@link CpuPowerTable}) — on bare metal;</li>
 *   <li>otherwise (model ambiguous or unknown, or a virtual machine, whose vCPUs are a slice of a host
 *       package the TDP describes as a whole): {@code max} = {@value #WATTS_PER_THREAD} W per logical CPU
 *       visible, capped at the matched TDP. {@value #WATTS_PER_THREAD} W is the median TDP per hardware
 *       thread of the 201 AMD server CPUs (4.8 W) and 927 Intel Xeons (4.7 W, two threads per core) in
 *       the raw datasets behind cpu_power.csv;</li>
 * </ol>
 * and {@code idle} = {@value #SERVER_IDLE_FRACTION} × max for server parts (EPYC, Xeon, Opteron,
 * Threadripper), whose packages draw a large share of TDP at idle, {@value #CLIENT_IDLE_FRACTION} × max
 * for client parts.
 *
 * @param idleWatts package power at zero utilisation, W
 * @param maxWatts  package power at full utilisation, W
 * @param notes     where each figure came from, for the result
 */
record CpuPowerModel(double idleWatts, double maxWatts, Map<String, String> notes) {
    static final double WATTS_PER_THREAD = 4.7;
    static final double SERVER_IDLE_FRACTION = 0.30;
    static final double CLIENT_IDLE_FRACTION = 0.12;

    CpuPowerModel {
        notes = Map.copyOf(notes);
    }

    /** Power at utilisation {@code u} (0..1), W. */
    double watts(double u) {
        return idleWatts + (maxWatts - idleWatts) * u;
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
        double max;
        if (cal.maxWatts().isPresent()) {
            max = cal.maxWatts().get();
            notes.put("max_watts", max + " W from energy.cpu.max_watts");
        } else if (tdp.isPresent() && (!cpu.hypervisor() || cal.tdpWatts().isPresent())) {
            max = tdp.get() * sockets;
            notes.put("max_watts", fmt(max) + " W = TDP " + fmt(tdp.get()) + " W x " + sockets + " socket(s)");
        } else {
            double perThread = threads * WATTS_PER_THREAD;
            max = tdp.map(t -> Math.min(t * sockets, perThread)).orElse(perThread);
            String why = cpu.hypervisor() ? "a virtual machine (hypervisor flag in /proc/cpuinfo): its " + threads
                    + " vCPUs are a slice of a host package whose TDP covers the whole package"
                    : "no single TDP for this CPU";
            notes.put("max_watts", fmt(max) + " W = " + threads + " logical CPUs x " + WATTS_PER_THREAD
                    + " W (median TDP per hardware thread of server CPUs)" + (tdp.isPresent() ? ", capped at the TDP" : "")
                    + "; because " + why + ". Calibrate with energy.cpu.max_watts and energy.cpu.idle_watts");
        }
        double idle;
        if (cal.idleWatts().isPresent()) {
            idle = cal.idleWatts().get();
            notes.put("idle_watts", idle + " W from energy.cpu.idle_watts");
        } else {
            double f = server(brand) ? SERVER_IDLE_FRACTION : CLIENT_IDLE_FRACTION;
            idle = f * max;
            notes.put("idle_watts", fmt(idle) + " W = " + f + " x max (" + (server(brand) ? "server" : "client")
                    + " CPU idle share)");
        }
        if (idle > max) {
            throw new ConfigException(cal.idleWatts().isPresent() ? "energy.cpu.idle_watts" : "energy.cpu.max_watts",
                    "idle power " + fmt(idle) + " W exceeds full-load power " + fmt(max)
                            + " W: set energy.cpu.idle_watts below energy.cpu.max_watts");
        }
        notes.put("formula", "P = idle + (max - idle) x utilisation");
        return new CpuPowerModel(idle, max, notes);
    }

    private static boolean server(String brand) {
        String b = brand.toLowerCase(Locale.ROOT);
        return b.contains("epyc") || b.contains("xeon") || b.contains("opteron") || b.contains("threadripper");
    }

    static String fmt(double w) {
        return String.format(Locale.ROOT, "%.1f", w);
    }
}
