package dev.lem.spi;

import dev.lem.config.EnergyConfig;
import dev.lem.config.OptionValues;
import java.util.Map;
import java.util.Objects;

/**
 * What an energy meter or telemetry source is opened with: the {@code energy.*} settings, not the whole
 * experiment.
 *
 * @param energy      the energy settings (meters wanted, sampler interval, RAPL root, estimate calibration)
 * @param environment the process environment variables to honour (e.g. {@code CUDA_VISIBLE_DEVICES});
 *                    tests pass their own map
 * @param rank        this process's rank
 * @param options     the meter's own options ({@code energy.meter_options.<meter>.*}), validated against its
 *                    {@link EnergyMeterProvider#options()}; empty until the core hands the context to one meter
 * @param workload    the accelerators the measured work runs on; a meter that sees others measures them too and
 *                    marks them not used by the workload
 */
public record MeterContext(EnergyConfig energy, Map<String, String> environment, int rank, OptionValues options,
        WorkloadDevices workload) {
    /**
     * Copies the environment and checks that the other components are set.
     *
     * @param energy the energy settings
     * @param environment the process environment variables to honour
     * @param rank this process's rank
     * @param options the meter's own options
     * @param workload the accelerators the measured work runs on
     */
    public MeterContext {
        Objects.requireNonNull(energy, "energy");
        environment = Map.copyOf(environment);
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(workload, "workload");
    }

    /**
     * A context without meter options (the core adds each meter's own with {@link #forMeter}).
     *
     * @param energy the energy settings
     * @param environment the process environment variables to honour
     * @param rank this process's rank
     * @param workload the accelerators the measured work runs on
     */
    public MeterContext(EnergyConfig energy, Map<String, String> environment, int rank, WorkloadDevices workload) {
        this(energy, environment, rank, OptionValues.none(), workload);
    }

    /**
     * A context with meter options whose work uses the GPUs this process's {@code CUDA_VISIBLE_DEVICES} names (every
     * GPU when it is unset): the form before the workload's devices were given.
     *
     * @param energy the energy settings
     * @param environment the process environment variables to honour
     * @param rank this process's rank
     * @param options the meter's own options
     */
    public MeterContext(EnergyConfig energy, Map<String, String> environment, int rank, OptionValues options) {
        this(energy, environment, rank, options, WorkloadDevices.ofProcess(environment));
    }

    /**
     * A context without meter options whose work uses the GPUs this process's {@code CUDA_VISIBLE_DEVICES} names
     * (every GPU when it is unset).
     *
     * @param energy the energy settings
     * @param environment the process environment variables to honour
     * @param rank this process's rank
     */
    public MeterContext(EnergyConfig energy, Map<String, String> environment, int rank) {
        this(energy, environment, rank, OptionValues.none(), WorkloadDevices.ofProcess(environment));
    }

    /**
     * The context for one meter: its options from {@code energy.meter_options.<name>.*}, checked.
     *
     * @param provider the meter's provider
     * @return the context with the meter's options
     * @throws dev.lem.config.ConfigException when an option is unknown or invalid
     */
    public MeterContext forMeter(EnergyMeterProvider provider) {
        String name = Plugins.safeName(provider);
        return new MeterContext(energy, environment, rank,
                OptionValues.check(name, provider.options(), energy.optionsOf(name), "energy.meter_options." + name),
                workload);
    }

    /** {@return the default energy settings with this process's environment, rank 0} */
    public static MeterContext defaults() {
        return new MeterContext(EnergyConfig.defaults(), System.getenv(), 0);
    }
}
