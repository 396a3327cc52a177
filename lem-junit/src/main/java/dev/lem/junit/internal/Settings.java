package dev.lem.junit.internal;

import dev.lem.config.ConfigException;
import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.ValueSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The extension's settings, from JUnit configuration parameters (and so from system properties) and
 * {@code @MeasureEnergy(meters = ...)}.
 *
 * @param config             the configuration the meters open with (defaults plus the {@code energy.*} settings)
 * @param baseline           idle power is measured this long once, before the first test
 * @param maxResolutionError largest share of a window's energy the meter's resolution may account for
 * @param resultsDir         where LEM results are written; empty: not written
 * @param key                what distinguishes one set of open meters from another
 */
public record Settings(ExperimentConfig config, Optional<Duration> baseline, double maxResolutionError,
        Optional<Path> resultsDir, String key) {
    /** {@code lem.energy.meters}: meters to open, comma-separated. */
    public static final String METERS = "lem.energy.meters";
    /** {@code lem.energy.set}: {@code energy.*} assignments, {@code ;}-separated. */
    public static final String SET = "lem.energy.set";
    /** {@code lem.energy.baseline}: idle power measured this long, e.g. {@code 2s}. */
    public static final String BASELINE = "lem.energy.baseline";
    /** {@code lem.energy.max_resolution_error}: e.g. {@code 0.05} or {@code 5%}. */
    public static final String MAX_RESOLUTION_ERROR = "lem.energy.max_resolution_error";
    /** {@code lem.results.dir}: results directory, or {@code none}. */
    public static final String RESULTS_DIR = "lem.results.dir";
    /** The default results directory, next to a Maven build's other reports. */
    public static final String DEFAULT_RESULTS_DIR = "target/lem-results";
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|min)");

    /**
     * Reads the settings.
     *
     * @param parameters a configuration parameter by name
     * @param meters     meters named on the annotation (empty: {@code lem.energy.meters})
     * @throws IllegalArgumentException listing every bad setting, one per line
     */
    public static Settings read(Function<String, Optional<String>> parameters, List<String> meters) {
        List<String> problems = new ArrayList<>();
        List<String> named = !meters.isEmpty() ? meters : parameters.apply(METERS).map(s -> Arrays.stream(s.split(","))
                .map(String::trim).filter(x -> !x.isEmpty()).toList()).orElse(List.of());
        ConfigResolver r = ConfigResolver.withDefaults();
        if (!named.isEmpty()) {
            r.set("energy.meters", named, ValueSource.OVERRIDE);
        }
        String set = parameters.apply(SET).orElse("");
        for (String a : set.split(";")) {
            String s = a.trim();
            if (s.isEmpty()) {
                continue;
            }
            if (!s.startsWith("energy.") || s.indexOf('=') < 0) {
                problems.add(SET + ": \"" + s + "\" must be energy.<key>=<value>, e.g. energy.rapl_root=/host/powercap");
                continue;
            }
            r.override(s);
        }
        Optional<Duration> baseline = parameters.apply(BASELINE).map(String::trim).filter(s -> !s.isEmpty())
                .flatMap(s -> duration(s, problems));
        double share = parameters.apply(MAX_RESOLUTION_ERROR).map(s -> share(s, problems)).orElse(0.05);
        Optional<Path> dir = Optional.of(parameters.apply(RESULTS_DIR).map(String::trim).orElse(DEFAULT_RESULTS_DIR))
                .filter(s -> !s.isEmpty() && !s.equalsIgnoreCase("none")).map(Path::of);
        ExperimentConfig config = null;
        try {
            config = r.resolve();
        } catch (ConfigException e) {
            e.problems().forEach(p -> problems.add(p.toString()));
        }
        if (!problems.isEmpty() || config == null) {
            throw new IllegalArgumentException("LEM energy settings: " + String.join("\n", problems));
        }
        String key = named + "|" + set + "|" + baseline.map(Duration::toString).orElse("");
        return new Settings(config, baseline, share, dir, key);
    }

    private static Optional<Duration> duration(String text, List<String> problems) {
        Matcher m = DURATION.matcher(text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            problems.add(BASELINE + " (" + text + ") must be a duration with its unit, e.g. 500ms, 2s");
            return Optional.empty();
        }
        double v = Double.parseDouble(m.group(1));
        double nanos = v * switch (m.group(2)) {
            case "ms" -> 1e6;
            case "s" -> 1e9;
            default -> 60e9;
        };
        if (!(nanos > 0)) {
            problems.add(BASELINE + " (" + text + ") must be more than 0");
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos(Math.round(nanos)));
    }

    private static double share(String text, List<String> problems) {
        String t = text.trim();
        try {
            double v = t.endsWith("%") ? Double.parseDouble(t.substring(0, t.length() - 1).trim()) / 100
                    : Double.parseDouble(t);
            if (v > 0 && v <= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(MAX_RESOLUTION_ERROR + " (" + text + ") must be a share in (0, 1], e.g. 0.05 or 5%");
        return 0.05;
    }
}
