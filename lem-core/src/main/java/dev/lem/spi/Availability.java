package dev.lem.spi;

import java.util.Objects;

/**
 * Whether a plug-in can run here and, when it cannot, why (and what to do about it).
 *
 * @param available true when the plug-in can be used on this machine now
 * @param reason    empty when available; otherwise a sentence a user can act on, e.g.
 *                  "NVML not found (libnvidia-ml.so.1): install the NVIDIA driver"
 */
public record Availability(boolean available, String reason) {
    private static final Availability AVAILABLE = new Availability(true, "");

    /**
     * Checks that an unavailable plug-in says why.
     *
     * @param available true when the plug-in can be used on this machine now
     * @param reason empty when available; otherwise a sentence a user can act on
     * @throws IllegalArgumentException when the plug-in is unavailable and the reason is blank
     */
    public Availability {
        Objects.requireNonNull(reason, "reason");
        if (!available && reason.isBlank()) {
            throw new IllegalArgumentException("an unavailable plug-in must say why");
        }
    }

    /** {@return the plug-in can run} */
    public static Availability ok() {
        return AVAILABLE;
    }

    /**
     * The plug-in cannot run, because {@code reason}.
     *
     * @param reason why, in a sentence a user can act on
     * @return the plug-in cannot run
     */
    public static Availability unavailable(String reason) {
        return new Availability(false, reason);
    }
}
