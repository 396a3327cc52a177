package dev.lem.serving.internal;

import dev.lem.config.ConfigException;
import dev.lem.energy.DomainScope;
import dev.lem.energy.DomainUse;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.MeasurementMethod;
import dev.lem.energy.MeterResolution;
import dev.lem.serving.PrometheusText;
import dev.lem.spi.EnergyMeter;
import dev.lem.spi.EnergyReading;
import dev.lem.spi.PluginUnavailableException;
import dev.lem.spi.WorkloadDevices;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * GPU energy of another host, read from NVIDIA's DCGM exporter there (Prometheus text at e.g.
 * {@code http://gpu-node:9400/metrics}), one domain per GPU the exporter reports:
 * <ul>
 *   <li>{@code measured (remote)}: the GPU's total-energy counter {@code DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION}
 *       (mJ since the driver loaded), scraped at the edges of every measurement window; the value at open is
 *       subtracted, and a counter that goes backwards (driver or exporter restart) is continued;</li>
 *   <li>{@code integrated (remote)}: where the exporter serves no counter, {@code DCGM_FI_DEV_POWER_USAGE} (W) is
 *       scraped every scrape interval and at the window edges and integrated with the trapezoid rule.</li>
 * </ul>
 * Each reading is timed at the midpoint of its scrape on this host's clock. The exporter's values are as fresh as
 * its collect interval ({@code -c}, 30 s by default), which the resolution reports, so windows too short for it
 * are refused. The GPUs named in {@code energy.devices} (by the exporter's {@code gpu} index or {@code UUID}) are
 * the workload's; the others are measured and shown apart.
 *
 * <p>When the exporter cannot be read, no domain has a reading (windows that end then report no energy, with the
 * reason); a counter resumes when the exporter is back, integrated power does not (it cannot bridge the gap).
 * <b>Thread safety:</b> all methods are synchronized.
 */
public final class DcgmExporterMeter implements EnergyMeter {
    /** The meter's name. */
    public static final String NAME = "dcgm-exporter";
    /** DCGM's total-energy counter, mJ. */
    static final String ENERGY = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION";
    /** DCGM's power draw, W. */
    static final String POWER = "DCGM_FI_DEV_POWER_USAGE";

    private final ExporterScraper scraper;
    private final URI url;
    private final @Nullable String hostname;
    private final LongSupplier nanoClock;
    private final LongSupplier wallMillis;
    private final Duration scrapeInterval;
    private final Duration updateInterval;
    private final List<Gpu> gpus = new ArrayList<>();
    private final Map<String, String> notes = new LinkedHashMap<>();
    private long lastScrapeNanos;
    private @Nullable String down;

    /** One GPU of the exporter's and what is known of it. */
    private static final class Gpu {
        final EnergyDomain domain;
        final String index;
        final String uuid;
        double firstMilliJoules = Double.NaN;
        double lastMilliJoules = Double.NaN;
        double resetMilliJoules;
        double integratedJoules;
        double lastWatts = Double.NaN;
        long lastNanos;
        double joules;
        boolean fresh;
        @Nullable String missing;
        @Nullable String broken;

        Gpu(EnergyDomain domain, String index, String uuid) {
            this.domain = domain;
            this.index = index;
            this.uuid = uuid;
        }

        boolean counter() {
            return domain.method() == MeasurementMethod.MEASURED;
        }
    }

    /**
     * Opens the meter: reads the exporter once and finds its GPUs.
     *
     * @param url            the exporter's metrics URL
     * @param hostname       only samples whose {@code Hostname} label is this; null for every sample
     * @param workload       the GPUs the served model uses
     * @param scrapeInterval how often to read the exporter between window edges
     * @param updateInterval how often the exporter refreshes its values
     * @param scraper        reads the exporter
     * @param nanoClock      monotonic clock, ns
     * @param wallMillis     wall clock, epoch ms (for the offset against the exporter's {@code Date} header)
     * @return the open meter
     * @throws PluginUnavailableException when the exporter cannot be read or serves no GPU energy or power
     * @throws ConfigException when {@code energy.devices} names a GPU the exporter does not report
     */
    static DcgmExporterMeter open(URI url, @Nullable String hostname, WorkloadDevices workload,
            Duration scrapeInterval, Duration updateInterval, ExporterScraper scraper, LongSupplier nanoClock,
            LongSupplier wallMillis) {
        return new DcgmExporterMeter(url, hostname, workload, scrapeInterval, updateInterval, scraper, nanoClock,
                wallMillis);
    }

    private DcgmExporterMeter(URI url, @Nullable String hostname, WorkloadDevices workload, Duration scrapeInterval,
            Duration updateInterval, ExporterScraper scraper, LongSupplier nanoClock, LongSupplier wallMillis) {
        this.url = url;
        this.hostname = hostname;
        this.scraper = scraper;
        this.nanoClock = nanoClock;
        this.wallMillis = wallMillis;
        this.scrapeInterval = scrapeInterval;
        this.updateInterval = updateInterval;
        long wallBefore = wallMillis.getAsLong();
        long before = nanoClock.getAsLong();
        ExporterScraper.Scrape first;
        try {
            first = scraper.scrape();
        } catch (IOException e) {
            throw new PluginUnavailableException("the DCGM exporter at " + url + " cannot be read: " + e.getMessage()
                    + " (is it running on the server's host, and is its port reachable from here?)", e);
        }
        long after = nanoClock.getAsLong();
        long wallAfter = wallMillis.getAsLong();
        PrometheusText text = PrometheusText.parse(first.body());
        Map<String, PrometheusText.Sample> energy = byGpu(text, ENERGY);
        Map<String, PrometheusText.Sample> power = byGpu(text, POWER);
        Map<String, PrometheusText.Sample> all = new LinkedHashMap<>(energy);
        power.forEach(all::putIfAbsent);
        if (all.isEmpty()) {
            throw new PluginUnavailableException("the exporter at " + url + " serves neither " + ENERGY + " nor "
                    + POWER + (hostname == null ? "" : " for Hostname \"" + hostname + "\"")
                    + " (is it a DCGM exporter? add both fields to its counters CSV, -f)");
        }
        List<String> selected = select(all, workload);
        notes.put("url", url.toString());
        notes.put("scrape_interval_ms", String.valueOf(scrapeInterval.toMillis()));
        notes.put("update_interval_ms", updateInterval.toMillis() + " (energy.remote.update_interval_ms: the "
                + "exporter's collect interval, -c)");
        notes.put("scrape_round_trip_ms", String.format(Locale.ROOT, "%.1f", (after - before) / 1e6));
        notes.put("clock_offset_ms", first.dateEpochMillis().isPresent()
                ? String.format(Locale.ROOT, "%d (exporter's Date header minus this host's clock at the scrape's "
                        + "midpoint; the header has whole seconds, so +-1000 ms)",
                        first.dateEpochMillis().getAsLong() - (wallBefore + (wallAfter - wallBefore) / 2))
                : "unknown (the exporter sent no Date header); readings are timed on this host's clock");
        notes.put("workload_devices", workload.toString());
        for (Map.Entry<String, PrometheusText.Sample> e : all.entrySet()) {
            Map<String, String> labels = e.getValue().labels();
            String index = labels.getOrDefault("gpu", "");
            String uuid = labels.getOrDefault("UUID", "");
            String host = labels.getOrDefault("Hostname", "");
            if (host.isEmpty()) {
                host = url.getHost() == null ? url.toString() : url.getHost();
            }
            boolean counter = energy.containsKey(e.getKey());
            String id = "gpu[" + (index.isEmpty() ? e.getKey() : index) + "]";
            boolean used = selected.contains(e.getKey());
            EnergyDomain d = new EnergyDomain(id, "gpu", uuid, DomainScope.DEVICE,
                    counter ? MeasurementMethod.MEASURED : MeasurementMethod.INTEGRATED, NAME,
                    used ? DomainUse.WORKLOAD : DomainUse.NOT_USED, host);
            gpus.add(new Gpu(d, index, uuid));
            notes.put(id + ".name", labels.getOrDefault("modelName", ""));
            notes.put(id + ".host", host);
            notes.put(id + ".method", counter
                    ? "measured (remote): " + ENERGY + " (mJ counter) of the DCGM exporter at " + url
                            + ", scraped at window edges"
                    : "integrated (remote): " + POWER + " (W) of the DCGM exporter at " + url + " scraped every "
                            + scrapeInterval.toMillis() + " ms and at window edges, trapezoid rule (the exporter "
                            + "serves no " + ENERGY + ")");
            if (!used) {
                notes.put(id + ".use", "not used by the workload (" + workload + "): measured and shown apart, not "
                        + "counted in the energy figures");
            }
        }
        update(text, midpoint(before, after));
        lastScrapeNanos = after;
    }

    /** The first sample of {@code metric} per GPU (by UUID, else index), of the configured host only. */
    private Map<String, PrometheusText.Sample> byGpu(PrometheusText text, String metric) {
        Map<String, PrometheusText.Sample> out = new LinkedHashMap<>();
        for (PrometheusText.Sample s : text.samples()) {
            if (!s.name().equals(metric) || !Double.isFinite(s.value())
                    || (hostname != null && !hostname.equals(s.labels().get("Hostname")))) {
                continue;
            }
            String key = s.labels().getOrDefault("UUID", s.labels().getOrDefault("gpu", ""));
            out.putIfAbsent(key, s);
        }
        return out;
    }

    /** The keys of the GPUs the workload uses. */
    private List<String> select(Map<String, PrometheusText.Sample> all, WorkloadDevices workload) {
        return switch (workload.kind()) {
            case ALL -> List.copyOf(all.keySet());
            case NONE -> List.of();
            case SELECTED -> {
                List<String> out = new ArrayList<>();
                List<String> unknown = new ArrayList<>();
                for (String raw : workload.selector().split(",")) {
                    String want = raw.strip();
                    if (want.isEmpty()) {
                        continue;
                    }
                    List<String> hits = all.entrySet().stream().filter(e -> matches(e.getValue(), want))
                            .map(Map.Entry::getKey).toList();
                    if (hits.isEmpty()) {
                        unknown.add(want);
                    }
                    hits.stream().filter(h -> !out.contains(h)).forEach(out::add);
                }
                if (!unknown.isEmpty()) {
                    throw new ConfigException("energy.devices", "GPU " + String.join(", ", unknown) + " is not "
                            + "among the GPUs the exporter at " + url + " reports: " + all.values().stream()
                                    .map(s -> s.labels().getOrDefault("gpu", "?") + " ("
                                            + s.labels().getOrDefault("UUID", "no UUID") + ")")
                                    .collect(Collectors.joining(", "))
                            + "; name them by the exporter's gpu index or UUID");
                }
                yield out;
            }
        };
    }

    private static boolean matches(PrometheusText.Sample s, String want) {
        String uuid = s.labels().getOrDefault("UUID", "");
        return want.equals(s.labels().get("gpu")) || want.equals(uuid)
                || (want.startsWith("GPU-") && want.length() > 4 && uuid.startsWith(want));
    }

    private static long midpoint(long a, long b) {
        return a + (b - a) / 2;
    }

    /** Takes one scrape's values, timed at {@code at}. */
    private void update(PrometheusText text, long at) {
        Map<String, PrometheusText.Sample> energy = byGpu(text, ENERGY);
        Map<String, PrometheusText.Sample> power = byGpu(text, POWER);
        for (Gpu g : gpus) {
            String key = g.uuid.isEmpty() ? g.index : g.uuid;
            PrometheusText.Sample s = (g.counter() ? energy : power).get(key);
            if (s == null) {
                g.fresh = false;
                g.missing = "the exporter no longer reports " + (g.counter() ? ENERGY : POWER) + " for this GPU";
                if (!g.counter() && g.broken == null) {
                    g.broken = g.missing + "; integrated power cannot bridge the gap";
                }
                continue;
            }
            g.missing = null;
            g.fresh = true;
            if (g.counter()) {
                double mj = s.value();
                if (Double.isNaN(g.firstMilliJoules)) {
                    g.firstMilliJoules = mj;
                } else if (mj < g.lastMilliJoules) {
                    g.resetMilliJoules += g.lastMilliJoules;
                }
                g.lastMilliJoules = mj;
                g.joules = (mj + g.resetMilliJoules - g.firstMilliJoules) / 1000.0;
            } else {
                double w = s.value();
                if (!Double.isNaN(g.lastWatts)) {
                    g.integratedJoules += (g.lastWatts + w) / 2 * (at - g.lastNanos) / 1e9;
                }
                g.lastWatts = w;
                g.lastNanos = at;
                g.joules = g.integratedJoules;
            }
        }
    }

    /** Scrapes now; on failure marks every GPU without a reading and integrated ones broken. */
    private long scrape(LongSupplier clock) {
        long before = clock.getAsLong();
        try {
            ExporterScraper.Scrape s = scraper.scrape();
            long at = midpoint(before, clock.getAsLong());
            down = null;
            update(PrometheusText.parse(s.body()), at);
            return at;
        } catch (IOException | RuntimeException e) {
            down = "the DCGM exporter at " + url + " could not be read: " + e.getMessage();
            for (Gpu g : gpus) {
                g.fresh = false;
                if (!g.counter() && g.broken == null) {
                    g.broken = down + "; integrated power cannot bridge the gap, so this GPU has no energy from "
                            + "then on";
                }
            }
            return midpoint(before, clock.getAsLong());
        } finally {
            lastScrapeNanos = nanoClock.getAsLong();
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<EnergyDomain> domains() {
        return gpus.stream().map(g -> g.domain).toList();
    }

    @Override
    public synchronized Map<String, Double> cumulativeJoules() {
        Map<String, Double> out = new LinkedHashMap<>();
        read(nanoClock).forEach((id, r) -> out.put(id, r.joules()));
        return out;
    }

    /** Scrapes the exporter now; every GPU with a fresh value is timed at the scrape's midpoint. */
    @Override
    public synchronized Map<String, EnergyReading> read(LongSupplier clock) {
        long at = scrape(clock);
        Map<String, EnergyReading> out = new LinkedHashMap<>();
        for (Gpu g : gpus) {
            if (g.fresh && g.broken == null) {
                out.put(g.domain.id(), new EnergyReading(g.joules, at));
            }
        }
        return out;
    }

    /** The values of the last scrape (no new scrape): the time series between window edges. */
    @Override
    public synchronized Map<String, Double> sampleJoules() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Gpu g : gpus) {
            if (g.fresh && g.broken == null && down == null) {
                out.put(g.domain.id(), g.joules);
            }
        }
        return out;
    }

    /** Scrapes when the scrape interval has passed since the last scrape. */
    @Override
    public synchronized void poll() {
        if (nanoClock.getAsLong() - lastScrapeNanos >= scrapeInterval.toNanos()) {
            scrape(nanoClock);
        }
    }

    @Override
    public Optional<Duration> maxPollInterval() {
        return Optional.of(scrapeInterval);
    }

    @Override
    public synchronized Optional<String> unavailableReason(String domainId) {
        for (Gpu g : gpus) {
            if (g.domain.id().equals(domainId)) {
                if (g.broken != null) {
                    return Optional.of(g.broken);
                }
                if (down != null) {
                    return Optional.of(down);
                }
                return Optional.ofNullable(g.missing);
            }
        }
        return Optional.empty();
    }

    @Override
    public Optional<MeterResolution> resolution(String domainId) {
        for (Gpu g : gpus) {
            if (g.domain.id().equals(domainId)) {
                return Optional.of(g.counter()
                        ? new MeterResolution(0.001, updateInterval, "DCGM exporter " + ENERGY + ": mJ, refreshed "
                                + "every " + updateInterval.toMillis() + " ms (energy.remote.update_interval_ms)")
                        : new MeterResolution(0, updateInterval.compareTo(scrapeInterval) > 0 ? updateInterval
                                : scrapeInterval, "DCGM exporter " + POWER + " integrated: refreshed every "
                                + updateInterval.toMillis() + " ms, scraped every " + scrapeInterval.toMillis() + " ms"));
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized Map<String, String> notes() {
        return Map.copyOf(notes);
    }

    @Override
    public void close() {
        // nothing held: each scrape is one request
    }

}
