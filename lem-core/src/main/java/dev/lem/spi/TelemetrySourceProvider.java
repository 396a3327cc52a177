package dev.lem.spi;

/**
 * Service-provider interface for telemetry sources
 * ({@code META-INF/services/dev.lem.spi.TelemetrySourceProvider}).
 */
public interface TelemetrySourceProvider extends LemPlugin {

    /**
     * Opens the source; throws {@link PluginUnavailableException} with the reason when it cannot.
     *
     * @param context the source's context
     * @return the open source
     */
    TelemetrySource open(MeterContext context);
}
