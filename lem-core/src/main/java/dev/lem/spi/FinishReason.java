package dev.lem.spi;

/** Why a request stopped producing tokens. */
public enum FinishReason {
    /** The model produced an end-of-sequence token (or a stop sequence). */
    STOP,
    /** The maximum number of output tokens was reached. */
    LENGTH,
    /** The request failed; see the request's error. */
    ERROR,
    /** The server or backend did not say. */
    UNKNOWN
}
