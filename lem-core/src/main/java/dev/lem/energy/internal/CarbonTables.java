package dev.lem.energy.internal;

import dev.lem.config.ConfigException;
import dev.lem.config.ConfigSchema;
import dev.lem.energy.CarbonIntensity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Grid carbon intensity tables shipped with LEM (never a network lookup). Each lookup names its source
 * and the year its figure describes. Tables are read on first use and kept.
 */
public final class CarbonTables {
    /** Pounds per MWh to grams per kWh: 453.592 g/lb ÷ 1000 kWh/MWh. */
    public static final double G_PER_KWH_PER_LB_PER_MWH = 0.453592;

    private static final String OWID = "Our World in Data energy dataset (Ember, Energy Institute; CC-BY 4.0), via "
            + "CodeCarbon's global_energy_mix.json";

    /** A country's row. */
    private record Country(String iso3, String name, Optional<Double> gramsPerKwh, String year) {
    }

    /** A cloud region's row. */
    private record Region(String provider, String region, String countryName, String iso3, double impact,
            String source) {
    }

    private static final class Tables {
        static final Map<String, Country> COUNTRIES = countries();
        static final List<Region> GCP = regions("cloud_impact.csv", "gcp");
        static final List<Region> LEGACY = regions("legacy/cloud_impact_aws_azure_gcp_2023-05.csv", null);
        static final JsonNode US = DataFiles.json("usa_emissions_2016.json");
        static final JsonNode NORDIC = DataFiles.json("nordic_emissions.json");
    }

    private CarbonTables() {
    }

    /**
     * A country's grid intensity by ISO 3166 alpha-3 code (or its English name).
     *
     * @throws ConfigException naming {@code carbon.country} and close matches when unknown
     */
    public static CarbonIntensity country(String code, double pue) {
        Country c = findCountry(code).orElseThrow(() -> new ConfigException("carbon.country", "\"" + code
                + "\" is not an ISO 3166 alpha-3 code or country name in global_energy_mix.json ("
                + Tables.COUNTRIES.size() + " countries)" + closeMatches(code, Tables.COUNTRIES.values().stream()
                        .flatMap(x -> java.util.stream.Stream.of(x.iso3(), x.name())).toList(),
                        s -> Tables.COUNTRIES.containsKey(s) ? s + " (" + Tables.COUNTRIES.get(s).name() + ")" : s)));
        double g = c.gramsPerKwh().orElseThrow(() -> new ConfigException("carbon.country", c.iso3()
                + " has no carbon intensity in global_energy_mix.json: set carbon.intensity_g_per_kwh"));
        return new CarbonIntensity(g, pue, "country " + c.iso3() + " (" + c.name() + ")", OWID, c.year());
    }

    /** True when the country (ISO 3166 alpha-3) has an intensity in the table. */
    public static boolean knowsCountry(String iso3) {
        Country c = Tables.COUNTRIES.get(iso3.toUpperCase(Locale.ROOT));
        return c != null && c.gramsPerKwh().isPresent();
    }

    /** The world average, CodeCarbon's last resort: IEA's 2019 figure in carbon_intensity_per_source.json. */
    public static CarbonIntensity worldAverage(double pue, String why) {
        JsonNode t = DataFiles.json("carbon_intensity_per_source.json");
        return new CarbonIntensity(t.get("world_average").asDouble(), pue, "world average, inferred: " + why
                + "; set carbon.country to change", "IEA Global Energy & CO2 Status Report 2019, via CodeCarbon's "
                + "carbon_intensity_per_source.json", "2019");
    }

    /**
     * A cloud region's intensity. GCP: Google's published figure per region (cloud_impact.csv). AWS and
     * Azure: no provider figure is shipped (CodeCarbon removed them in 2023 as outdated), so the region is
     * located in its country by CodeCarbon's 2023-05 table and the country's grid average is used.
     *
     * @throws ConfigException for an unknown provider or region, with close matches
     */
    public static CarbonIntensity cloud(String provider, String region, double pue) {
        String p = provider.trim().toLowerCase(Locale.ROOT);
        String r = region.trim().toLowerCase(Locale.ROOT);
        if (p.equals("gcp") || p.equals("google")) {
            Region row = findRegion(Tables.GCP, "gcp", r);
            return new CarbonIntensity(row.impact(), pue, "cloud gcp " + row.region() + " (" + row.countryName() + ")",
                    "Google Cloud region carbon data (" + row.source() + "), via CodeCarbon's cloud_impact.csv",
                    "not stated (table updated 2024-07-13)");
        }
        if (p.equals("aws") || p.equals("azure")) {
            Region row = findRegion(Tables.LEGACY, p, r);
            Country c = findCountry(row.countryName()).or(() -> findCountry(row.iso3())).orElseThrow(
                    () -> new ConfigException("carbon.cloud_region", p + " " + r + " lies in " + row.countryName()
                            + ", which has no intensity in global_energy_mix.json: set carbon.country or "
                            + "carbon.intensity_g_per_kwh"));
            CarbonIntensity ci = country(c.iso3(), pue);
            return new CarbonIntensity(ci.gramsPerKwh(), pue, "cloud " + p + " " + row.region() + " -> " + ci.basis(),
                    "grid average of the region's country (no provider figure is shipped for " + p + "; region "
                            + "located by CodeCarbon's 2023-05 cloud table): " + OWID, ci.year());
        }
        throw new ConfigException("carbon.cloud_provider", "\"" + provider + "\" is not a known provider: use gcp, "
                + "aws or azure (or set carbon.country / carbon.intensity_g_per_kwh)");
    }

    /**
     * A US state's intensity from EPA eGRID 2016, converted from lbs/MWh to g/kWh. Accepts the name
     * ({@code california}) or the two-letter code ({@code CA}).
     */
    public static CarbonIntensity usState(String state, double pue) {
        String key = state.trim().toLowerCase(Locale.ROOT);
        JsonNode row = Tables.US.get(key);
        String name = key;
        if (row == null || key.startsWith("_")) {
            row = null;
            for (Map.Entry<String, JsonNode> e : Tables.US.properties()) {
                if (e.getValue().has("regionCode") && e.getValue().get("regionCode").asString().equalsIgnoreCase(key)) {
                    row = e.getValue();
                    name = e.getKey();
                }
            }
        }
        if (row == null || !row.has("emissions")) {
            List<String> names = new ArrayList<>();
            Tables.US.properties().forEach(e -> {
                if (!e.getKey().startsWith("_")) {
                    names.add(e.getKey());
                }
            });
            throw new ConfigException("carbon.us_state", "\"" + state + "\" is not a US state name or two-letter "
                    + "code in usa_emissions_2016.json" + closeMatches(key, names, Function.identity()));
        }
        double lbs = row.get("emissions").asDouble();
        return new CarbonIntensity(lbs * G_PER_KWH_PER_LB_PER_MWH, pue, "US state " + name + " ("
                + String.format(Locale.ROOT, "%.3f", lbs) + " lbs/MWh)",
                "US EPA eGRID 2016, via CodeCarbon's usa_emissions_2016.json (lbs/MWh x 0.453592 = g/kWh)", "2016");
    }

    /** A Nordic electricity bidding zone's intensity (SE1–SE4, NO1–NO5, FI). */
    public static CarbonIntensity nordicZone(String zone, double pue) {
        String key = zone.trim().toUpperCase(Locale.ROOT);
        JsonNode data = Tables.NORDIC.get("data");
        JsonNode row = data == null ? null : data.get(key);
        if (row == null) {
            List<String> zones = new ArrayList<>();
            if (data != null) {
                data.properties().forEach(e -> zones.add(e.getKey()));
            }
            throw new ConfigException("carbon.nordic_zone", "\"" + zone + "\" is not a Nordic bidding zone in "
                    + "nordic_emissions.json (" + String.join(", ", zones) + ")");
        }
        JsonNode meta = Tables.NORDIC.get("metadata");
        String src = meta != null && meta.has("source") ? meta.get("source").asString() : "ENTSO-E";
        return new CarbonIntensity(row.get("emission_factor").asDouble(), pue, "Nordic zone " + key + " ("
                + row.path("description").asString("") + ")", src + ", via CodeCarbon's nordic_emissions.json",
                row.has("year") ? row.get("year").asString() : "");
    }

    private static Optional<Country> findCountry(String query) {
        String q = query.trim();
        Country c = Tables.COUNTRIES.get(q.toUpperCase(Locale.ROOT));
        if (c != null) {
            return Optional.of(c);
        }
        if (q.equalsIgnoreCase("USA") || q.equalsIgnoreCase("US")) {
            return Optional.ofNullable(Tables.COUNTRIES.get("USA"));
        }
        return Tables.COUNTRIES.values().stream().filter(x -> x.name().equalsIgnoreCase(q)).findFirst();
    }

    private static Region findRegion(List<Region> rows, String provider, String region) {
        List<Region> mine = rows.stream().filter(x -> x.provider().equals(provider)).toList();
        return mine.stream().filter(x -> x.region().equalsIgnoreCase(region)).findFirst()
                .orElseThrow(() -> new ConfigException("carbon.cloud_region", "\"" + region + "\" is not a " + provider
                        + " region in LEM's cloud table" + closeMatches(region,
                                mine.stream().map(Region::region).toList(), Function.identity())));
    }

    private static Map<String, Country> countries() {
        Map<String, Country> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : DataFiles.json("global_energy_mix.json").properties()) {
            JsonNode v = e.getValue();
            JsonNode ci = v.get("carbon_intensity");
            out.put(e.getKey().toUpperCase(Locale.ROOT), new Country(e.getKey(), v.path("country_name").asString(e.getKey()),
                    ci == null || ci.isNull() ? Optional.empty() : Optional.of(ci.asDouble()),
                    v.has("year") ? v.get("year").asString() : ""));
        }
        return out;
    }

    private static List<Region> regions(String resource, @Nullable String onlyProvider) {
        List<Region> out = new ArrayList<>();
        for (Map<String, String> r : DataFiles.csv(resource)) {
            String p = r.getOrDefault("provider", "");
            if (onlyProvider != null && !onlyProvider.equals(p)) {
                continue;
            }
            try {
                out.add(new Region(p, r.get("region"), r.getOrDefault("country_name", ""),
                        r.getOrDefault("countryIsoCode", ""), Double.parseDouble(r.get("impact")),
                        r.getOrDefault("source", "")));
            } catch (RuntimeException e) {
                // a row without a number is skipped
            }
        }
        return out;
    }

    /** {@code "; close matches: a, b"} (edit distance ≤ 2 or a shared prefix), or {@code ""}. */
    static String closeMatches(String query, List<String> candidates, Function<String, String> label) {
        String q = query.trim().toLowerCase(Locale.ROOT);
        List<String> close = candidates.stream().distinct()
                .map(c -> Map.entry(c, ConfigSchema.distance(q, c.toLowerCase(Locale.ROOT))))
                .filter(e -> e.getValue() <= Math.max(1, Math.min(2, q.length() / 3))
                        || q.length() >= 3 && e.getKey().toLowerCase(Locale.ROOT).startsWith(q))
                .sorted(Comparator.comparingInt((Map.Entry<String, Integer> e) -> e.getValue()).thenComparing(Map.Entry::getKey))
                .limit(6).map(e -> label.apply(e.getKey())).distinct().toList();
        return close.isEmpty() ? "" : "; close matches: " + String.join(", ", close);
    }
}
