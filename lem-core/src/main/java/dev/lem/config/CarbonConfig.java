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
public record CarbonConfig(Optional<String> country, Optional<String> cloudProvider, Optional<String> cloudRegion,
        Optional<String> usState, Optional<String> nordicZone, Optional<Double> intensityGPerKwh, double pue) {
}
