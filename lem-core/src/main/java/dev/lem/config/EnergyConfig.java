package dev.lem.config;

import java.util.List;
import java.util.Optional;

/**
 * Energy measurement settings ({@code energy.*}).
 *
 * @param meters             meters to use (empty: every available)
 * @param idleBaselineS      seconds of idle measurement before the experiment (0: none)
 * @param samplerIntervalMs  sampler interval in milliseconds
 * @param timeseries         write per-cycle time series CSV files
 * @param raplRoot           root of the powercap tree
 * @param cpu                CPU estimate settings
 * @param ram                RAM estimate settings
 */
public record EnergyConfig(List<String> meters, double idleBaselineS, int samplerIntervalMs, boolean timeseries,
        String raplRoot, Cpu cpu, Ram ram) {

    public EnergyConfig {
        meters = List.copyOf(meters);
    }

    /**
     * CPU estimate settings ({@code energy.cpu.*}), in watts.
     *
     * @param tdpWatts  TDP to use instead of the table lookup
     * @param idleWatts calibrated idle package power
     * @param maxWatts  calibrated full-load package power
     */
    public record Cpu(Optional<Double> tdpWatts, Optional<Double> idleWatts, Optional<Double> maxWatts) {
    }

    /**
     * RAM estimate settings ({@code energy.ram.*}).
     *
     * @param wattsPerGb power per GB of installed memory
     */
    public record Ram(double wattsPerGb) {
    }
}
