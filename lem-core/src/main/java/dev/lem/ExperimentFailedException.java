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
    private final String experimentId;

    public ExperimentFailedException(String message, String experimentId, Optional<ExperimentResult> partialResult,
            @org.jspecify.annotations.Nullable Throwable cause) {
        super(message, cause);
        this.experimentId = experimentId;
        this.partialResult = partialResult;
    }

    /** The experiment's id (its raw results are under {@code raw/<id>}). */
    public String experimentId() {
        return experimentId;
    }

    /** The aggregate of the cycles completed before the failure, if any completed. */
    public Optional<ExperimentResult> partialResult() {
        return partialResult;
    }
}
