package dev.lem.config;

import java.util.Optional;

/**
 * Where the electricity comes from ({@code carbon.*}); never looked up over the network. The first
 * given of intensity, cloud region, US state, Nordic zone and country is used.
 *
 * @param country           ISO 3166 alpha-3 code
 * @param cloudProvider     gcp, aws or azure
 * @param cloudRegion       cloud region
 * @param usState           US state name
 * @param nordicZone        Nordic bidding zone
 * @param intensityGPerKwh  a given intensity in gCO2e/kWh
 * @param pue               power usage effectiveness (>= 1)
 */
public record CarbonConfig(
        @Key(doc = "ISO 3166 alpha-3 country code of the electricity grid, e.g. FRA, USA.") Optional<String> country,
        @Key(doc = "Cloud provider (gcp, aws, azure) with carbon.cloud_region.") Optional<String> cloudProvider,
        @Key(doc = "Cloud region, e.g. us-west1.") Optional<String> cloudRegion,
        @Key(doc = "US state name, e.g. california.") Optional<String> usState,
        @Key(doc = "Nordic bidding zone: SE1-SE4, NO1-NO5, FI.") Optional<String> nordicZone,
        @Key(doc = "Grid carbon intensity, given.", min = 0, max = 5000, unit = "gCO2e/kWh")
        Optional<Double> intensityGPerKwh,
        @Key(doc = "Power usage effectiveness of the data centre.", defaultValue = "1.0", min = 1, max = 5) double pue) {

    /**
     * The grid of a country (ISO 3166 alpha-3, e.g. {@code FRA}).
     *
     * @param iso3 the country's ISO 3166 alpha-3 code
     * @return the carbon settings
     */
    public static CarbonConfig country(String iso3) {
        return new CarbonConfig(Optional.of(iso3), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), 1.0);
    }

    /**
     * A cloud region's grid ({@code gcp}, {@code aws} or {@code azure}, e.g. {@code us-west1}).
     *
     * @param provider {@code gcp}, {@code aws} or {@code azure}
     * @param region the provider's region
     * @return the carbon settings
     */
    public static CarbonConfig cloud(String provider, String region) {
        return new CarbonConfig(Optional.empty(), Optional.of(provider), Optional.of(region), Optional.empty(),
                Optional.empty(), Optional.empty(), 1.0);
    }

    /**
     * A given intensity, gCO2e/kWh (e.g. your utility's figure).
     *
     * @param gramsPerKwh the intensity, gCO2e/kWh
     * @return the carbon settings
     */
    public static CarbonConfig intensity(double gramsPerKwh) {
        return new CarbonConfig(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(gramsPerKwh), 1.0);
    }

    /**
     * A copy with this power usage effectiveness (&gt;= 1).
     *
     * @param pue the power usage effectiveness
     * @return the copy
     */
    public CarbonConfig withPue(double pue) {
        return new CarbonConfig(country, cloudProvider, cloudRegion, usState, nordicZone, intensityGPerKwh, pue);
    }
}
