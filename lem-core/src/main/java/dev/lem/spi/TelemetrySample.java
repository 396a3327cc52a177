package dev.lem.spi;

import java.util.List;
import java.util.Map;

/**
 * One reading of a telemetry source.
 *
 * @param values   column name to value; the name carries the unit, e.g. {@code gpu0.temperature_c},
 *                 {@code gpu0.sm_clock_mhz}, {@code gpu0.power_w}. A value that could not be read is absent.
 * @param throttle throttle reasons active at this sample (empty when none)
 */
public record TelemetrySample(Map<String, Double> values, List<ThrottleReason> throttle) {
    /**
     * Copies the values and reasons.
     *
     * @param values column name to value, the unit in the name
     * @param throttle throttle reasons active at this sample (empty when none)
     */
    public TelemetrySample {
        values = Map.copyOf(values);
        throttle = List.copyOf(throttle);
    }
}
