package dev.lem.spi;

/**
 * Service-provider interface for energy meters ({@code META-INF/services/dev.lem.spi.EnergyMeterProvider}).
 * Every available meter is opened for an experiment unless the config names a subset; a meter that
 * cannot open is recorded as unsupported with its reason.
 */
public interface EnergyMeterProvider extends LemPlugin {

    /** Opens the meter; throws {@link PluginUnavailableException} with the reason when it cannot. */
    EnergyMeter open(MeterContext context);
}
