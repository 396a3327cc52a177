package dev.lem.nvml.internal;

import dev.lem.spi.PluginUnavailableException;
import dev.lem.spi.WorkloadDevices;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The GPUs and MIG slices this process measures: every GPU NVML sees, narrowed by
 * {@code CUDA_VISIBLE_DEVICES}, with the facts about them that go into the result's environment.
 *
 * <p><b>MIG attribution rule.</b> NVML has no per-instance energy or power. A MIG slice named in
 * {@code CUDA_VISIBLE_DEVICES} is given its parent GPU's energy times the slice's share of the
 * parent's memory (the memory NVML reports for the slice divided by the parent's), labelled
 * {@code attributed}. The shares of all slices of a GPU add up to at most 1, so slices measured by
 * different processes never count the parent twice; energy of memory held by no slice (and of idle
 * slices) stays unattributed. When a slice's memory cannot be read, the parent is split equally
 * among its slices.
 */
public final class GpuSelection {
    private static final Pattern MODULE_PARTS = Pattern.compile("(?i).*\\b(GH\\d{3}|GB\\d{2,3}|Grace)\\b.*");

    /** A physical GPU. @param migs its MIG devices (empty when MIG is off or not supported) */
    public record Gpu(int index, NvmlDevice device, String uuid, String name, boolean migEnabled, List<Mig> migs) {
        /** {@code gpu[index]}. */
        public String id() {
            return "gpu[" + index + "]";
        }
    }

    /** A MIG device of a GPU. @param slot NVML's MIG device index @param memoryTotalBytes slice memory, 0 if unknown */
    public record Mig(int slot, NvmlDevice device, String uuid, int gpuInstanceId, int computeInstanceId,
            long memoryTotalBytes) {
    }

    /**
     * One measured device.
     *
     * @param gpu         the physical GPU
     * @param mig         the MIG slice, or null for the whole GPU
     * @param share       fraction of the GPU's energy attributed to this target (1 for a whole GPU)
     * @param attribution how {@code share} was obtained, empty for a whole GPU
     * @param workload    the measured workload runs on it (else it is measured and reported as not used)
     */
    public record Target(Gpu gpu, @Nullable Mig mig, double share, String attribution, boolean workload) {
        /** Domain id, e.g. {@code gpu[0]} or {@code gpu[0].mig[1]}. */
        public String id() {
            return mig == null ? gpu.id() : gpu.id() + ".mig[" + mig.slot() + "]";
        }

        /** Prefix of telemetry columns, e.g. {@code gpu0} or {@code gpu0.mig1}. */
        public String columnPrefix() {
            return mig == null ? "gpu" + gpu.index() : "gpu" + gpu.index() + ".mig" + mig.slot();
        }

        /** The UUID of the GPU or of the MIG slice. */
        public String uuid() {
            return mig == null ? gpu.uuid() : mig.uuid();
        }

        /** The same device, not used by the workload. */
        Target notUsed() {
            return new Target(gpu, mig, share, attribution, false);
        }
    }

    private final NvmlSession session;
    private final List<Gpu> gpus;
    private final List<Target> targets;
    private final List<String> notes;
    private final WorkloadDevices workload;
    private final @Nullable String cudaVisible;
    private final Map<Integer, Optional<NvmlException>> counterProbe = new HashMap<>();

    private GpuSelection(NvmlSession session, List<Gpu> gpus, List<Target> targets, List<String> notes,
            WorkloadDevices workload, @Nullable String cudaVisible) {
        this.cudaVisible = cudaVisible;
        this.session = session;
        this.gpus = List.copyOf(gpus);
        this.targets = List.copyOf(targets);
        this.notes = List.copyOf(notes);
        this.workload = workload;
    }

    /** Every GPU NVML sees. */
    public List<Gpu> gpus() {
        return gpus;
    }

    /**
     * The devices to measure: first the workload's, in the order the selection names them (NVML order for every
     * GPU), then every other GPU NVML sees, whole, as not used by the workload.
     */
    public List<Target> targets() {
        return targets;
    }

    /** The workload's devices among {@link #targets()}. */
    public List<Target> workloadTargets() {
        return targets.stream().filter(Target::workload).toList();
    }

    /** The physical GPUs behind {@link #targets()}, each once. */
    public List<Gpu> targetGpus() {
        Set<Gpu> out = new LinkedHashSet<>();
        targets.forEach(t -> out.add(t.gpu()));
        return List.copyOf(out);
    }

    /** What was ignored or is worth knowing about the selection. */
    public List<String> notes() {
        return notes;
    }

    /**
     * Enumerates the GPUs; the workload's are those {@code CUDA_VISIBLE_DEVICES} in {@code environment} names (every
     * GPU when it is unset).
     *
     * @throws PluginUnavailableException when NVML sees no GPU
     */
    public static GpuSelection resolve(NvmlSession session, Map<String, String> environment) {
        return resolve(session, environment, WorkloadDevices.ofProcess(environment));
    }

    /**
     * Enumerates every GPU NVML sees and tells the workload's apart: every GPU is measured, the ones the workload
     * does not use are marked so (their energy is reported apart, never added to the workload's).
     *
     * @param environment for {@code CUDA_DEVICE_ORDER}
     * @param workload    the workload's GPUs ({@code CUDA_VISIBLE_DEVICES} syntax when selected)
     * @throws PluginUnavailableException when NVML sees no GPU
     */
    public static GpuSelection resolve(NvmlSession session, Map<String, String> environment, WorkloadDevices workload) {
        List<String> notes = new ArrayList<>();
        int count = session.deviceCount();
        List<Gpu> gpus = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            try {
                gpus.add(describe(i, session.device(i)));
            } catch (NvmlException e) {
                notes.add("gpu[" + i + "] cannot be read and is left out: " + e.getMessage());
            }
        }
        if (gpus.isEmpty()) {
            throw new PluginUnavailableException(count == 0 ? "NVML (driver " + safe(session::driverVersion)
                    + ") reports no NVIDIA GPU" : "no GPU could be read: " + String.join("; ", notes));
        }
        List<Target> targets = new ArrayList<>();
        switch (workload.kind()) {
            case ALL -> {
                for (Gpu g : gpus) {
                    targets.add(whole(g));
                    if (!g.migs().isEmpty()) {
                        notes.add(g.id() + " is in MIG mode with " + g.migs().size() + " instance(s) and the workload "
                                + "uses every GPU: the whole GPU is measured; name a MIG UUID in CUDA_VISIBLE_DEVICES "
                                + "(or energy.devices) to attribute one slice");
                    }
                }
            }
            case NONE -> notes.add("the workload uses no GPU (" + workload.source() + "): every GPU is measured as "
                    + "not used by the workload");
            case SELECTED -> {
                VisibleDevices visible = VisibleDevices.parse(workload.selector());
                notes.addAll(visible.notes());
                resolveEntries(visible, gpus, targets, notes, environment);
                if (targets.isEmpty()) {
                    notes.add("\"" + workload.selector() + "\" (" + workload.source() + ") names no GPU that NVML sees"
                            + (workload.selector().isBlank() ? " (an empty CUDA_VISIBLE_DEVICES hides every GPU)" : "")
                            + "; NVML sees " + gpus.stream().map(g -> g.id() + " " + g.uuid()).toList()
                            + ": every GPU is measured as not used by the workload");
                }
            }
        }
        Set<Integer> covered = new java.util.HashSet<>();
        targets.forEach(t -> covered.add(t.gpu().index()));
        for (Gpu g : gpus) {
            if (!covered.contains(g.index())) {
                targets.add(whole(g).notUsed());
            }
        }
        return new GpuSelection(session, gpus, targets, notes, workload, environment.get("CUDA_VISIBLE_DEVICES"));
    }

    private static void resolveEntries(VisibleDevices visible, List<Gpu> gpus, List<Target> targets,
            List<String> notes, Map<String, String> environment) {
        boolean indices = false;
        for (VisibleDevices.Entry e : visible.entries()) {
            Target t = match(e, gpus);
            if (t == null) {
                notes.add("entry " + describe(e) + " matches no GPU (or more than one): CUDA ignores it and every "
                        + "entry after it");
                break;
            }
            if (targets.stream().anyMatch(x -> x.id().equals(t.id()))) {
                notes.add(t.id() + " is named twice; it is measured once");
                continue;
            }
            indices |= e instanceof VisibleDevices.Index;
            targets.add(t);
        }
        if (indices && gpus.size() > 1 && !"PCI_BUS_ID".equals(environment.get("CUDA_DEVICE_ORDER"))
                && gpus.stream().map(Gpu::name).distinct().count() > 1) {
            notes.add("CUDA_VISIBLE_DEVICES uses indices, which CUDA orders fastest first while NVML orders by PCI "
                    + "bus: with different GPU models they may differ; set CUDA_DEVICE_ORDER=PCI_BUS_ID or use UUIDs");
        }
    }

    private static String describe(VisibleDevices.Entry e) {
        if (e instanceof VisibleDevices.Index i) {
            return String.valueOf(i.index());
        }
        if (e instanceof VisibleDevices.LegacyMig m) {
            return "MIG-" + m.gpuUuid() + "/" + m.gpuInstance() + "/" + m.computeInstance();
        }
        return ((VisibleDevices.Uuid) e).prefix();
    }

    private static @Nullable Target match(VisibleDevices.Entry e, List<Gpu> gpus) {
        if (e instanceof VisibleDevices.Index i) {
            return gpus.stream().filter(g -> g.index() == i.index()).findFirst().map(GpuSelection::whole).orElse(null);
        }
        if (e instanceof VisibleDevices.Uuid u && !u.mig()) {
            List<Gpu> hits = gpus.stream().filter(g -> startsWith(g.uuid(), u.prefix())).toList();
            return hits.size() == 1 ? whole(hits.get(0)) : null;
        }
        List<Target> hits = new ArrayList<>();
        for (Gpu g : gpus) {
            for (Mig m : g.migs()) {
                boolean hit = e instanceof VisibleDevices.Uuid u ? startsWith(m.uuid(), u.prefix())
                        : e instanceof VisibleDevices.LegacyMig l && startsWith(g.uuid(), l.gpuUuid())
                                && m.gpuInstanceId() == l.gpuInstance() && m.computeInstanceId() == l.computeInstance();
                if (hit) {
                    hits.add(slice(g, m));
                }
            }
        }
        return hits.size() == 1 ? hits.get(0) : null;
    }

    private static Target whole(Gpu g) {
        return new Target(g, null, 1.0, "", true);
    }

    private static Target slice(Gpu g, Mig m) {
        long parent = 0;
        try {
            parent = g.device().memory().totalBytes();
        } catch (NvmlException e) {
            // falls back to an equal split below
        }
        if (parent > 0 && m.memoryTotalBytes() > 0) {
            double share = Math.min(1.0, (double) m.memoryTotalBytes() / parent);
            return new Target(g, m, share, String.format(Locale.ROOT, "%.4f x %s energy: the slice holds %d of the "
                    + "GPU's %d MiB of memory (NVML reports no per-instance energy)", share, g.id(),
                    m.memoryTotalBytes() >> 20, parent >> 20), true);
        }
        double share = 1.0 / g.migs().size();
        return new Target(g, m, share, String.format(Locale.ROOT, "%.4f x %s energy: an equal split among the GPU's "
                + "%d MIG instances, as the slice's memory could not be read (NVML reports no per-instance energy)",
                share, g.id(), g.migs().size()), true);
    }

    private static boolean startsWith(String uuid, String prefix) {
        return uuid.toLowerCase(Locale.ROOT).startsWith(prefix.toLowerCase(Locale.ROOT));
    }

    private static Gpu describe(int index, NvmlDevice d) {
        String uuid = d.uuid();
        String name = d.name();
        boolean mig = false;
        List<Mig> migs = new ArrayList<>();
        try {
            mig = d.migMode().enabled();
            for (int slot = 0; mig && slot < d.maxMigDeviceCount(); slot++) {
                Optional<NvmlDevice> m = d.migDevice(slot);
                if (m.isPresent()) {
                    NvmlDevice md = m.get();
                    long mem = 0;
                    try {
                        mem = md.memory().totalBytes();
                    } catch (NvmlException e) {
                        // share falls back to an equal split
                    }
                    migs.add(new Mig(slot, md, md.uuid(), idOrMinusOne(md::gpuInstanceId),
                            idOrMinusOne(md::computeInstanceId), mem));
                }
            }
        } catch (NvmlException e) {
            if (!e.isCapability()) {
                throw e;
            }
        }
        return new Gpu(index, d, uuid, name, mig, migs);
    }

    private static int idOrMinusOne(Supplier<Integer> read) {
        try {
            return read.get();
        } catch (NvmlException e) {
            return -1;
        }
    }

    /** Whether the GPU's energy counter answers, probed once; the exception says why not. */
    public synchronized Optional<NvmlException> counterProblem(Gpu g) {
        return counterProbe.computeIfAbsent(g.index(), i -> {
            try {
                g.device().totalEnergyJoules();
                return Optional.empty();
            } catch (NvmlException e) {
                return Optional.of(e);
            }
        });
    }

    /** True for parts whose NVML counter covers a whole CPU+GPU module (Grace Hopper, Grace Blackwell). */
    public static boolean moduleScope(Gpu g) {
        return MODULE_PARTS.matcher(g.name()).matches();
    }

    /**
     * Facts for the result's environment: library, driver, CUDA version, and for each measured GPU
     * its name, UUID, architecture, power limits, persistence mode, MIG topology, energy counter and
     * attribution rules. A fact NVML cannot give reads {@code unavailable: <reason>}.
     */
    public Map<String, String> facts() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("library", session.libraryPath());
        f.put("driver_version", safe(session::driverVersion));
        f.put("cuda_driver_version", session.cudaDriverVersion().orElse("unavailable"));
        f.put("gpu_count", String.valueOf(gpus.size()));
        f.put("cuda_visible_devices", cudaVisible == null ? "unset (every GPU)" : cudaVisible);
        f.put("workload_devices", workload.toString());
        f.put("measured", String.join(", ", targets.stream().map(Target::id).toList()));
        f.put("used_by_workload", targets.stream().anyMatch(Target::workload)
                ? String.join(", ", targets.stream().filter(Target::workload).map(Target::id).toList()) : "none");
        for (Gpu g : targetGpus()) {
            String p = g.id() + ".";
            NvmlDevice d = g.device();
            f.put(p + "name", g.name());
            f.put(p + "uuid", g.uuid());
            f.put(p + "architecture", safe(() -> d.architecture().name()));
            f.put(p + "compute_capability", safe(d::computeCapability));
            f.put(p + "memory_total_mib", safe(() -> String.valueOf(d.memory().totalBytes() >> 20)));
            f.put(p + "power_limit_w", safe(() -> number(d.powerLimitWatts())));
            f.put(p + "enforced_power_limit_w", safe(() -> number(d.enforcedPowerLimitWatts())));
            f.put(p + "default_power_limit_w", safe(() -> number(d.defaultPowerLimitWatts())));
            f.put(p + "persistence_mode", safe(() -> d.persistenceMode() ? "enabled" : "disabled"));
            f.put(p + "mig_mode", safe(() -> {
                NvmlDevice.MigMode m = d.migMode();
                return (m.enabled() ? "enabled" : "disabled") + (m.pending() != m.enabled()
                        ? " (" + (m.pending() ? "enabled" : "disabled") + " after the next reset)" : "");
            }));
            f.put(p + "energy_counter", counterProblem(g).map(e -> "unavailable: " + e.getMessage()).orElse("supported"));
            if (moduleScope(g)) {
                f.put(p + "counter_scope", "module: on " + g.name() + " NVML's energy counter and power reading may "
                        + "cover the whole module (Grace CPU, GPU and memory); do not add a CPU meter's energy to it");
            }
            for (Mig m : g.migs()) {
                String q = g.id() + ".mig[" + m.slot() + "].";
                f.put(q + "uuid", m.uuid());
                f.put(q + "gpu_instance_id", String.valueOf(m.gpuInstanceId()));
                f.put(q + "compute_instance_id", String.valueOf(m.computeInstanceId()));
                f.put(q + "memory_total_mib", String.valueOf(m.memoryTotalBytes() >> 20));
            }
        }
        for (Target t : targets) {
            if (t.mig() != null) {
                f.put(t.id() + ".attribution", t.attribution());
            }
        }
        if (!notes.isEmpty()) {
            f.put("selection_notes", String.join("; ", notes));
        }
        return f;
    }

    static String number(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static String safe(Supplier<String> read) {
        try {
            return read.get();
        } catch (NvmlException e) {
            return "unavailable: " + e.getMessage();
        }
    }
}
