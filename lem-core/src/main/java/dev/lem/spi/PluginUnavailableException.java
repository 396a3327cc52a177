package dev.lem.spi;

import dev.lem.LemException;

/**
 * Thrown when a plug-in cannot run here (no hardware, no permission, missing native library) or a
 * requested plug-in is not on the classpath. The harness records "unsupported: reason" for optional
 * plug-ins (energy meters, telemetry) and fails only for required ones (the backend).
 */
public class PluginUnavailableException extends LemException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with a message saying why the plug-in cannot run.
     *
     * @param message why, and what to do about it
     */
    public PluginUnavailableException(String message) {
        super(message);
    }

    /**
     * An exception with a message saying why the plug-in cannot run, and the error that showed it.
     *
     * @param message why, and what to do about it
     * @param cause the error that showed it
     */
    public PluginUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
