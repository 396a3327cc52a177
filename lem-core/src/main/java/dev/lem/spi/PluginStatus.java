package dev.lem.spi;

import java.util.Objects;

/**
 * Whether a plug-in took part in a run, and if not, why.
 *
 * @param kind   backend, energy_meter, telemetry or flops
 * @param name   the plug-in's name
 * @param used   true when it took part
 * @param reason why it did not (unsupported here, failed to open), else empty
 */
public record PluginStatus(String kind, String name, boolean used, String reason) {
    /**
     * Checks that the text components are set.
     *
     * @param kind backend, energy_meter, telemetry or flops
     * @param name the plug-in's name
     * @param used true when it took part
     * @param reason why it did not, else empty
     */
    public PluginStatus {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(reason, "reason");
    }
}
