package dev.lem.energy;

import java.util.Objects;

/**
 * Carbon intensity of the electricity used, from configuration — never looked up over the network.
 *
 * @param gramsPerKwh gCO2e per kWh of electricity
 * @param pue         power usage effectiveness applied on top (>= 1)
 * @param basis       what was configured: {@code country FRA}, {@code cloud gcp us-west1}, {@code given}, ...
 * @param source      where the figure comes from (dataset and its upstream source)
 * @param year        the year the figure describes, or empty when unknown
 */
public record CarbonIntensity(double gramsPerKwh, double pue, String basis, String source, String year) {
    /**
     * Checks that the text components are set.
     *
     * @param gramsPerKwh gCO2e per kWh of electricity
     * @param pue power usage effectiveness applied on top
     * @param basis what was configured
     * @param source where the figure comes from
     * @param year the year the figure describes, or empty when unknown
     */
    public CarbonIntensity {
        Objects.requireNonNull(basis, "basis");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(year, "year");
    }

    /**
     * Grams of CO2e for this much energy: J / 3.6e6 × intensity × PUE.
     *
     * @param joules the energy, J
     * @return the emissions, gCO2e
     */
    public double gramsFor(double joules) {
        return joules / 3.6e6 * gramsPerKwh * pue;
    }
}
