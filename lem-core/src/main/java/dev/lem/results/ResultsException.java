package dev.lem.results;

import dev.lem.LemException;

/** Results could not be written, read or aggregated; the message names the file and the fix. */
public class ResultsException extends LemException {
    private static final long serialVersionUID = 1L;

    public ResultsException(String message) {
        super(message);
    }

    public ResultsException(String message, Throwable cause) {
        super(message, cause);
    }
}
