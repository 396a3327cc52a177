package dev.lem.spi;

/**
 * A backend cannot give log-probabilities of a given text ("not offered by this server: ..."): perplexity is then
 * recorded as unavailable with this message as the reason, and the experiment goes on.
 */
public class TokenScoringException extends BackendException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception with the reason.
     *
     * @param message why log-probabilities are not available, for the result's reason
     */
    public TokenScoringException(String message) {
        super(message);
    }

    /**
     * An exception with the reason and its cause.
     *
     * @param message why log-probabilities are not available
     * @param cause what failed
     */
    public TokenScoringException(String message, Throwable cause) {
        super(message, cause);
    }
}
