package dev.lem.spi;

import dev.lem.LemException;

/** A backend failed to load a model or to generate; the message names the model and the fix. */
public class BackendException extends LemException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with a message naming the model and the fix.
     *
     * @param message what failed and the fix
     */
    public BackendException(String message) {
        super(message);
    }

    /**
     * An exception with a message naming the model and the fix, and the error behind it.
     *
     * @param message what failed and the fix
     * @param cause the error behind it
     */
    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
