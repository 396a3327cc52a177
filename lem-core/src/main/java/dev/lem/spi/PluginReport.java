package dev.lem.spi;

import java.util.Objects;

/**
 * One plug-in found on the classpath (or one that failed to load), as listed by {@link dev.lem.Lem#plugins()}
 * and {@code lem plugins}.
 *
 * @param kind        backend, energy_meter, telemetry or flops
 * @param name        short name (or the class name when the provider could not be instantiated)
 * @param className   provider class
 * @param available   usable here now
 * @param reason      why not, when not available
 * @param priority    priority among plug-ins of its kind
 * @param artifact    Maven coordinates that provide it
 * @param description one line
 * @param details     what the plug-in found here, one line each (e.g. each GPU and how its energy is obtained)
 */
public record PluginReport(String kind, String name, String className, boolean available, String reason,
        int priority, String artifact, String description, java.util.List<String> details) {
    /**
     * Checks that the text components are set and copies the details; {@code null} details become empty.
     *
     * @param kind backend, energy_meter, telemetry or flops
     * @param name short name
     * @param className provider class
     * @param available usable here now
     * @param reason why not, when not available
     * @param priority priority among plug-ins of its kind
     * @param artifact Maven coordinates that provide it
     * @param description one line
     * @param details what the plug-in found here, one line each
     */
    public PluginReport {
        details = details == null ? java.util.List.of() : java.util.List.copyOf(details);
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(artifact, "artifact");
        Objects.requireNonNull(description, "description");
    }

    /**
     * A report without details.
     *
     * @param kind backend, energy_meter, telemetry or flops
     * @param name short name
     * @param className provider class
     * @param available usable here now
     * @param reason why not, when not available
     * @param priority priority among plug-ins of its kind
     * @param artifact Maven coordinates that provide it
     * @param description one line
     */
    public PluginReport(String kind, String name, String className, boolean available, String reason, int priority,
            String artifact, String description) {
        this(kind, name, className, available, reason, priority, artifact, description, java.util.List.of());
    }
}
