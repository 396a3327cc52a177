package dev.lem.nvml.internal;

import dev.lem.energy.DomainScope;
import dev.lem.energy.DomainUse;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.MeasurementMethod;
import dev.lem.energy.MeterResolution;
import dev.lem.spi.EnergyMeter;
import dev.lem.spi.EnergyReading;
import dev.lem.spi.MeterContext;
import dev.lem.spi.PluginUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GPU energy through NVML, one domain per GPU NVML sees, or per MIG slice the workload names. The GPUs the
 * workload uses ({@link MeterContext#workload()}) are {@link DomainUse#WORKLOAD}; every other GPU is measured too,
 * as {@link DomainUse#NOT_USED}, so its energy is shown apart instead of being added to the workload's or dropped.
 *
 * <ul>
 *   <li>{@code measured}: the GPU's total-energy counter (Volta and newer), read only at the edges of
 *       measurement windows ({@link #read}, {@link #cumulativeJoules()}), since one read costs ~4 ms inside the
 *       driver; the value at open is subtracted, and a counter that goes backwards (driver reload) is continued.
 *       Between the edges the time series ({@link #sampleJoules()}) integrates sampled power (µs a read) from the
 *       last counter reading.</li>
 *   <li>{@code integrated}: where the counter is missing, power is read at every {@link #poll()}
 *       (the sampler interval) and integrated with the trapezoid rule.</li>
 *   <li>{@code attributed}: a MIG slice gets a share of its parent's energy (rule in {@link GpuSelection}).</li>
 * </ul>
 *
 * <p>A GPU that is lost mid-run ({@code NVML_ERROR_GPU_IS_LOST}) drops out of
 * {@link #cumulativeJoules()} with the reason in {@link #unavailableReason} and {@link #notes()}; the
 * other GPUs go on. <b>Thread safety:</b> all methods are synchronized.
 */
public final class NvmlEnergyMeter implements EnergyMeter {
    private static final Logger LOG = LoggerFactory.getLogger(NvmlEnergyMeter.class);

    private final NvmlSession session;
    private final LongSupplier nanoClock;
    private final long openedNanos;
    private final List<EnergyDomain> domains = new ArrayList<>();
    private final List<Channel> channels = new ArrayList<>();
    private final Map<String, String> staticNotes = new LinkedHashMap<>();
    private final Duration samplerInterval;
    private final boolean integrates;
    /** How often NVML's total-energy counter changes (H100: median 100.0 ms, range 97-103 ms). */
    static final Duration COUNTER_UPDATE = Duration.ofMillis(100);
    /** The averaging window of nvmlDeviceGetPowerUsage on Ampere and newer (not A100). */
    static final Duration AVERAGED_POWER_WINDOW = Duration.ofSeconds(1);

    /** One domain: a share of one GPU's energy. */
    private record Channel(EnergyDomain domain, Source source, double share) {
    }

    /**
     * Opens the meter.
     *
     * @param context   config ({@code energy.sampler_interval_ms}) and environment ({@code CUDA_VISIBLE_DEVICES})
     * @param nanoClock monotonic clock in ns ({@code System::nanoTime}; tests pass their own)
     * @throws PluginUnavailableException when NVML is missing or no selected GPU can be measured
     */
    public static NvmlEnergyMeter open(MeterContext context, LongSupplier nanoClock) {
        NvmlSession session = Nvml.open();
        try {
            return new NvmlEnergyMeter(session, context, nanoClock);
        } catch (NvmlException e) {
            session.close();
            throw new PluginUnavailableException("NVML energy meter cannot start: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    private NvmlEnergyMeter(NvmlSession session, MeterContext context, LongSupplier nanoClock) {
        this.session = session;
        this.nanoClock = nanoClock;
        this.samplerInterval = Duration.ofMillis(context.energy().samplerIntervalMs());
        this.openedNanos = nanoClock.getAsLong();
        GpuSelection selection = GpuSelection.resolve(session, context.environment(), context.workload());
        staticNotes.putAll(selection.facts());
        Map<Integer, Source> sources = new HashMap<>();
        List<String> skipped = new ArrayList<>();
        for (GpuSelection.Target t : selection.targets()) {
            Source src = sources.computeIfAbsent(t.gpu().index(), i -> Source.open(t.gpu(), selection, openedNanos));
            if (src.method == null) {
                skipped.add(t.id() + ": " + src.problem);
                staticNotes.put(t.id() + ".method", "unavailable: " + src.problem);
                continue;
            }
            MeasurementMethod method = t.mig() == null ? src.method : MeasurementMethod.ATTRIBUTED;
            EnergyDomain d = new EnergyDomain(t.id(), "gpu", t.uuid(), DomainScope.DEVICE, method, "nvml",
                    t.workload() ? DomainUse.WORKLOAD : DomainUse.NOT_USED);
            domains.add(d);
            channels.add(new Channel(d, src, t.share()));
            staticNotes.put(t.id() + ".method", describe(t, src));
            if (!t.workload()) {
                staticNotes.put(t.id() + ".use", "not used by the workload (" + context.workload() + "): measured "
                        + "and shown apart, not counted in the energy figures");
            }
        }
        if (domains.isEmpty()) {
            throw new PluginUnavailableException("no selected GPU can be measured: " + String.join("; ", skipped));
        }
        this.integrates = sources.values().stream().anyMatch(s -> s.method == MeasurementMethod.INTEGRATED);
    }

    /**
     * What the meter would measure with {@code context}, one line per GPU (or MIG slice): name, UUID, how its energy
     * is obtained (energy counter, integrated power, attributed share) and whether the workload uses it; or why a GPU
     * is left out. For {@code lem plugins}; never throws.
     */
    public static List<String> inventory(MeterContext context) {
        List<String> out = new ArrayList<>();
        try (NvmlEnergyMeter m = open(context, System::nanoTime)) {
            Map<String, String> n = m.notes();
            for (EnergyDomain d : m.domains()) {
                String gpu = d.id().contains(".mig[") ? d.id().substring(0, d.id().indexOf(".mig[")) : d.id();
                String method = n.getOrDefault(d.id() + ".method", d.method().label());
                out.add(d.id() + " " + n.getOrDefault(gpu + ".name", "?") + " (" + d.device() + "): "
                        + shortMethod(d.method(), method) + "; " + d.use().description());
            }
            n.forEach((k, v) -> {
                if (k.endsWith(".method") && v.startsWith("unavailable")) {
                    String id = k.substring(0, k.length() - ".method".length());
                    out.add(id + " " + n.getOrDefault(id + ".name", "") + ": left out, " + v);
                }
            });
            Optional.ofNullable(n.get("selection_notes")).ifPresent(x -> out.add("note: " + x));
            out.add("workload GPUs by default: " + context.workload() + " (an experiment derives them from device, "
                    + "the managed server or energy.devices)");
        } catch (RuntimeException | LinkageError e) {
            out.add("no GPU can be measured: " + e.getMessage());
        }
        return out;
    }

    private static String shortMethod(MeasurementMethod method, String full) {
        return switch (method) {
            case MEASURED -> "measured (energy counter, read at window edges)";
            case INTEGRATED -> "integrated (" + full.substring(full.indexOf(':') + 1).trim() + ")";
            case ATTRIBUTED -> "attributed MIG share (" + full.substring(full.indexOf(':') + 1).trim() + ")";
            case ESTIMATED -> "estimated";
        };
    }

    private String describe(GpuSelection.Target t, Source s) {
        String base = s.method == MeasurementMethod.MEASURED
                ? "measured: NVML total-energy counter (nvmlDeviceGetTotalEnergyConsumption, mJ resolution), read at "
                        + "window edges; the time series integrates " + (s.powerSource.isEmpty() ? "nothing between them "
                        + "(no power reading)" : s.powerSource + " between them")
                : "integrated: " + s.powerSource + " polled every " + samplerInterval.toMillis()
                        + " ms, trapezoid rule (no energy counter: " + s.problem + ")";
        return t.mig() == null ? base : "attributed: " + t.attribution() + "; parent " + base;
    }

    @Override
    public String name() {
        return "nvml";
    }

    @Override
    public List<EnergyDomain> domains() {
        return List.copyOf(domains);
    }

    @Override
    public synchronized Map<String, Double> cumulativeJoules() {
        Map<String, Double> out = new LinkedHashMap<>();
        read(nanoClock).forEach((id, r) -> out.put(id, r.joules()));
        return out;
    }

    /** Exact readings (the counters, or power integrated up to now), each GPU timed by its own read on {@code clock}. */
    @Override
    public synchronized Map<String, EnergyReading> read(LongSupplier clock) {
        Map<Source, Optional<EnergyReading>> read = new HashMap<>();
        Map<String, EnergyReading> out = new LinkedHashMap<>();
        for (Channel c : channels) {
            Optional<EnergyReading> r = read.computeIfAbsent(c.source(), s -> {
                long before = clock.getAsLong();
                OptionalDouble j = s.read(before, openedNanos);
                long at = before + (clock.getAsLong() - before) / 2;
                return j.isPresent() ? Optional.of(new EnergyReading(j.getAsDouble(), at)) : Optional.empty();
            });
            r.ifPresent(x -> out.put(c.domain().id(), new EnergyReading(x.joules() * c.share(), x.nanos())));
        }
        return out;
    }

    /**
     * For the time series: counters are not read (~4 ms each); the last counter reading plus power sampled since,
     * integrated with the trapezoid rule. GPUs without a counter integrate power as always.
     */
    @Override
    public synchronized Map<String, Double> sampleJoules() {
        long now = nanoClock.getAsLong();
        Map<Source, OptionalDouble> read = new HashMap<>();
        Map<String, Double> out = new LinkedHashMap<>();
        for (Channel c : channels) {
            OptionalDouble j = read.computeIfAbsent(c.source(), s -> s.sample(now, openedNanos));
            if (j.isPresent()) {
                out.put(c.domain().id(), j.getAsDouble() * c.share());
            }
        }
        return out;
    }

    /**
     * Samples power: GPUs without an energy counter integrate it (integration needs regular samples); GPUs with one
     * keep the time series' estimate current and notice a GPU that is lost (µs a read; the counter is not read).
     */
    @Override
    public synchronized void poll() {
        long now = nanoClock.getAsLong();
        channels.stream().map(Channel::source).distinct().forEach(s -> s.sample(now, openedNanos));
    }

    @Override
    public Optional<Duration> maxPollInterval() {
        return integrates ? Optional.of(samplerInterval) : Optional.empty();
    }

    /**
     * The counter: 1 mJ steps, changing every 100 ms (measured on an H100, docs/energy.md). Integrated power:
     * one sampler interval, or about 1 s where the power reading is itself a ~1 s average. A MIG slice: its
     * share of its parent's.
     */
    @Override
    public synchronized Optional<MeterResolution> resolution(String domainId) {
        return channels.stream().filter(c -> c.domain().id().equals(domainId)).findFirst().map(c -> {
            Source s = c.source();
            if (s.method == MeasurementMethod.MEASURED) {
                return new MeterResolution(1e-3 * c.share(), COUNTER_UPDATE,
                        "NVML total-energy counter: mJ steps, changes every 100 ms");
            }
            Duration step = s.averagedPower && samplerInterval.compareTo(AVERAGED_POWER_WINDOW) < 0
                    ? AVERAGED_POWER_WINDOW : samplerInterval;
            return new MeterResolution(0, step, "NVML power integrated every " + samplerInterval.toMillis() + " ms"
                    + (s.averagedPower ? " from a ~1 s average power" : ""));
        });
    }

    /** Why a domain has no reading now (its GPU was lost, or the last read failed), if it has none. */
    @Override
    public synchronized Optional<String> unavailableReason(String domainId) {
        return channels.stream().filter(c -> c.domain().id().equals(domainId)).findFirst()
                .map(c -> c.source().unavailable()).filter(r -> !r.isEmpty());
    }

    @Override
    public synchronized Map<String, String> notes() {
        Map<String, String> n = new LinkedHashMap<>(staticNotes);
        for (Channel c : channels) {
            Source s = c.source();
            if (s.lostReason != null) {
                n.put(c.domain().id() + ".unavailable", s.lostReason);
            }
            if (s.failures > 0) {
                n.put(c.domain().id() + ".failed_reads", s.failures + " (last: " + s.lastFailure + ")");
            }
            if (s.counterResets > 0) {
                n.put(c.domain().id() + ".counter_resets", s.counterResets + " (the energy counter went backwards, "
                        + "e.g. after a driver reload; counting continued from the new value)");
            }
        }
        return n;
    }

    @Override
    public void close() {
        session.close();
    }

    /** The energy of one physical GPU since the meter opened, by counter or by integration. */
    private static final class Source {
        final GpuSelection.Gpu gpu;
        @Nullable MeasurementMethod method;
        String problem = "";
        ToDoubleFunction<NvmlDevice> power = NvmlDevice::powerWatts;
        String powerSource = "";
        boolean averagedPower;
        // counter
        double startJoules;
        double lastRawJoules;
        double carriedJoules;
        int counterResets;
        boolean hasPower;
        // between counter reads (time series only)
        double sampledJoules;
        double sampledWatts = Double.NaN;
        long sampledNanos;
        // integration
        double integratedJoules;
        double lastWatts;
        long lastNanos;
        // failures
        @Nullable String lostReason;
        @Nullable String lastFailure;
        int failures;
        boolean lastReadFailed;

        private Source(GpuSelection.Gpu gpu) {
            this.gpu = gpu;
        }

        static Source open(GpuSelection.Gpu gpu, GpuSelection selection, long nowNanos) {
            Source s = new Source(gpu);
            Optional<NvmlException> counter = selection.counterProblem(gpu);
            try {
                if (counter.isEmpty()) {
                    s.startJoules = gpu.device().totalEnergyJoules();
                    s.lastRawJoules = s.startJoules;
                    s.method = MeasurementMethod.MEASURED;
                    s.sampledNanos = nowNanos;
                    try {
                        s.choosePower();
                        s.sampledWatts = s.power.applyAsDouble(gpu.device());
                        s.hasPower = true;
                    } catch (NvmlException e) {
                        s.powerSource = "";
                    }
                    return s;
                }
                s.problem = NvmlReturn.name(counter.get().code());
                if (!counter.get().isCapability()) {
                    throw counter.get();
                }
                s.choosePower();
                s.lastWatts = s.power.applyAsDouble(gpu.device());
                s.lastNanos = nowNanos;
                s.method = MeasurementMethod.INTEGRATED;
            } catch (NvmlException e) {
                s.problem = e.isCapability() ? "neither an energy counter nor a power reading ("
                        + NvmlReturn.name(e.code()) + ")" : e.getMessage();
                s.method = null;
            }
            return s;
        }

        /**
         * Instantaneous power where the driver offers it; otherwise nvmlDeviceGetPowerUsage, which
         * Ampere and newer (except GA100, the A100) report as a ~1 s average.
         */
        void choosePower() {
            try {
                gpu.device().powerInstantWatts();
                power = NvmlDevice::powerInstantWatts;
                powerSource = "instantaneous power (nvmlDeviceGetFieldValues, NVML_FI_DEV_POWER_INSTANT)";
                return;
            } catch (NvmlException e) {
                LOG.debug("no instantaneous power on {}: {}", gpu.id(), e.getMessage());
            }
            boolean averaged;
            try {
                averaged = gpu.device().architecture().code() >= NvmlDevice.ARCH_AMPERE
                        && !gpu.name().toUpperCase(Locale.ROOT).contains("A100");
            } catch (NvmlException e) {
                averaged = false;
            }
            averagedPower = averaged;
            powerSource = "nvmlDeviceGetPowerUsage" + (averaged ? " (a ~1 s average on this architecture, so the "
                    + "integral lags load changes)" : "");
        }

        OptionalDouble read(long nowNanos, long openedNanos) {
            if (lostReason != null) {
                return OptionalDouble.empty();
            }
            try {
                double value;
                if (method == MeasurementMethod.MEASURED) {
                    double raw = gpu.device().totalEnergyJoules();
                    if (raw < lastRawJoules) {
                        carriedJoules += lastRawJoules;
                        counterResets++;
                    }
                    lastRawJoules = raw;
                    value = raw + carriedJoules - startJoules;
                    sampledJoules = value;
                    sampledNanos = nowNanos;
                    sampledWatts = samplePower(nowNanos, openedNanos);
                } else {
                    double watts = power.applyAsDouble(gpu.device());
                    integratedJoules += (lastWatts + watts) / 2 * (nowNanos - lastNanos) / 1e9;
                    lastWatts = watts;
                    lastNanos = nowNanos;
                    value = integratedJoules;
                }
                lastReadFailed = false;
                return OptionalDouble.of(value);
            } catch (NvmlException e) {
                lastReadFailed = true;
                if (e.isGpuLost()) {
                    lost(e, nowNanos, openedNanos);
                } else {
                    failures++;
                    lastFailure = e.getMessage();
                    LOG.debug("NVML read failed", e);
                }
                return OptionalDouble.empty();
            }
        }

        /** Power now for the time series, NaN when unavailable; a GPU found lost is marked so. */
        private double samplePower(long nowNanos, long openedNanos) {
            if (!hasPower || lostReason != null) {
                return Double.NaN;
            }
            try {
                return power.applyAsDouble(gpu.device());
            } catch (NvmlException e) {
                if (e.isGpuLost()) {
                    lost(e, nowNanos, openedNanos);
                }
                return Double.NaN;
            }
        }

        private void lost(NvmlException e, long nowNanos, long openedNanos) {
            lostReason = String.format(Locale.ROOT, "%s (%s) was lost %.1f s after the meter opened; its energy "
                    + "after that is unavailable: %s", gpu.id(), gpu.uuid(), (nowNanos - openedNanos) / 1e9,
                    e.getMessage());
            LOG.warn("{}", lostReason);
        }

        /**
         * The time series' reading: for a counter, the last counter value plus sampled power integrated since it
         * (the counter itself is not read); without a counter, the integral of power as for {@link #read}.
         */
        OptionalDouble sample(long nowNanos, long openedNanos) {
            if (method != MeasurementMethod.MEASURED) {
                return read(nowNanos, openedNanos);
            }
            if (lostReason != null) {
                return OptionalDouble.empty();
            }
            double watts = samplePower(nowNanos, openedNanos);
            if (lostReason != null) {
                return OptionalDouble.empty();
            }
            if (Double.isFinite(watts) && Double.isFinite(sampledWatts) && nowNanos > sampledNanos) {
                sampledJoules += (sampledWatts + watts) / 2 * (nowNanos - sampledNanos) / 1e9;
            }
            if (Double.isFinite(watts)) {
                sampledWatts = watts;
            }
            sampledNanos = Math.max(sampledNanos, nowNanos);
            return OptionalDouble.of(sampledJoules);
        }

        String unavailable() {
            if (lostReason != null) {
                return lostReason;
            }
            return lastReadFailed && lastFailure != null ? "the last NVML read failed: " + lastFailure : "";
        }
    }
}
