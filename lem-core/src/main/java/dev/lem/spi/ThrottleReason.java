package dev.lem.spi;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;

/**
 * A reason a device was running below its requested clocks at a sample.
 *
 * @param device e.g. {@code "gpu[0]"}
 * @param reason the vendor's name for it, e.g. {@code "sw_power_cap"}, {@code "hw_thermal"}
 * @param kind   whether it is thermal, power, or something else (idle, application clocks)
 */
public record ThrottleReason(String device, String reason, Kind kind) {
    /**
     * Checks that no component is null.
     *
     * @param device the device, e.g. {@code "gpu[0]"}
     * @param reason the vendor's name for it
     * @param kind whether it is thermal, power, or something else
     */
    public ThrottleReason {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(kind, "kind");
    }

    /** Which family of throttling. Thermal and power throttling flag a cycle; others are recorded only. */
    public enum Kind {
        /** Thermal slowdown: the device was slowed to limit its temperature. */
        THERMAL,
        /** Power capping: the device was slowed to stay within its power limit. */
        POWER,
        /** Anything else, e.g. idle or application clocks. */
        OTHER;

        /** {@return the kind's label in results files: its name in lower case, e.g. {@code thermal}} */
        @JsonValue
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
