package dev.lem.spi;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Receives what a backend does, as it happens, with {@link System#nanoTime()} timestamps taken by
 * the backend at the moment of the event. TTFT, ITL, TPOT and end-to-end latency are derived later
 * from these raw stamps, identically for every backend.
 *
 * <p><b>Contract</b> (checked by the backend compatibility kit): for each request,
 * {@link #requestStarted} comes first, then zero or more {@link #tokens} events with non-decreasing
 * timestamps, then exactly one of {@link #requestCompleted} or {@link #requestFailed}.
 *
 * <p><b>Thread safety:</b> implementations given to backends by LEM are thread-safe; served backends
 * call them from many threads at once.
 */
public interface GenerationListener {

    /**
     * The request was dispatched: sent to the server, or its batch started computing.
     *
     * @param requestId the request's id
     * @param nanoTime when it was dispatched, {@link System#nanoTime()}
     */
    void requestStarted(String requestId, long nanoTime);

    /**
     * Output tokens arrived (a streamed chunk, or one decode step for one row of a batch).
     *
     * @param requestId the request's id
     * @param nanoTime when the tokens arrived, {@link System#nanoTime()}
     * @param count    tokens in this chunk (>= 1; a chunk may hold several tokens)
     * @param tokenIds the ids when known, else null
     * @param text     the decoded text when known, else null
     */
    void tokens(String requestId, long nanoTime, int count, @Nullable List<Integer> tokenIds, @Nullable String text);

    /**
     * The request finished normally.
     *
     * @param requestId the request's id
     * @param nanoTime when it finished, {@link System#nanoTime()}
     * @param completion how it finished: token counts and finish reason
     */
    void requestCompleted(String requestId, long nanoTime, Completion completion);

    /**
     * The request failed; {@code cause} says why in a sentence (HTTP status, error event, timeout).
     *
     * @param requestId the request's id
     * @param nanoTime when it failed, {@link System#nanoTime()}
     * @param cause why, in a sentence
     */
    void requestFailed(String requestId, long nanoTime, String cause);

    /**
     * A named phase of the backend's work began (e.g. {@code "prefill"}, {@code "decode"}).
     *
     * @param phase the phase's name
     * @param nanoTime when it began, {@link System#nanoTime()}
     */
    default void phaseStarted(String phase, long nanoTime) {
    }

    /**
     * The named phase ended.
     *
     * @param phase the phase's name
     * @param nanoTime when it ended, {@link System#nanoTime()}
     */
    default void phaseEnded(String phase, long nanoTime) {
    }

    /**
     * Adds to a named counter of this cycle, e.g. {@code "flops.prefill"} or {@code "tokens.padding"};
     * the name should carry the unit where there is one.
     *
     * @param counter the counter's name, with its unit where there is one
     * @param amount the amount to add
     */
    default void count(String counter, double amount) {
    }
}
