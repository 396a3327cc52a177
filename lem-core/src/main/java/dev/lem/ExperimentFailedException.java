package dev.lem;

import dev.lem.result.ExperimentResult;
import java.util.Optional;

/**
 * An experiment stopped before finishing. Whatever was measured before the failure is on disk and,
 * when at least one cycle completed, aggregated into {@link #partialResult()}.
 */
public class ExperimentFailedException extends LemException {
    private static final long serialVersionUID = 1L;
    private final transient Optional<ExperimentResult> partialResult;
    /** The id of the experiment that failed. */
    private final String experimentId;

    /**
     * An experiment failure.
     *
     * @param message what happened
     * @param experimentId the experiment's id
     * @param partialResult the aggregate of the cycles completed before the failure, if any completed
     * @param cause the exception that stopped it, or {@code null}
     */
    public ExperimentFailedException(String message, String experimentId, Optional<ExperimentResult> partialResult,
            @org.jspecify.annotations.Nullable Throwable cause) {
        super(message, cause);
        this.experimentId = experimentId;
        this.partialResult = partialResult;
    }

    /** {@return the experiment's id (its raw results are under {@code raw/<id>})} */
    public String experimentId() {
        return experimentId;
    }

    /** {@return the aggregate of the cycles completed before the failure, if any completed} */
    public Optional<ExperimentResult> partialResult() {
        return partialResult;
    }
}
