package dev.lem.energy;

import dev.lem.config.ConfigException;
import dev.lem.config.EnergyConfig;
import dev.lem.spi.Plugins;
import dev.lem.spi.Availability;
import dev.lem.spi.PluginStatus;
import dev.lem.spi.EnergyMeter;
import dev.lem.spi.EnergyMeterProvider;
import dev.lem.spi.MeterContext;
import dev.lem.spi.PluginUnavailableException;
import dev.lem.spi.TelemetrySource;
import dev.lem.spi.TelemetrySourceProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens every energy meter and telemetry source that can run here (or those named in
 * {@code energy.meters}), recording for each plug-in whether it is used and, if not, why. Never sums
 * overlapping domains: an estimating meter stands aside when a measuring one covers the same kind.
 *
 * <p>Measure any code, outside an experiment:
 * <pre>{@code
 * try (EnergyMonitor meters = EnergyMeters.openAvailable()) {
 *     EnergyMeasurement m = meters.measure("my-step", () -> myStep());   // joules per domain, with method
 *     try (EnergyWindow w = meters.window("prefill")) {                  // or a block of your own
 *         prefill();
 *     }                                                                   // w.measurement() once closed
 * }
 * }</pre>
 */
public final class EnergyMeters {
    private static final Logger LOG = LoggerFactory.getLogger(EnergyMeters.class);

    private EnergyMeters() {
    }

    /**
     * What was opened.
     *
     * @param meters       open meters (close them, or hand them to {@link EnergyMonitor#start})
     * @param telemetry    open telemetry sources
     * @param plugins      every plug-in considered, used or not, with the reason
     * @param environment  facts the meters and sources contributed (GPU names, TDP source), by plug-in
     * @param samplerInterval the configured sampler interval
     */
    public record Opened(List<EnergyMeter> meters, List<TelemetrySource> telemetry, List<PluginStatus> plugins,
            Map<String, Map<String, String>> environment, Duration samplerInterval) {
        /**
         * Copies the lists and the map.
         *
         * @param meters open meters
         * @param telemetry open telemetry sources
         * @param plugins every plug-in considered, used or not, with the reason
         * @param environment facts the meters and sources contributed, by plug-in
         * @param samplerInterval the configured sampler interval
         */
        public Opened {
            meters = List.copyOf(meters);
            telemetry = List.copyOf(telemetry);
            plugins = List.copyOf(plugins);
            environment = Map.copyOf(environment);
        }

        /**
         * Starts a monitor over these meters and sources (the monitor closes them).
         *
         * @return the running monitor
         */
        public EnergyMonitor start() {
            return EnergyMonitor.start(meters, telemetry, samplerInterval).withPlugins(plugins);
        }
    }

    /**
     * Every available meter and telemetry source with the default settings, for this process, started: a
     * monitor to measure windows of any code with ({@link EnergyMonitor#window}, {@link EnergyMonitor#measure}).
     * Close it when done.
     *
     * @return the running monitor
     */
    public static EnergyMonitor openAvailable() {
        return open(MeterContext.defaults(), true).start();
    }

    /**
     * Opens meters and sources for an experiment's process.
     *
     * @param ctx the meter context
     * @param visible false when the work runs on another host: only meters of another host's hardware
     *                ({@link EnergyMeterProvider#remote()}) are opened, and each local one says why not; true: only
     *                local meters
     * @return the open meters and sources
     * @throws ConfigException when {@code energy.meters} names a meter that does not exist
     */
    public static Opened open(MeterContext ctx, boolean visible) {
        EnergyConfig config = ctx.energy();
        List<EnergyMeter> meters = new ArrayList<>();
        List<TelemetrySource> sources = new ArrayList<>();
        List<PluginStatus> plugins = new ArrayList<>();
        Map<String, Map<String, String>> env = new LinkedHashMap<>();
        List<String> wanted = config.meters();
        List<dev.lem.spi.PluginReport> broken = new ArrayList<>();
        List<EnergyMeterProvider> providers = Plugins.load(EnergyMeterProvider.class, "energy_meter", broken);
        broken.forEach(b -> plugins.add(new PluginStatus("energy_meter", b.name(), false, b.reason())));
        Set<String> matched = new HashSet<>();
        for (EnergyMeterProvider p : providers) {
            String name = Plugins.safeName(p);
            if (!wanted.isEmpty() && wanted.stream().noneMatch(w -> Plugins.matches(p, w))) {
                plugins.add(new PluginStatus("energy_meter", name, false, "not listed in energy.meters"));
                continue;
            }
            wanted.stream().filter(w -> Plugins.matches(p, w)).forEach(matched::add);
            boolean remote = remote(p);
            if (!visible && !remote) {
                plugins.add(new PluginStatus("energy_meter", name, false,
                        "the model runs on another host (server.same_host: false)"));
                continue;
            }
            if (visible && remote) {
                plugins.add(new PluginStatus("energy_meter", name, false, "the model runs on this host, so the local "
                        + "meters measure it (this meter reads another host's GPUs when server.same_host is false)"));
                continue;
            }
            openMeter(p, ctx, name, meters, plugins, env);
        }
        List<String> unknown = wanted.stream().filter(w -> !matched.contains(w)).toList();
        if (!unknown.isEmpty()) {
            meters.forEach(EnergyMeter::close);
            throw new ConfigException("energy.meters", "no energy meter named " + String.join(", ", unknown)
                    + " (found: " + providers.stream().map(Plugins::safeName).collect(Collectors.joining(", ")) + ")");
        }
        dropOverlappingEstimates(meters, plugins);
        for (TelemetrySourceProvider p : Plugins.load(TelemetrySourceProvider.class, "telemetry", broken)) {
            String name = Plugins.safeName(p);
            Availability a = Plugins.availability(p);
            if (!a.available()) {
                plugins.add(new PluginStatus("telemetry", name, false, a.reason()));
                continue;
            }
            try {
                TelemetrySource s = p.open(ctx);
                sources.add(s);
                plugins.add(new PluginStatus("telemetry", name, true, ""));
                env.merge(name, safeEnv(s), EnergyMeters::mergeFacts);
            } catch (RuntimeException | LinkageError e) {
                plugins.add(new PluginStatus("telemetry", name, false, Plugins.rootMessage(e)));
            }
        }
        return new Opened(meters, sources, plugins, env, Duration.ofMillis(config.samplerIntervalMs()));
    }

    private static boolean remote(EnergyMeterProvider p) {
        try {
            return p.remote();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static Map<String, String> mergeFacts(Map<String, String> a, Map<String, String> b) {
        Map<String, String> m = new LinkedHashMap<>(a);
        m.putAll(b);
        return m;
    }

    private static void openMeter(EnergyMeterProvider p, MeterContext ctx, String name, List<EnergyMeter> meters,
            List<PluginStatus> plugins, Map<String, Map<String, String>> env) {
        Availability a = Plugins.availability(p, ctx);
        if (!a.available()) {
            plugins.add(new PluginStatus("energy_meter", name, false, a.reason()));
            return;
        }
        try {
            EnergyMeter m = p.open(ctx.forMeter(p));
            meters.add(m);
            plugins.add(new PluginStatus("energy_meter", name, true, ""));
            if (!m.notes().isEmpty()) {
                env.merge(name, m.notes(), EnergyMeters::mergeFacts);
            }
        } catch (PluginUnavailableException e) {
            plugins.add(new PluginStatus("energy_meter", name, false, e.getMessage()));
        } catch (ConfigException e) {
            meters.forEach(EnergyMeter::close);
            throw e;
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("energy meter {} failed to open", name, e);
            plugins.add(new PluginStatus("energy_meter", name, false, "failed to open: " + Plugins.rootMessage(e)));
        }
    }

    /** An all-estimated meter whose every kind a measuring meter covers is closed and marked superseded. */
    private static void dropOverlappingEstimates(List<EnergyMeter> meters, List<PluginStatus> plugins) {
        Set<String> measuredKinds = new HashSet<>();
        for (EnergyMeter m : meters) {
            m.domains().stream().filter(d -> d.method() != MeasurementMethod.ESTIMATED)
                    .forEach(d -> measuredKinds.add(d.kind()));
        }
        for (EnergyMeter m : new ArrayList<>(meters)) {
            boolean allEstimated = m.domains().stream().allMatch(d -> d.method() == MeasurementMethod.ESTIMATED);
            if (allEstimated && !m.domains().isEmpty()
                    && m.domains().stream().allMatch(d -> measuredKinds.contains(d.kind()))) {
                meters.remove(m);
                m.close();
                plugins.removeIf(s -> s.kind().equals("energy_meter") && s.name().equals(m.name()));
                plugins.add(new PluginStatus("energy_meter", m.name(), false, "superseded: another meter measures "
                        + m.domains().stream().map(EnergyDomain::kind).distinct().collect(Collectors.joining(", "))));
            }
        }
    }

    private static Map<String, String> safeEnv(TelemetrySource s) {
        try {
            return s.environment();
        } catch (RuntimeException e) {
            return Map.of("error", Plugins.rootMessage(e));
        }
    }
}
