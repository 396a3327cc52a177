package dev.lem.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lem.config.CarbonConfig;
import dev.lem.config.ConfigException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CarbonIntensitiesTest {

    static CarbonConfig config(String country, String provider, String region, String state, String zone, Double given,
            double pue) {
        return new CarbonConfig(Optional.ofNullable(country), Optional.ofNullable(provider), Optional.ofNullable(region),
                Optional.ofNullable(state), Optional.ofNullable(zone), Optional.ofNullable(given), pue);
    }

    static CarbonIntensity country(String c) {
        return CarbonIntensities.resolve(config(c, null, null, null, null, null, 1.0)).orElseThrow();
    }

    @Test
    void franceAndTheUsaComeFromTheCountryTableWithTheirYear() {
        CarbonIntensity fra = country("FRA");
        assertThat(fra.gramsPerKwh()).isEqualTo(56.039);
        assertThat(fra.year()).isEqualTo("2023");
        assertThat(fra.basis()).isEqualTo("country FRA (France)");
        assertThat(fra.source()).contains("Our World in Data").contains("global_energy_mix.json");
        CarbonIntensity usa = country("usa");
        assertThat(usa.gramsPerKwh()).isEqualTo(369.473);
        assertThat(usa.year()).isEqualTo("2023");
        assertThat(country("France").gramsPerKwh()).isEqualTo(56.039);
    }

    @Test
    void gramsAreEnergyTimesIntensityTimesPue() {
        CarbonIntensity c = CarbonIntensities.resolve(config("FRA", null, null, null, null, null, 1.5)).orElseThrow();
        // 1 kWh = 3.6 MJ
        assertThat(c.gramsFor(3.6e6)).isCloseTo(56.039 * 1.5, within(1e-9));
        assertThat(c.gramsFor(1800)).isCloseTo(56.039 * 1.5 / 2000, within(1e-12));
    }

    @Test
    void aGcpRegionUsesGooglesFigure() {
        CarbonIntensity c = CarbonIntensities.resolve(config(null, "gcp", "us-west1", null, null, null, 1.0))
                .orElseThrow();
        assertThat(c.gramsPerKwh()).isEqualTo(94.0);
        assertThat(c.basis()).isEqualTo("cloud gcp us-west1 (USA)");
        assertThat(c.source()).contains("cloud.google.com/sustainability/region-carbon");
        assertThat(c.year()).contains("not stated");
    }

    @Test
    void awsAndAzureRegionsUseTheirCountrysGridAverage() {
        CarbonIntensity paris = CarbonIntensities.resolve(config(null, "aws", "eu-west-3", null, null, null, 1.0))
                .orElseThrow();
        assertThat(paris.gramsPerKwh()).isEqualTo(56.039);
        assertThat(paris.basis()).isEqualTo("cloud aws eu-west-3 -> country FRA (France)");
        assertThat(paris.source()).contains("grid average of the region's country");
        // the legacy table says USA for ap-south-1; the country name (India) is what counts
        CarbonIntensity mumbai = CarbonIntensities.resolve(config(null, "AWS", "ap-south-1", null, null, null, 1.0))
                .orElseThrow();
        assertThat(mumbai.basis()).endsWith("country IND (India)");
        assertThat(mumbai.gramsPerKwh()).isEqualTo(country("IND").gramsPerKwh());
        CarbonIntensity azure = CarbonIntensities.resolve(config(null, "azure", "westeurope", null, null, null, 1.0))
                .orElseThrow();
        assertThat(azure.basis()).endsWith("country NLD (Netherlands)");
    }

    @Test
    void aUsStateIsConvertedFromPoundsPerMegawattHour() {
        CarbonIntensity ca = CarbonIntensities.resolve(config(null, null, null, "California", null, null, 1.0))
                .orElseThrow();
        // usa_emissions_2016.json: california 452.541 lbs/MWh = 205.27 g/kWh
        assertThat(ca.gramsPerKwh()).isCloseTo(452.541 * 0.453592, within(1e-9));
        assertThat(ca.year()).isEqualTo("2016");
        assertThat(ca.basis()).contains("california").contains("lbs/MWh");
        assertThat(ca.source()).contains("eGRID 2016").contains("0.453592");
        CarbonIntensity byCode = CarbonIntensities.resolve(config(null, null, null, "ca", null, null, 1.0))
                .orElseThrow();
        assertThat(byCode.gramsPerKwh()).isEqualTo(ca.gramsPerKwh());
    }

    @Test
    void aNordicZoneComesWithItsYear() {
        CarbonIntensity se1 = CarbonIntensities.resolve(config(null, null, null, null, "se1", null, 1.0)).orElseThrow();
        assertThat(se1.gramsPerKwh()).isEqualTo(18.0);
        assertThat(se1.year()).isEqualTo("2024");
        assertThat(se1.basis()).contains("SE1").contains("Northern Sweden");
        assertThat(se1.source()).contains("ENTSO-E");
    }

    @Test
    void aGivenNumberWinsOverEverythingElse() {
        CarbonIntensity c = CarbonIntensities.resolve(config("FRA", "gcp", "us-west1", null, null, 123.0, 1.2))
                .orElseThrow();
        assertThat(c.gramsPerKwh()).isEqualTo(123.0);
        assertThat(c.pue()).isEqualTo(1.2);
        assertThat(c.basis()).isEqualTo("given");
        assertThat(CarbonIntensities.resolve(config(null, null, null, null, null, null, 1.0))).isEmpty();
    }

    @Test
    void unknownNamesFailWithTheKeyAndCloseMatches() {
        assertThatThrownBy(() -> country("FRN")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("carbon.country").hasMessageContaining("\"FRN\"")
                .hasMessageContaining("FRA (France)");
        assertThatThrownBy(() -> country("Frnace")).hasMessageContaining("France");
        assertThatThrownBy(() -> CarbonIntensities.resolve(config(null, "gcp", "us-west9", null, null, null, 1)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("carbon.cloud_region")
                .hasMessageContaining("us-west1").hasMessageContaining("us-west4");
        assertThatThrownBy(() -> CarbonIntensities.resolve(config(null, "ibm", "us-south", null, null, null, 1)))
                .hasMessageContaining("carbon.cloud_provider").hasMessageContaining("gcp, aws or azure");
        assertThatThrownBy(() -> CarbonIntensities.resolve(config(null, "gcp", null, null, null, null, 1)))
                .hasMessageContaining("carbon.cloud_region: is required");
        assertThatThrownBy(() -> CarbonIntensities.resolve(config(null, null, null, "Californa", null, null, 1)))
                .hasMessageContaining("carbon.us_state").hasMessageContaining("california");
        assertThatThrownBy(() -> CarbonIntensities.resolve(config(null, null, null, null, "SE7", null, 1)))
                .hasMessageContaining("carbon.nordic_zone").hasMessageContaining("SE1, SE2");
    }

    static final CarbonConfig NOTHING = config(null, null, null, null, null, null, 1.0);

    @Test
    void withNothingConfiguredTheTimeZonesCountryIsUsedAndLabelledInferred(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path root) throws Exception {
        java.nio.file.Files.createDirectories(root.resolve("etc"));
        java.nio.file.Files.writeString(root.resolve("etc/timezone"), "Europe/Paris\n");
        java.util.Map<String, String> facts = CarbonIntensities.inferLocation(java.util.Map.of(), root);
        assertThat(facts).containsEntry("country", "FRA")
                .containsEntry("inferred_from", "time zone Europe/Paris (/etc/timezone)");
        CarbonIntensity c = CarbonIntensities.resolve(NOTHING, facts).orElseThrow();
        assertThat(c.gramsPerKwh()).isEqualTo(56.039);
        assertThat(c.basis()).isEqualTo("country FRA (France), inferred from time zone Europe/Paris (/etc/timezone); "
                + "set carbon.country to change");
        // TZ wins over the files; /etc/localtime is followed as a link into zoneinfo
        assertThat(CarbonIntensities.inferLocation(java.util.Map.of("TZ", ":America/Los_Angeles"), root))
                .containsEntry("country", "USA").containsEntry("inferred_from", "time zone America/Los_Angeles (TZ)");
        java.nio.file.Files.delete(root.resolve("etc/timezone"));
        java.nio.file.Files.createSymbolicLink(root.resolve("etc/localtime"),
                java.nio.file.Path.of("/usr/share/zoneinfo/Asia/Tokyo"));
        assertThat(CarbonIntensities.inferLocation(java.util.Map.of(), root)).containsEntry("country", "JPN")
                .containsEntry("inferred_from", "time zone Asia/Tokyo (/etc/localtime)");
        // a configured location always wins
        assertThat(CarbonIntensities.resolve(config("DEU", null, null, null, null, null, 1.0), facts).orElseThrow()
                .basis()).isEqualTo("country DEU (Germany)");
    }

    @Test
    void aCloudRegionVariableWinsOverTheTimeZoneAndUtcFallsBackToTheWorldAverage(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path root) throws Exception {
        java.nio.file.Files.createDirectories(root.resolve("etc"));
        java.nio.file.Files.writeString(root.resolve("etc/timezone"), "Etc/UTC\n");
        java.util.Map<String, String> aws = CarbonIntensities.inferLocation(java.util.Map.of("AWS_REGION",
                "eu-west-3"), root);
        assertThat(aws).containsEntry("cloud_provider", "aws").containsEntry("cloud_region", "eu-west-3");
        assertThat(CarbonIntensities.resolve(NOTHING, aws).orElseThrow().basis())
                .isEqualTo("cloud aws eu-west-3 -> country FRA (France), inferred from AWS_REGION=eu-west-3; set "
                        + "carbon.cloud_provider and carbon.cloud_region (or carbon.country) to change");
        java.util.Map<String, String> utc = CarbonIntensities.inferLocation(java.util.Map.of("AWS_REGION",
                "moon-1"), root);
        assertThat(utc).doesNotContainKeys("country", "cloud_region");
        CarbonIntensity world = CarbonIntensities.resolve(NOTHING, utc).orElseThrow();
        assertThat(world.gramsPerKwh()).isEqualTo(475.0);
        assertThat(world.basis()).startsWith("world average, inferred: the time zone Etc/UTC (/etc/timezone) names no "
                + "country").endsWith("; set carbon.country to change");
        assertThat(world.source()).contains("IEA");
        assertThat(CarbonIntensities.resolve(NOTHING, java.util.Map.of()).orElseThrow().gramsPerKwh()).isEqualTo(475.0);
    }
}
