package dev.lem.spi;

import dev.lem.LemException;

/** A backend failed to load a model or to generate; the message names the model and the fix. */
public class BackendException extends LemException {
    private static final long serialVersionUID = 1L;

    public BackendException(String message) {
        super(message);
    }

    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
