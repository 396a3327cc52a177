package dev.lem.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Energy measurement settings ({@code energy.*}).
 *
 * @param meters             meters to use (empty: every available)
 * @param devices            the GPUs the workload uses, CUDA_VISIBLE_DEVICES syntax (empty: derived)
 * @param idleBaselineS      seconds of idle measurement before the experiment (0: none)
 * @param idleMaxCpuPct      the machine's mean CPU utilisation above which the idle baseline is disturbed, %
 * @param idleMaxGpuPct      any GPU's mean utilisation above which the idle baseline is disturbed, %
 * @param samplerIntervalMs  sampler interval in milliseconds
 * @param timeseries         write per-cycle time series CSV files
 * @param raplRoot           root of the powercap tree
 * @param cpu                CPU estimate settings
 * @param ram                RAM estimate settings
 * @param remote             the remote GPU energy meter's settings (a DCGM exporter on the server's host)
 * @param meterOptions       options of the meter plug-ins, as {@code <meter>.<option>}: value
 */
public record EnergyConfig(
        @Key(doc = "Energy meters to use (empty: every available one).", defaultValue = "[]") List<String> meters,
        @Key(doc = "The GPUs the workload uses, as CUDA_VISIBLE_DEVICES names them (indices, GPU or MIG UUIDs): only "
                + "their energy counts in the energy figures; other GPUs are measured and shown apart. Empty: the "
                + "model's device for in-process backends (none for device: cpu), the managed server's "
                + "CUDA_VISIBLE_DEVICES, or every GPU for a server LEM does not manage.", defaultValue = "[]")
        List<String> devices,
        @Key(doc = "Idle power is measured this long before the model loads (0: no baseline); 10 s give idle power "
                + "within +-1% for counters that update every 100 ms (NVML).", defaultValue = "10.0",
                min = 0, max = 3600, unit = "s") double idleBaselineS,
        @Key(doc = "The idle baseline is marked disturbed when the machine's mean CPU utilisation over it exceeds "
                + "this.", defaultValue = "10", min = 0, max = 100, unit = "%") double idleMaxCpuPct,
        @Key(doc = "The idle baseline is marked disturbed when any GPU's mean utilisation over it exceeds this (or a "
                + "GPU throttles).", defaultValue = "5", min = 0, max = 100, unit = "%") double idleMaxGpuPct,
        @Key(doc = "Interval of the power/telemetry sampler.", defaultValue = "100", min = 5, max = 60_000,
                unit = "ms") int samplerIntervalMs,
        @Key(doc = "Write each cycle's sampled time series as CSV.", defaultValue = "true") boolean timeseries,
        @Key(doc = "Root of the Linux powercap tree (RAPL).", defaultValue = "/sys/class/powercap") String raplRoot,
        @Key(doc = "CPU power estimate (where no RAPL counter exists).") Cpu cpu,
        @Key(doc = "RAM power estimate.") Ram ram,
        @Key(doc = "GPU energy of a served model on another host (server.same_host: false), read from a Prometheus "
                + "endpoint on that host: NVIDIA's DCGM exporter.") Remote remote,
        @Key(doc = "Options of the energy meter plug-ins, under each meter's name (e.g. "
                + "meter_options: {nvml: {...}}); each meter declares its own, listed by `lem plugins`.")
        Map<String, Object> meterOptions) {

    /**
     * Copies the lists and the meter options, sorted by key.
     *
     * @param meters meters to use (empty: every available)
     * @param devices the GPUs the workload uses, CUDA_VISIBLE_DEVICES syntax (empty: derived)
     * @param idleBaselineS seconds of idle measurement before the experiment (0: none)
     * @param idleMaxCpuPct the machine's mean CPU utilisation above which the idle baseline is disturbed, %
     * @param idleMaxGpuPct any GPU's mean utilisation above which the idle baseline is disturbed, %
     * @param samplerIntervalMs sampler interval, ms
     * @param timeseries write per-cycle time series CSV files
     * @param raplRoot root of the powercap tree
     * @param cpu CPU estimate settings
     * @param ram RAM estimate settings
     * @param remote the remote GPU energy meter's settings
     * @param meterOptions options of the meter plug-ins, as {@code <meter>.<option>}: value
     */
    public EnergyConfig {
        meters = List.copyOf(meters);
        devices = List.copyOf(devices);
        meterOptions = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(meterOptions));
    }

    /**
     * The options given for one meter (the part of {@code meter_options} under its name).
     *
     * @param meter the meter's name
     * @return the meter's options, by option name
     */
    public Map<String, Object> optionsOf(String meter) {
        Map<String, Object> out = new java.util.TreeMap<>();
        meterOptions.forEach((k, v) -> {
            if (k.startsWith(meter + ".")) {
                out.put(k.substring(meter.length() + 1), v);
            }
        });
        return out;
    }

    /** {@return the settings of a monitor outside an experiment: every default} */
    public static EnergyConfig defaults() {
        return ExperimentConfig.defaults().energy();
    }

    /**
     * CPU estimate settings ({@code energy.cpu.*}), in watts.
     *
     * @param tdpWatts  TDP to use instead of the table lookup
     * @param idleWatts calibrated idle package power
     * @param maxWatts  calibrated full-load package power
     */
    public record Cpu(
            @Key(doc = "CPU TDP to use instead of the table lookup.", min = 0, max = 10_000, unit = "W")
            Optional<Double> tdpWatts,
            @Key(doc = "Calibration: CPU package power when idle.", min = 0, max = 10_000, unit = "W")
            Optional<Double> idleWatts,
            @Key(doc = "Calibration: CPU package power at full load.", min = 0, max = 10_000, unit = "W")
            Optional<Double> maxWatts) {
    }

    /**
     * RAM estimate settings ({@code energy.ram.*}).
     *
     * @param wattsPerGb power per GB of installed memory
     */
    public record Ram(
            @Key(doc = "RAM estimate: power per GB of installed memory (3 W per 8 GB).", defaultValue = "0.375",
                    min = 0, max = 100, unit = "W/GB") double wattsPerGb) {
    }

    /**
     * Settings of the remote GPU energy meter ({@code energy.remote.*}): a DCGM exporter on the host of a served
     * model that runs elsewhere.
     *
     * @param prometheusUrl    the exporter's metrics URL, e.g. {@code http://gpu-node:9400/metrics}; unset: no remote
     *                         energy
     * @param hostname         only samples whose {@code Hostname} label is this (an endpoint serving several hosts)
     * @param scrapeIntervalMs how often the endpoint is read between window edges, ms
     * @param updateIntervalMs how often the exporter refreshes its values (its collect interval), ms
     * @param timeoutS         the longest wait for one scrape, s
     */
    public record Remote(
            @Key(doc = "Metrics URL of a DCGM exporter on the server's host, e.g. http://gpu-node:9400/metrics. Used "
                    + "when server.same_host is false; the GPUs counted are those in energy.devices (every GPU the "
                    + "exporter reports when empty).")
            Optional<String> prometheusUrl,
            @Key(doc = "Only samples whose Hostname label is this (for an endpoint that serves several hosts).")
            Optional<String> hostname,
            @Key(doc = "How often the exporter is read between the edges of measurement windows (for power "
                    + "integration and the time series); the edges are always read.", defaultValue = "1000",
                    min = 50, max = 60_000, unit = "ms") int scrapeIntervalMs,
            @Key(doc = "How often the exporter refreshes its values: dcgm-exporter's -c/--collect-interval, whose "
                    + "default is 30000; windows too short for it are refused. Start the exporter with -c 1000 and "
                    + "set 1000 here.", defaultValue = "30000", min = 10, max = 600_000, unit = "ms")
            int updateIntervalMs,
            @Key(doc = "The longest wait for one scrape.", defaultValue = "2.0", min = 0.05, max = 60, unit = "s")
            double timeoutS) {
    }
}
