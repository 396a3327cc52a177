package dev.lem.spi;

import java.util.List;
import java.util.Map;

/**
 * Periodic readings besides energy (temperature, clocks, utilisation, throttle reasons, server
 * queue lengths), recorded by the sampler into the cycle's time series.
 *
 * <p>{@link #sample()} is called from the sampler thread only.
 */
public interface TelemetrySource extends AutoCloseable {

    /** {@return the source's name, e.g. {@code "nvml"}, {@code "vllm-metrics"}} */
    String name();

    /** {@return the column names this source may report, units in the names (e.g. {@code gpu0.temperature_c})} */
    List<String> columns();

    /**
     * Reads everything now. Must not throw; a value that cannot be read is left out.
     *
     * @return the values read, by column name
     */
    TelemetrySample sample();

    /**
     * Facts for the result's environment (GPU names, driver, power limits).
     *
     * @return the facts, by name
     */
    default Map<String, String> environment() {
        return Map.of();
    }

    /** Releases resources; must not throw. */
    @Override
    void close();
}
