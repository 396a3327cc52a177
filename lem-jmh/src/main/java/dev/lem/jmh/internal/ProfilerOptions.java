package dev.lem.jmh.internal;

import dev.lem.config.ConfigException;
import dev.lem.config.ConfigResolver;
import dev.lem.config.EnergyConfig;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.ValueSource;
import dev.lem.spi.EnergyMeterProvider;
import dev.lem.spi.Plugins;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import joptsimple.HelpFormatter;
import joptsimple.OptionDescriptor;
import joptsimple.OptionException;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.openjdk.jmh.profile.ProfilerException;

/**
 * The options of {@code -prof lem:opt=value;opt=value}, parsed as JMH's own profilers parse theirs (joptsimple,
 * options separated by {@code ;}, list values by {@code ,}), and the energy settings they resolve to.
 *
 * @param config             the configuration these options resolve to (defaults plus the {@code energy.*}
 *                           settings the meters open with)
 * @param baseline           idle power is measured this long once per fork before the first iteration
 * @param maxResolutionError the largest share of a window's energy the meter's resolution may account for;
 *                           a domain's figure is left out (with the reason) above it
 * @param resultsDir         where LEM results are written, when asked
 * @param line               the option line as given
 */
public record ProfilerOptions(ExperimentConfig config, Optional<Duration> baseline, double maxResolutionError,
        Optional<Path> resultsDir, String line) {
    /** The default of {@code maxResolutionError}: 5%. */
    public static final double DEFAULT_MAX_RESOLUTION_ERROR = 0.05;
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ns|us|µs|ms|s|m|min|h)");

    /**
     * Parses the option line.
     *
     * @throws ProfilerException with the problem and the option list, or with the option list alone for
     *                           {@code help}
     */
    public static ProfilerOptions parse(String line) throws ProfilerException {
        OptionParser parser = new OptionParser();
        parser.formatHelpWith(new Help());
        OptionSpec<String> meters = parser.accepts("meters", "Energy meters to open, by name (rapl, nvml, "
                + "cpu-estimate, ram-estimate, or a plug-in's name); default: every meter that can run here, an "
                + "estimate standing aside where a counter measures the same kind.")
                .withRequiredArg().withValuesSeparatedBy(',').describedAs("name,...");
        OptionSpec<String> interval = parser.accepts("interval", "Sampler interval: how often meters are polled "
                + "(counter wraps, power integration, estimates); energy.sampler_interval_ms, at least 5 ms.")
                .withRequiredArg().describedAs("duration, e.g. 50ms").defaultsTo("100ms");
        OptionSpec<String> baseline = parser.accepts("baseline", "Measure idle power this long once per fork, "
                + "before the first iteration, and report idle-adjusted J/op too ((P - P_idle) x time per op).")
                .withRequiredArg().describedAs("duration, e.g. 5s");
        OptionSpec<String> maxError = parser.accepts("maxResolutionError", "A domain's figure is left out of an "
                + "iteration, with the reason, when the meter's resolution (quantum + power x update interval) may "
                + "account for more than this share of the iteration's energy.")
                .withRequiredArg().describedAs("share, e.g. 0.05 or 5%").defaultsTo("5%");
        OptionSpec<String> set = parser.accepts("set", "Any energy.* configuration key, e.g. "
                + "set=energy.rapl_root=/host/powercap or set=energy.meter_options.nvml.<option>=<value>; repeatable.")
                .withRequiredArg().describedAs("energy.key=value");
        OptionSpec<String> results = parser.accepts("results", "Also write each benchmark as a LEM experiment "
                + "under this results directory (measured iterations as cycles), for `lem results list|show`.")
                .withRequiredArg().describedAs("dir");
        OptionSet options = parseLine(line, parser);
        List<String> problems = new ArrayList<>();
        ConfigResolver resolver = ConfigResolver.withDefaults();
        List<String> named = options.valuesOf(meters).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (!named.isEmpty()) {
            resolver.set("energy.meters", named, ValueSource.OVERRIDE);
            checkMeterNames(named, problems);
        }
        Optional<Duration> tick = duration("interval", options.valueOf(interval), problems);
        tick.ifPresent(d -> resolver.set("energy.sampler_interval_ms", d.toMillis(), ValueSource.OVERRIDE));
        Optional<Duration> idle = options.has(baseline) ? duration("baseline", options.valueOf(baseline), problems)
                : Optional.empty();
        if (idle.isPresent() && (idle.get().isZero() || idle.get().compareTo(Duration.ofHours(1)) > 0)) {
            problems.add("baseline (" + options.valueOf(baseline) + ") must be more than 0 s and at most 1 h");
        }
        double share = share(options.valueOf(maxError), problems);
        for (String s : options.valuesOf(set)) {
            int eq = s.indexOf('=');
            if (eq <= 0 || !s.startsWith("energy.")) {
                problems.add("set (" + s + ") must be energy.<key>=<value>, e.g. set=energy.rapl_root=/host/powercap");
                continue;
            }
            resolver.override(s);
        }
        Optional<Path> dir = Optional.ofNullable(options.valueOf(results)).map(String::trim).filter(s -> !s.isEmpty())
                .map(Path::of);
        ExperimentConfig config = null;
        try {
            config = resolver.resolve();
        } catch (ConfigException e) {
            e.problems().forEach(p -> problems.add(p.toString()));
        }
        if (!problems.isEmpty() || config == null) {
            throw new ProfilerException("lem profiler: " + String.join("; ", problems) + "\n" + help(parser));
        }
        return new ProfilerOptions(config, idle, share, dir, line);
    }

    /** The {@code energy.*} settings the meters open with. */
    public EnergyConfig energy() {
        return config.energy();
    }

    /** The option list, as {@code -prof lem:help} prints it. */
    public static String help() {
        try {
            parse("help");
        } catch (ProfilerException e) {
            return e.getMessage();
        }
        throw new IllegalStateException("help did not stop the parser");
    }

    private static OptionSet parseLine(String line, OptionParser parser) throws ProfilerException {
        parser.accepts("help", "Print this list.");
        OptionSpec<String> rest = parser.nonOptions();
        String[] parts = line.split(";");
        for (int i = 0; i < parts.length; i++) {
            parts[i] = parts[i].isBlank() ? "" : "--" + parts[i].trim();
        }
        OptionSet set;
        try {
            set = parser.parse(java.util.Arrays.stream(parts).filter(p -> !p.isEmpty()).toArray(String[]::new));
        } catch (OptionException e) {
            throw new ProfilerException("lem profiler: " + e.getMessage() + "\n" + help(parser));
        }
        if (set.has("help")) {
            throw new ProfilerException(help(parser));
        }
        List<String> unhandled = set.valuesOf(rest);
        if (!unhandled.isEmpty()) {
            throw new ProfilerException("lem profiler: unhandled options " + unhandled + " in '" + line + "'\n"
                    + help(parser));
        }
        return set;
    }

    private static void checkMeterNames(List<String> named, List<String> problems) {
        List<EnergyMeterProvider> providers = Plugins.load(EnergyMeterProvider.class, "energy_meter",
                new ArrayList<>());
        List<String> known = providers.stream().map(Plugins::safeName).toList();
        for (String n : named) {
            if (providers.stream().noneMatch(p -> Plugins.matches(p, n))) {
                problems.add("meters: no energy meter named " + n + " (found: " + String.join(", ", known) + ")");
            }
        }
    }

    /** A duration with its unit: {@code 50ms}, {@code 5s}, {@code 1.5s}, {@code 1m}. */
    static Optional<Duration> duration(String option, String text, List<String> problems) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            problems.add(option + " (" + text + ") must be a duration with its unit, e.g. 50ms, 5s, 1m");
            return Optional.empty();
        }
        double v = Double.parseDouble(m.group(1));
        double nanosPerUnit = switch (m.group(2)) {
            case "ns" -> 1;
            case "us", "µs" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m", "min" -> 60e9;
            default -> 3600e9;
        };
        return Optional.of(Duration.ofNanos(Math.round(v * nanosPerUnit)));
    }

    /** {@code 0.05} or {@code 5%}, in (0, 1]. */
    static double share(String text, List<String> problems) {
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
        problems.add("maxResolutionError (" + text + ") must be a share in (0, 1], e.g. 0.05 or 5%");
        return DEFAULT_MAX_RESOLUTION_ERROR;
    }

    private static String help(OptionParser parser) {
        StringWriter w = new StringWriter();
        try {
            parser.printHelpOn(w);
        } catch (IOException e) {
            return "(help unavailable: " + e.getMessage() + ")";
        }
        return w.toString();
    }

    /** The option list in the layout of JMH's own profilers. */
    private static final class Help implements HelpFormatter {
        @Override
        public String format(Map<String, ? extends OptionDescriptor> options) {
            StringBuilder sb = new StringBuilder("Usage: -prof lem:opt1=value1,value2;opt2=value3 (or -prof "
                    + "dev.lem.jmh.LemProfiler:...)\n\nOptions accepted by lem:\n");
            for (OptionDescriptor d : new java.util.LinkedHashSet<>(options.values())) {
                if (d.representsNonOptions()) {
                    continue;
                }
                String name = "  " + String.join(",", d.options())
                        + (d.acceptsArguments() ? "=<" + d.argumentDescription() + ">" : "");
                String desc = d.description() + (d.defaultValues().isEmpty() ? "" : " (default: "
                        + d.defaultValues().get(0) + ")");
                sb.append(name);
                sb.append(name.length() < 44 ? " ".repeat(44 - name.length()) : "\n" + " ".repeat(44));
                int col = 0;
                for (String word : desc.split(" ")) {
                    if (col > 0 && col + word.length() > 72) {
                        sb.append('\n').append(" ".repeat(44));
                        col = 0;
                    }
                    sb.append(col > 0 ? " " : "").append(word);
                    col += word.length() + 1;
                }
                sb.append('\n');
            }
            return sb.toString();
        }
    }
}
