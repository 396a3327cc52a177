package dev.lem.serving;

import dev.lem.spi.TelemetrySample;
import dev.lem.spi.TelemetrySource;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A telemetry source that reads a server's metrics endpoint when the energy sampler asks (so server
 * metrics and client timings share the sampler's {@link System#nanoTime()} clock), at most once per
 * minimum interval, so the server is not flooded. A sampler tick between two reads gets no values (its row
 * is left empty), never the last reading again: each value in the time series is one read, at the time of its
 * row, so nobody sums or integrates a repeated value. The one reader of its endpoint. Never throws: an
 * endpoint that cannot be read leaves the values out.
 *
 * <p>Subclasses turn one body into values; {@code dtSeconds} is the time since the previous successful
 * read (NaN for the first), for rates from counters.
 */
public abstract class ScrapedTelemetry implements TelemetrySource {
    private static final Logger LOG = LoggerFactory.getLogger(ScrapedTelemetry.class);

    private final ServingClient client;
    private final String path;
    private final java.net.@org.jspecify.annotations.Nullable URI url;
    private final long minIntervalNanos;
    private final Duration timeout;
    private long lastReadNanos;
    private volatile String lastError = "";
    private long reads;

    /**
     * A source that reads the endpoint at most once per {@code minInterval}.
     *
     * @param client      the client of the server
     * @param path        the metrics endpoint, e.g. {@code /metrics}
     * @param minInterval the shortest time between two reads
     */
    protected ScrapedTelemetry(ServingClient client, String path, Duration minInterval) {
        this.client = client;
        this.path = path;
        this.url = null;
        this.minIntervalNanos = minInterval.toNanos();
        this.timeout = Duration.ofSeconds(2);
    }

    /**
     * A source that reads an endpoint at an absolute URL (another port of the server's host) at most once per
     * {@code minInterval}.
     *
     * @param client      the client of the server (its API key is sent)
     * @param url         the metrics endpoint, e.g. {@code http://host:8002/metrics}
     * @param minInterval the shortest time between two reads
     */
    protected ScrapedTelemetry(ServingClient client, java.net.URI url, Duration minInterval) {
        this.client = client;
        this.path = url.toString();
        this.url = url;
        this.minIntervalNanos = minInterval.toNanos();
        this.timeout = Duration.ofSeconds(2);
    }

    /**
     * Values read from one response body.
     *
     * @param body the response body
     * @param dtSeconds seconds since the previous successful read (NaN for the first)
     * @return the values, by reading name
     */
    protected abstract Map<String, Double> read(String body, double dtSeconds);

    @Override
    public final TelemetrySample sample() {
        long now = System.nanoTime();
        if (reads > 0 && now - lastReadNanos < minIntervalNanos) {
            return new TelemetrySample(Map.of(), List.of()); // between scrapes: nothing new, so nothing
        }
        try {
            ServingClient.Reply r = url != null ? client.get(url, timeout) : client.get(path, timeout);
            if (!r.ok()) {
                lastError = "HTTP " + r.status() + " from " + path;
                return new TelemetrySample(Map.of(), List.of());
            }
            double dt = reads == 0 ? Double.NaN : (now - lastReadNanos) / 1e9;
            Map<String, Double> values = new LinkedHashMap<>(read(r.body(), dt));
            values.values().removeIf(v -> v == null || !Double.isFinite(v));
            values.put(name() + ".scrape_ms", (System.nanoTime() - now) / 1e6);
            lastReadNanos = now;
            reads++;
            lastError = "";
            return new TelemetrySample(values, List.of());
        } catch (IOException | RuntimeException e) {
            lastError = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            LOG.debug("{} could not read {}", name(), path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new TelemetrySample(Map.of(), List.of());
    }

    /** {@return the number of successful reads so far} */
    public long reads() {
        return reads;
    }

    /** {@return why the last read failed, or empty} */
    public String lastError() {
        return lastError;
    }

    @Override
    public Map<String, String> environment() {
        return Map.of(name() + ".endpoint", url != null ? url.toString() : client.settings().resolve(path).toString());
    }

    @Override
    public void close() {
        // the client belongs to the backend
    }
}
