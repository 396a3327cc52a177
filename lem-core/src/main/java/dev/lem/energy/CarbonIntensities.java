package dev.lem.energy;

import dev.lem.config.CarbonConfig;
import java.util.Optional;

/**
 * Resolves the configured carbon intensity ({@code carbon.*}).
 */
public final class CarbonIntensities {
    private CarbonIntensities() {
    }

    /**
     * The intensity for this configuration, or empty when nothing was configured.
     *
     * @throws dev.lem.LemException when a configured country, region, state or zone is not in the tables
     */
    public static Optional<CarbonIntensity> resolve(CarbonConfig config) {
        if (config.intensityGPerKwh().isPresent()) {
            return Optional.of(new CarbonIntensity(config.intensityGPerKwh().get(), config.pue(), "given",
                    "carbon.intensity_g_per_kwh in the configuration", ""));
        }
        return Optional.empty();
    }

    /** Why no intensity is available for this configuration (for the result's unavailable list). */
    public static String whyUnavailable(CarbonConfig config) {
        return "no carbon intensity configured: set carbon.country (ISO-3, e.g. FRA), carbon.cloud_provider and "
                + "carbon.cloud_region, carbon.us_state, carbon.nordic_zone, or carbon.intensity_g_per_kwh";
    }
}
