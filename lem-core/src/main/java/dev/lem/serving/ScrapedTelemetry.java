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
    private volatile long reads;

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

    /**
     * One sampler tick: reads the endpoint unless the last read was less than the minimum interval ago.
     * Synchronized, so that a subclass's own reads outside the time series ({@link #readNow()}) are never
     * interleaved with it.
     */
    @Override
    public final synchronized TelemetrySample sample() {
        long now = System.nanoTime();
        if (reads > 0 && now - lastReadNanos < minIntervalNanos) {
            return new TelemetrySample(Map.of(), List.of()); // between scrapes: nothing new, so nothing
        }
        java.util.Optional<String> body = get();
        if (body.isEmpty()) {
            return new TelemetrySample(Map.of(), List.of());
        }
        double dt = reads == 0 ? Double.NaN : (now - lastReadNanos) / 1e9;
        Map<String, Double> values;
        try {
            values = new LinkedHashMap<>(read(body.get(), dt));
        } catch (RuntimeException e) {
            lastError = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            LOG.debug("{} could not parse {}", name(), path, e);
            return new TelemetrySample(Map.of(), List.of());
        }
        values.values().removeIf(v -> v == null || !Double.isFinite(v));
        values.put(name() + ".scrape_ms", (System.nanoTime() - now) / 1e6);
        lastReadNanos = now;
        reads++;
        return new TelemetrySample(values, List.of());
    }

    /**
     * Reads the endpoint now, whatever the minimum interval, for a subclass that needs the server's state at an
     * exact moment (e.g. at a measured window's edge). Not a sampler tick: it adds no row and does not move the
     * time of the last read. Holds the same lock as {@link #sample()}, so a subclass that marks its own method
     * {@code synchronized} is serialised with the sampler (an endpoint that removes what it returns then has
     * one reader at a time).
     *
     * @return the response body; empty when the endpoint could not be read ({@link #lastError()} says why)
     */
    protected final synchronized java.util.Optional<String> readNow() {
        return get();
    }

    /** One GET of the endpoint: the body of a 2xx reply, else empty with {@link #lastError} set. */
    private java.util.Optional<String> get() {
        try {
            ServingClient.Reply r = url != null ? client.get(url, timeout) : client.get(path, timeout);
            if (!r.ok()) {
                lastError = "HTTP " + r.status() + " from " + path;
                return java.util.Optional.empty();
            }
            lastError = "";
            return java.util.Optional.of(r.body());
        } catch (IOException | RuntimeException e) {
            lastError = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            LOG.debug("{} could not read {}", name(), path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return java.util.Optional.empty();
    }

    /** {@return the number of successful sampler reads so far (reads by {@link #readNow()} not counted)} */
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
