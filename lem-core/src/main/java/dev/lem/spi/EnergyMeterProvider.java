package dev.lem.spi;

/**
 * Service-provider interface for energy meters ({@code META-INF/services/dev.lem.spi.EnergyMeterProvider}).
 * Every available meter is opened for an experiment unless the config names a subset; a meter that
 * cannot open is recorded as unsupported with its reason.
 */
public interface EnergyMeterProvider extends LemPlugin {

    /**
     * The options this meter accepts under {@code energy.meter_options.<name>.*}; the core checks them before
     * anything runs and hands the typed values over in {@link MeterContext#options()}.
     *
     * @return the options
     */
    default java.util.List<dev.lem.config.Option<?>> options() {
        return java.util.List.of();
    }

    /**
     * Whether the meter can run with this context, e.g. at a configured device path
     * ({@code energy.rapl_root}); by default {@link #availability()}. Must not throw.
     *
     * @param context the meter's context
     * @return the availability, with the reason when unavailable
     */
    default Availability availability(MeterContext context) {
        return availability();
    }

    /**
     * Whether the meter reads hardware on another host (a served model's GPUs through an exporter there) rather than
     * this one's. Such a meter is opened only when the measured work runs on another host
     * ({@code server.same_host: false}), and then it is the only kind opened; local meters are opened only when the
     * work runs here. False by default.
     *
     * @return true for a meter of another host's hardware
     */
    default boolean remote() {
        return false;
    }

    /**
     * Opens the meter; throws {@link PluginUnavailableException} with the reason when it cannot.
     *
     * @param context the meter's context
     * @return the open meter
     */
    EnergyMeter open(MeterContext context);
}
