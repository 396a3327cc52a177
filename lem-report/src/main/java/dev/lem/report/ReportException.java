package dev.lem.report;

import dev.lem.LemException;

/** A report or figure could not be made or written; the message says which input or file, and what to do. */
public class ReportException extends LemException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with a message a user can act on.
     *
     * @param message what went wrong and what to do
     */
    public ReportException(String message) {
        super(message);
    }

    /**
     * An exception with a message a user can act on, and its cause.
     *
     * @param message what went wrong and what to do
     * @param cause   the underlying error
     */
    public ReportException(String message, Throwable cause) {
        super(message, cause);
    }
}
