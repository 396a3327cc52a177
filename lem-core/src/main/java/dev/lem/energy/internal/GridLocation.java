package dev.lem.energy.internal;

import dev.lem.env.SysFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Where this machine's electricity grid is, inferred with no network when nothing is configured: a cloud region an
 * environment variable the cloud sets names, else the country of the system time zone ({@code TZ},
 * {@code /etc/timezone}, {@code /etc/localtime}). The result is a few facts stored with the run, so aggregation
 * elsewhere uses the place the run happened.
 */
public final class GridLocation {
    /** Cloud region variables, in the order tried, and the provider each belongs to. */
    static final List<Map.Entry<String, String>> CLOUD_VARIABLES = List.of(
            Map.entry("AWS_REGION", "aws"), Map.entry("AWS_DEFAULT_REGION", "aws"),
            Map.entry("GOOGLE_CLOUD_REGION", "gcp"), Map.entry("CLOUDSDK_COMPUTE_REGION", "gcp"),
            Map.entry("FUNCTION_REGION", "gcp"), Map.entry("REGION_NAME", "azure"));
    /** Fact keys. */
    public static final String PROVIDER = "cloud_provider";
    public static final String REGION = "cloud_region";
    public static final String COUNTRY = "country";
    public static final String EVIDENCE = "inferred_from";

    private static final class Zones {
        static final Map<String, String> TO_COUNTRY = load();

        private static Map<String, String> load() {
            Map<String, String> out = new LinkedHashMap<>();
            try (InputStream in = GridLocation.class.getResourceAsStream("/dev/lem/energy/tz_countries.tsv")) {
                if (in == null) {
                    return out;
                }
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    String[] f = line.split("\t");
                    if (f.length == 2) {
                        out.put(f[0].trim(), f[1].trim());
                    }
                }
            } catch (IOException e) {
                // no table: time zones give no country
            }
            return out;
        }
    }

    private GridLocation() {
    }

    /**
     * The facts inferred from {@code env} and the files under {@code root}: {@code cloud_provider} +
     * {@code cloud_region}, or {@code country} (ISO 3166 alpha-3), each with {@code inferred_from}; or only
     * {@code inferred_from} saying why nothing was found (the world average then applies). Never throws.
     */
    public static Map<String, String> infer(Map<String, String> env, Path root) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> v : CLOUD_VARIABLES) {
            String region = env.get(v.getKey());
            if (region == null || region.isBlank()) {
                continue;
            }
            String r = v.getValue().equals("azure") ? region.replace(" ", "").toLowerCase(Locale.ROOT)
                    : region.trim().toLowerCase(Locale.ROOT);
            try {
                CarbonTables.cloud(v.getValue(), r, 1.0);
            } catch (RuntimeException e) {
                continue; // a region LEM's tables do not know: try the next evidence
            }
            out.put(PROVIDER, v.getValue());
            out.put(REGION, r);
            out.put(EVIDENCE, v.getKey() + "=" + region);
            return out;
        }
        Optional<Map.Entry<String, String>> zone = timeZone(env, root);
        if (zone.isPresent()) {
            String iso2 = Zones.TO_COUNTRY.get(zone.get().getKey());
            Optional<String> iso3 = iso2 == null ? Optional.empty() : iso3(iso2);
            if (iso3.isPresent() && CarbonTables.knowsCountry(iso3.get())) {
                out.put(COUNTRY, iso3.get());
                out.put(EVIDENCE, "time zone " + zone.get().getKey() + " (" + zone.get().getValue() + ")");
                return out;
            }
            out.put(EVIDENCE, "the time zone " + zone.get().getKey() + " (" + zone.get().getValue() + ") names no "
                    + "country with a grid figure, and no cloud region variable is set");
            return out;
        }
        out.put(EVIDENCE, "no time zone (TZ, /etc/timezone, /etc/localtime) and no cloud region variable is set");
        return out;
    }

    /** The system time zone and where it was read: {@code TZ}, {@code /etc/timezone}, {@code /etc/localtime}. */
    static Optional<Map.Entry<String, String>> timeZone(Map<String, String> env, Path root) {
        String tz = env.get("TZ");
        if (tz != null && !tz.isBlank()) {
            return zoneName(tz.startsWith(":") ? tz.substring(1) : tz).map(z -> Map.entry(z, "TZ"));
        }
        Optional<String> file = SysFiles.firstLine(root.resolve("etc/timezone"));
        if (file.isPresent() && !file.get().isBlank()) {
            return zoneName(file.get()).map(z -> Map.entry(z, "/etc/timezone"));
        }
        Path localtime = root.resolve("etc/localtime");
        try {
            if (Files.isSymbolicLink(localtime)) {
                return zoneName(Files.readSymbolicLink(localtime).toString()).map(z -> Map.entry(z, "/etc/localtime"));
            }
        } catch (IOException | RuntimeException e) {
            // unreadable: no zone from it
        }
        return Optional.empty();
    }

    /** {@code Europe/Paris} from {@code Europe/Paris} or a path ending in {@code zoneinfo/Europe/Paris}. */
    private static Optional<String> zoneName(String value) {
        String v = value.trim();
        int i = v.indexOf("zoneinfo/");
        if (i >= 0) {
            v = v.substring(i + "zoneinfo/".length());
        }
        if (v.startsWith("posix/") || v.startsWith("right/")) {
            v = v.substring(v.indexOf('/') + 1);
        }
        return v.isEmpty() ? Optional.empty() : Optional.of(v);
    }

    private static Optional<String> iso3(String iso2) {
        try {
            String s = new Locale("", iso2).getISO3Country();
            return s.isEmpty() ? Optional.empty() : Optional.of(s);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
