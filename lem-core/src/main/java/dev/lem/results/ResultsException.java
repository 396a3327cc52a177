package dev.lem.results;

import dev.lem.LemException;

/** Results could not be written, read or aggregated; the message names the file and the fix. */
public class ResultsException extends LemException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with a message naming the file and the fix.
     *
     * @param message what failed and the fix
     */
    public ResultsException(String message) {
        super(message);
    }

    /**
     * An exception with a message naming the file and the fix, and the error behind it.
     *
     * @param message what failed and the fix
     * @param cause the error behind it
     */
    public ResultsException(String message, Throwable cause) {
        super(message, cause);
    }
}
