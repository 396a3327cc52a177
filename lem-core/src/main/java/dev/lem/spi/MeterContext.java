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
 */
public record MeterContext(EnergyConfig energy, Map<String, String> environment, int rank, OptionValues options) {
    public MeterContext {
        Objects.requireNonNull(energy, "energy");
        environment = Map.copyOf(environment);
        Objects.requireNonNull(options, "options");
    }

    /** A context without meter options (the core adds each meter's own with {@link #forMeter}). */
    public MeterContext(EnergyConfig energy, Map<String, String> environment, int rank) {
        this(energy, environment, rank, OptionValues.none());
    }

    /**
     * The context for one meter: its options from {@code energy.meter_options.<name>.*}, checked.
     *
     * @throws dev.lem.config.ConfigException when an option is unknown or invalid
     */
    public MeterContext forMeter(EnergyMeterProvider provider) {
        String name = Plugins.safeName(provider);
        return new MeterContext(energy, environment, rank,
                OptionValues.check(name, provider.options(), energy.optionsOf(name), "energy.meter_options." + name));
    }

    /** The default energy settings with this process's environment, rank 0. */
    public static MeterContext defaults() {
        return new MeterContext(EnergyConfig.defaults(), System.getenv(), 0);
    }
}
