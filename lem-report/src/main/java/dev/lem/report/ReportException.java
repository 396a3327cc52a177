package dev.lem.report;

import dev.lem.LemException;

/** A report or figure could not be made or written; the message says which input or file, and what to do. */
public class ReportException extends LemException {
    private static final long serialVersionUID = 1L;

    public ReportException(String message) {
        super(message);
    }

    public ReportException(String message, Throwable cause) {
        super(message, cause);
    }
}
