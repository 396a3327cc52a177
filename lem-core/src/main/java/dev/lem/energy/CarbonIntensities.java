package dev.lem.energy;

import dev.lem.config.CarbonConfig;
import dev.lem.energy.internal.CarbonTables;
import dev.lem.energy.internal.GridLocation;
import java.util.Map;
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
     * @param config the carbon settings
     * @return the intensity; empty when nothing was configured
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

    /**
     * The intensity for this configuration, or, when nothing is configured, for the location inferred on the
     * machine that ran the experiment ({@link #inferLocation}): a cloud region, a country from the time zone, else the
     * world average — each labelled as inferred, e.g. {@code country FRA (France), inferred from time zone
     * Europe/Paris (/etc/timezone); set carbon.country to change}. So there is always a figure.
     *
     * @param config the carbon settings
     * @param inferred the facts {@link #inferLocation} recorded with the run (empty: world average)
     * @return the intensity; never empty
     * @throws dev.lem.config.ConfigException when a configured country, region, state or zone is not in the tables
     */
    public static Optional<CarbonIntensity> resolve(CarbonConfig config, Map<String, String> inferred) {
        Optional<CarbonIntensity> configured = resolve(config);
        if (configured.isPresent()) {
            return configured;
        }
        double pue = config.pue();
        String from = inferred.getOrDefault(GridLocation.EVIDENCE, "nothing was recorded about the location");
        try {
            if (inferred.containsKey(GridLocation.PROVIDER) && inferred.containsKey(GridLocation.REGION)) {
                CarbonIntensity c = CarbonTables.cloud(inferred.get(GridLocation.PROVIDER),
                        inferred.get(GridLocation.REGION), pue);
                return Optional.of(new CarbonIntensity(c.gramsPerKwh(), pue, c.basis() + ", inferred from " + from
                        + "; set carbon.cloud_provider and carbon.cloud_region (or carbon.country) to change",
                        c.source(), c.year()));
            }
            if (inferred.containsKey(GridLocation.COUNTRY)) {
                CarbonIntensity c = CarbonTables.country(inferred.get(GridLocation.COUNTRY), pue);
                return Optional.of(new CarbonIntensity(c.gramsPerKwh(), pue, c.basis() + ", inferred from " + from
                        + "; set carbon.country to change", c.source(), c.year()));
            }
        } catch (RuntimeException e) {
            from = from + " (" + e.getMessage() + ")";
        }
        return Optional.of(CarbonTables.worldAverage(pue, from));
    }

    /**
     * Where this machine's grid is, inferred offline for runs that configure no carbon location: a cloud region from
     * a variable the cloud sets ({@code AWS_REGION}, {@code AWS_DEFAULT_REGION}, {@code GOOGLE_CLOUD_REGION},
     * {@code CLOUDSDK_COMPUTE_REGION}, {@code FUNCTION_REGION}, {@code REGION_NAME}), else the country of the system
     * time zone ({@code TZ}, {@code /etc/timezone}, {@code /etc/localtime}). Facts to store with the run; never throws.
     *
     * @param env the environment variables
     * @param root the file system root ({@code /}; tests pass their own)
     * @return the facts, by name
     */
    public static Map<String, String> inferLocation(Map<String, String> env, java.nio.file.Path root) {
        return GridLocation.infer(env, root);
    }

    /**
     * Why no intensity is available for this configuration (for the result's unavailable list).
     *
     * @param config the carbon settings
     * @return the reason, with the settings to use
     */
    public static String whyUnavailable(CarbonConfig config) {
        return "no carbon intensity configured: set carbon.country (ISO-3, e.g. FRA), carbon.cloud_provider and "
                + "carbon.cloud_region, carbon.us_state, carbon.nordic_zone, or carbon.intensity_g_per_kwh";
    }
}
