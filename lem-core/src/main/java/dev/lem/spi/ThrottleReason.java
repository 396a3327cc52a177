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
    public ThrottleReason {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(kind, "kind");
    }

    /** Which family of throttling. Thermal and power throttling flag a cycle; others are recorded only. */
    public enum Kind {
        THERMAL, POWER, OTHER;

        @JsonValue
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
