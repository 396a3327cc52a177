package dev.lem.serving.internal;

import dev.lem.config.ConfigException;
import dev.lem.config.EnergyConfig;
import dev.lem.spi.Availability;
import dev.lem.spi.EnergyMeter;
import dev.lem.spi.EnergyMeterProvider;
import dev.lem.spi.MeterContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Set;

/**
 * The {@code dcgm-exporter} energy meter: GPU energy of a served model on another host
 * ({@code server.same_host: false}), read from NVIDIA's DCGM exporter there at {@code energy.remote.prometheus_url}
 * (see {@link DcgmExporterMeter}).
 */
public final class DcgmExporterMeterProvider implements EnergyMeterProvider {

    /** For ServiceLoader. */
    public DcgmExporterMeterProvider() {
        // nothing probed here: see availability(MeterContext)
    }

    @Override
    public String name() {
        return DcgmExporterMeter.NAME;
    }

    @Override
    public Set<String> aliases() {
        return Set.of("dcgm", "remote");
    }

    @Override
    public String description() {
        return "GPU energy of a served model on another host, from its DCGM exporter (energy.remote.prometheus_url): "
                + "measured (remote) from the energy counter, or integrated (remote) from power";
    }

    @Override
    public int priority() {
        return 50;
    }

    @Override
    public boolean remote() {
        return true;
    }

    /** Unavailable unless a URL is configured; says which key to set. */
    @Override
    public Availability availability() {
        return Availability.unavailable("energy.remote.prometheus_url is not set (the metrics URL of a DCGM exporter "
                + "on the server's host, e.g. http://gpu-node:9400/metrics)");
    }

    @Override
    public Availability availability(MeterContext context) {
        return context.energy().remote().prometheusUrl().isPresent() ? Availability.ok() : availability();
    }

    @Override
    public EnergyMeter open(MeterContext context) {
        EnergyConfig.Remote r = context.energy().remote();
        URI url = url(r.prometheusUrl().orElseThrow());
        Duration timeout = Duration.ofMillis(Math.max(1, Math.round(r.timeoutS() * 1000)));
        return DcgmExporterMeter.open(url, r.hostname().orElse(null), context.workload(),
                Duration.ofMillis(r.scrapeIntervalMs()), Duration.ofMillis(r.updateIntervalMs()),
                ExporterScraper.http(url, timeout), System::nanoTime, System::currentTimeMillis);
    }

    /** The URL, checked: http or https with a host. */
    static URI url(String text) {
        try {
            URI u = new URI(text.strip());
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))
                    || u.getHost() == null) {
                throw new ConfigException("energy.remote.prometheus_url", "'" + text + "' is not an http(s) URL with "
                        + "a host; give the exporter's metrics URL, e.g. http://gpu-node:9400/metrics");
            }
            return u;
        } catch (URISyntaxException e) {
            throw new ConfigException("energy.remote.prometheus_url", "'" + text + "' is not a URL (" + e.getReason()
                    + "); give the exporter's metrics URL, e.g. http://gpu-node:9400/metrics");
        }
    }
}
