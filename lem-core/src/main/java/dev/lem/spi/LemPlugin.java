package dev.lem.spi;

import java.util.Set;

/**
 * What every plug-in found by {@link java.util.ServiceLoader} says about itself: a short name to
 * select it by, whether it can run here (and why not), and its priority among plug-ins of its kind.
 *
 * <p>Implementations must have a public no-argument constructor that does no expensive or native
 * work; probing hardware belongs in {@link #availability()}, which may be called more than once.
 */
public interface LemPlugin {

    /** {@return the short lower-case name used in configs, e.g. {@code "djl"}, {@code "rapl"}, {@code "nvml"}} */
    String name();

    /** {@return further names this plug-in answers to (the fully qualified class name always works)} */
    default Set<String> aliases() {
        return Set.of();
    }

    /** {@return one line saying what this plug-in does} */
    default String description() {
        return "";
    }

    /**
     * Whether the plug-in can be used here; when not, the reason. Must not throw.
     *
     * @return the availability, with the reason when unavailable
     */
    default Availability availability() {
        return Availability.ok();
    }

    /** {@return shorthand for {@code availability().available()}} */
    default boolean isAvailable() {
        return availability().available();
    }

    /**
     * Higher wins when several plug-ins of one kind could serve the same purpose.
     *
     * @return the priority
     */
    default int priority() {
        return 0;
    }

    /**
     * What the plug-in found here, one line each, for listings such as {@code lem plugins}: e.g. each GPU, how its
     * energy is obtained (counter, integrated power, attributed MIG share) or why it is left out. May probe the
     * hardware; must not throw. Empty by default.
     *
     * @return the lines; empty by default
     */
    default java.util.List<String> details() {
        return java.util.List.of();
    }

    /** {@return the Maven coordinates ({@code groupId:artifactId}) of the artifact that provides this plug-in} */
    default String artifact() {
        return "dev.lem:lem-core";
    }
}
