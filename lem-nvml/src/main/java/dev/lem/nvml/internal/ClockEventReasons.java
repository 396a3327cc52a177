package dev.lem.nvml.internal;

import dev.lem.spi.ThrottleReason;
import dev.lem.spi.ThrottleReason.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes NVML's clock-event (throttle) reason bits ({@code nvmlClocksEventReason*}) into
 * {@link ThrottleReason}s.
 *
 * <p>Kinds: software and hardware thermal slowdowns are {@code thermal}; the software power cap
 * and the hardware power brake are {@code power}. {@code hw_slowdown} is the umbrella bit NVML sets
 * for a thermal slowdown, a power-brake assertion or a fast power-draw trigger: it counts as
 * {@code thermal} when {@code hw_thermal} is also set, otherwise as {@code power} (two of its three
 * causes). Idle, application clocks, sync boost and display clock are {@code other}: they are
 * recorded but do not flag a cycle.
 */
public final class ClockEventReasons {
    private static final long HW_THERMAL = 0x40L;
    private static final String[] NAMES = {"gpu_idle", "applications_clocks", "sw_power_cap", "hw_slowdown",
        "sync_boost", "sw_thermal", "hw_thermal", "hw_power_brake", "display_clock"};
    private static final Kind[] KINDS = {Kind.OTHER, Kind.OTHER, Kind.POWER, Kind.POWER, Kind.OTHER, Kind.THERMAL,
        Kind.THERMAL, Kind.POWER, Kind.OTHER};

    private ClockEventReasons() {
    }

    /** The reasons set in {@code bits} for {@code device} (e.g. {@code gpu[0]}); unknown bits as {@code bit_N}. */
    public static List<ThrottleReason> decode(String device, long bits) {
        List<ThrottleReason> out = new ArrayList<>(Long.bitCount(bits));
        for (int bit = 0; bit < 64; bit++) {
            if ((bits & (1L << bit)) == 0) {
                continue;
            }
            if (bit < NAMES.length) {
                Kind kind = bit == 3 && (bits & HW_THERMAL) != 0 ? Kind.THERMAL : KINDS[bit];
                out.add(new ThrottleReason(device, NAMES[bit], kind));
            } else {
                out.add(new ThrottleReason(device, "bit_" + bit, Kind.OTHER));
            }
        }
        return out;
    }
}
