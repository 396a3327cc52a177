package dev.lem.testkit;

import dev.lem.spi.MeterContext;
import dev.lem.spi.PluginUnavailableException;
import dev.lem.spi.TelemetrySample;
import dev.lem.spi.TelemetrySource;
import dev.lem.spi.TelemetrySourceProvider;
import dev.lem.spi.ThrottleReason;
import java.util.List;
import java.util.Map;

/**
 * Test telemetry beside the simulated meter: reports {@code energy.meter_options.simulated.throttle} as a power
 * throttle reason of gpu[0] at every sample. Opens only when that option is set.
 */
public final class SimulatedTelemetryProvider implements TelemetrySourceProvider {
    @Override
    public String name() {
        return "simulated";
    }

    @Override
    public String artifact() {
        return "dev.lem:lem-core:test-jar";
    }

    @Override
    public TelemetrySource open(MeterContext context) {
        Object reason = context.energy().optionsOf("simulated").get("throttle");
        if (reason == null) {
            throw new PluginUnavailableException("test telemetry: set energy.meter_options.simulated.throttle");
        }
        ThrottleReason r = new ThrottleReason("gpu[0]", String.valueOf(reason), ThrottleReason.Kind.POWER);
        return new TelemetrySource() {
            @Override
            public String name() {
                return "simulated";
            }

            @Override
            public List<String> columns() {
                return List.of("gpu0.clock_event_reasons");
            }

            @Override
            public TelemetrySample sample() {
                return new TelemetrySample(Map.of("gpu0.clock_event_reasons", 4.0), List.of(r));
            }

            @Override
            public void close() {
            }
        };
    }
}
