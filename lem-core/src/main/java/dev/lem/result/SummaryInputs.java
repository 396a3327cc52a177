package dev.lem.result;

import dev.lem.config.ExperimentConfig;
import dev.lem.energy.CarbonIntensities;
import dev.lem.energy.CarbonIntensity;
import dev.lem.flops.Utilisation;
import dev.lem.spi.ModelInfo;
import dev.lem.spi.PluginStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the summary needs besides the cycles: the statistics settings and seed, why energy or carbon may be
 * missing, the device peaks for MFU/MBU, and why this many cycles ran.
 *
 * @param config        the experiment's configuration (statistics settings, seed, precision)
 * @param noEnergy      why energy is missing, when no cycle has any
 * @param carbon        the carbon intensity, when known
 * @param noCarbon      why there is no carbon intensity
 * @param peak          the device's peaks (or why they are unknown)
 * @param devices       devices the work ran on (the processes of the experiment)
 * @param stopReason    why this many cycles ran
 * @param quality       quality measured beside the cycles (rank 0's), when it was
 */
public record SummaryInputs(ExperimentConfig config, String noEnergy, Optional<CarbonIntensity> carbon,
        String noCarbon, Utilisation.DevicePeak peak, int devices, String stopReason, Optional<QualityResult> quality) {

    /**
     * Checks that no component is null.
     *
     * @param config the experiment's configuration
     * @param noEnergy why energy is missing, when no cycle has any
     * @param carbon the carbon intensity, when known
     * @param noCarbon why there is no carbon intensity
     * @param peak the device's peaks (or why they are unknown)
     * @param devices devices the work ran on
     * @param stopReason why this many cycles ran
     * @param quality quality measured beside the cycles, when it was; {@code null} means none
     */
    public SummaryInputs {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(noEnergy, "noEnergy");
        Objects.requireNonNull(carbon, "carbon");
        Objects.requireNonNull(noCarbon, "noCarbon");
        Objects.requireNonNull(peak, "peak");
        Objects.requireNonNull(stopReason, "stopReason");
        quality = quality == null ? Optional.empty() : quality;
    }

    /**
     * The inputs of an experiment from its setups (rank 0 first) and the carbon intensity resolved for it.
     *
     * @param config the experiment's configuration
     * @param setups at least one process setup
     * @param carbon the carbon intensity, when known
     * @param noCarbon why there is no carbon intensity
     * @return the inputs
     */
    public static SummaryInputs of(ExperimentConfig config, List<RunSetup> setups, Optional<CarbonIntensity> carbon,
            String noCarbon) {
        RunSetup first = setups.stream().min(Comparator.comparingInt(RunSetup::rank)).orElseThrow(
                () -> new IllegalArgumentException("at least one process setup is needed"));
        String dtype = first.model().map(ModelInfo::dtype).orElse(config.precision().toString());
        return new SummaryInputs(config, energyUnavailableReason(first), carbon, noCarbon, peak(config, first, dtype),
                first.worldSize(), first.stopReason(), first.quality());
    }

    /**
     * The peaks of the device the model runs on: the first GPU the workload uses (as NVML named it), the CPU for a
     * model on the CPU (an estimated peak), else the first accelerator a telemetry source names.
     */
    static Utilisation.DevicePeak peak(ExperimentConfig config, RunSetup first, String dtype) {
        Map<String, String> nvml = first.environment().contributions().getOrDefault("nvml", Map.of());
        String used = nvml.get("used_by_workload");
        boolean served = first.model().map(m -> m.source().equals("server")).orElse(false);
        boolean onCpu = !served && config.device().trim().equalsIgnoreCase("cpu");
        if (used != null && !used.equals("none") && !onCpu) {
            String id = used.split(",")[0].trim();
            String gpu = id.contains(".mig[") ? id.substring(0, id.indexOf(".mig[")) : id;
            return Utilisation.resolve(config.flops().peakTflops(), config.flops().peakBandwidthGbS(),
                    Optional.ofNullable(nvml.get(gpu + ".name")), dtype);
        }
        if (onCpu || (!served && "none".equals(used))) {
            var cpu = first.environment().cpu();
            Optional<Integer> cores = cpu.physicalCores();
            Optional<Double> mhz = cpu.maxMhz();
            Optional<dev.lem.flops.Peak> estimate = cores.isPresent() && mhz.isPresent()
                    ? dev.lem.flops.CpuPeak.estimate(cores.get(), mhz.get(), cpu.vectorFlags(), cpu.vendor().orElse(""),
                            dtype, "the highest clock the OS reports")
                    : Optional.empty();
            return Utilisation.resolveCpu(config.flops().peakTflops(), config.flops().peakBandwidthGbS(), estimate,
                    cores.isEmpty() ? "the core count is unknown" : "the clock is unknown");
        }
        return Utilisation.resolve(config.flops().peakTflops(), config.flops().peakBandwidthGbS(), deviceName(first),
                dtype);
    }

    /**
     * The inputs an aggregated result was summarised with.
     *
     * @param result the aggregated result
     * @return the inputs
     */
    public static SummaryInputs of(ExperimentResult result) {
        return of(result.config(), result.processes(), result.carbonIntensity(),
                CarbonIntensities.whyUnavailable(result.config().carbon()));
    }

    /**
     * Inputs for the cycles of one process while it runs (adaptive cycle counts): no setups yet, so no
     * device peak and generic reasons.
     *
     * @param config the experiment's configuration
     * @return the inputs
     */
    public static SummaryInputs running(ExperimentConfig config) {
        Optional<CarbonIntensity> carbon;
        try {
            carbon = CarbonIntensities.resolve(config.carbon());
        } catch (RuntimeException e) {
            carbon = Optional.empty();
        }
        Utilisation.DevicePeak peak = Utilisation.resolve(config.flops().peakTflops(),
                config.flops().peakBandwidthGbS(), Optional.empty(), config.precision().toString());
        return new SummaryInputs(config, "no energy meter gave a reading", carbon,
                CarbonIntensities.whyUnavailable(config.carbon()), peak, 1, "", Optional.empty());
    }

    /** The accelerator's name as a telemetry source reported it (e.g. NVML's {@code gpu0.name}). */
    static Optional<String> deviceName(RunSetup setup) {
        List<String> plugins = new ArrayList<>(setup.environment().contributions().keySet());
        plugins.sort(Comparator.comparing((String p) -> !p.equals("nvml")).thenComparing(Comparator.naturalOrder()));
        for (String p : plugins) {
            Map<String, String> facts = setup.environment().contributions().get(p);
            for (String key : List.of("gpu0.name", "gpu[0].name", "gpu.0.name", "device_name")) {
                if (facts.containsKey(key) && !facts.get(key).isBlank()) {
                    return Optional.of(facts.get(key));
                }
            }
        }
        return Optional.empty();
    }

    private static String energyUnavailableReason(RunSetup setup) {
        List<String> reasons = new ArrayList<>();
        for (PluginStatus p : setup.plugins()) {
            if (p.kind().equals("energy_meter") && !p.used()) {
                reasons.add(p.name() + ": " + p.reason());
            }
        }
        if (!setup.config().server().sameHost()) {
            String remote = setup.plugins().stream().filter(p -> p.kind().equals("energy_meter") && !p.used()
                    && p.name().equals("dcgm-exporter")).map(p -> " (" + p.name() + ": " + p.reason() + ")")
                    .findFirst().orElse("");
            return "the server runs on another host (server.same_host: false) and no remote meter could read its GPUs"
                    + remote + "; set energy.remote.prometheus_url to a DCGM exporter on that host";
        }
        return reasons.isEmpty() ? "no energy meter is available (add lem-nvml for GPUs; see `lem plugins`)"
                : "no energy meter could be used: " + String.join("; ", reasons);
    }
}
