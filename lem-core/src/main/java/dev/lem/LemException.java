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

    public LemException(String message) {
        super(message);
    }

    public LemException(String message, Throwable cause) {
        super(message, cause);
    }
}
