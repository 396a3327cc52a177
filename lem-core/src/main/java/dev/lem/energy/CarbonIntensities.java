package dev.lem.energy;

import dev.lem.config.CarbonConfig;
import dev.lem.energy.internal.CarbonTables;
import java.util.Optional;

/**
 * Resolves the configured carbon intensity ({@code carbon.*}) from tables shipped with LEM — never a
 * network lookup. The first of these that is set is used:
 * <ol>
 *   <li>{@code carbon.intensity_g_per_kwh}: a number you give (e.g. your utility's figure);</li>
 *   <li>{@code carbon.cloud_provider} + {@code carbon.cloud_region}: GCP regions use Google's published
 *       figure; AWS and Azure regions the grid average of the region's country;</li>
 *   <li>{@code carbon.us_state}: EPA eGRID 2016, converted from lbs/MWh;</li>
 *   <li>{@code carbon.nordic_zone}: SE1–SE4, NO1–NO5, FI (ENTSO-E averages, 2024);</li>
 *   <li>{@code carbon.country}: ISO 3166 alpha-3 (Our World in Data, 2021–2023 depending on the country).</li>
 * </ol>
 * The result names the source and the year of the figure. {@code carbon.pue} multiplies every figure.
 */
public final class CarbonIntensities {
    private CarbonIntensities() {
    }

    /**
     * The intensity for this configuration, or empty when nothing was configured.
     *
     * @throws dev.lem.config.ConfigException when a configured country, region, state or zone is not in the
     *                                        tables (the message lists close matches)
     */
    public static Optional<CarbonIntensity> resolve(CarbonConfig config) {
        double pue = config.pue();
        if (config.intensityGPerKwh().isPresent()) {
            return Optional.of(new CarbonIntensity(config.intensityGPerKwh().get(), pue, "given",
                    "carbon.intensity_g_per_kwh in the configuration", ""));
        }
        if (config.cloudRegion().isPresent() || config.cloudProvider().isPresent()) {
            if (config.cloudRegion().isEmpty()) {
                throw new dev.lem.config.ConfigException("carbon.cloud_region", "is required with carbon.cloud_provider ("
                        + config.cloudProvider().get() + "), e.g. us-west1");
            }
            if (config.cloudProvider().isEmpty()) {
                throw new dev.lem.config.ConfigException("carbon.cloud_provider",
                        "is required with carbon.cloud_region (gcp, aws or azure)");
            }
            return Optional.of(CarbonTables.cloud(config.cloudProvider().get(), config.cloudRegion().get(), pue));
        }
        if (config.usState().isPresent()) {
            return Optional.of(CarbonTables.usState(config.usState().get(), pue));
        }
        if (config.nordicZone().isPresent()) {
            return Optional.of(CarbonTables.nordicZone(config.nordicZone().get(), pue));
        }
        if (config.country().isPresent()) {
            return Optional.of(CarbonTables.country(config.country().get(), pue));
        }
        return Optional.empty();
    }

    /** Why no intensity is available for this configuration (for the result's unavailable list). */
    public static String whyUnavailable(CarbonConfig config) {
        return "no carbon intensity configured: set carbon.country (ISO-3, e.g. FRA), carbon.cloud_provider and "
                + "carbon.cloud_region, carbon.us_state, carbon.nordic_zone, or carbon.intensity_g_per_kwh";
    }
}
