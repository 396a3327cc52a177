package dev.lem;

/**
 * Root of LEM's exceptions. Every message says what went wrong and what the user can do about it;
 * the command line prints the message alone (a stack trace only with {@code --verbose}).
 *
 * <p>Unchecked, so the fluent API stays fluent; subclasses name the area that failed
 * ({@link dev.lem.config.ConfigException}, {@link dev.lem.spi.PluginUnavailableException},
 * {@link dev.lem.spi.BackendException}, {@link dev.lem.results.ResultsException}).
 */
public class LemException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with a message saying what went wrong and what to do about it.
     *
     * @param message what went wrong and what to do about it
     */
    public LemException(String message) {
        super(message);
    }

    /**
     * An exception with a message saying what went wrong and what to do about it, and the error behind it.
     *
     * @param message what went wrong and what to do about it
     * @param cause the error behind it
     */
    public LemException(String message, Throwable cause) {
        super(message, cause);
    }
}
