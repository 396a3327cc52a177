package dev.lem.spi;

import dev.lem.flops.FlopsConfidence;
import dev.lem.flops.FlopsEstimate;
import dev.lem.flops.FlopsInput;
import java.util.Optional;

/**
 * Service-provider interface for FLOPs estimators ({@code META-INF/services/dev.lem.spi.FlopsEstimator}).
 * The core asks the available estimators in order of confidence (counted, then architecture, then
 * parameters, ties broken by {@link #priority()}) and reports the first figure it gets, named.
 */
public interface FlopsEstimator extends LemPlugin {

    /** {@return the confidence of this estimator's figures} */
    FlopsConfidence confidence();

    /**
     * The cycle's FLOPs, or empty when this estimator lacks what it needs (e.g. no architecture).
     *
     * @param input the cycle's requests and the model's facts
     * @return the FLOPs; empty when this estimator lacks what it needs
     */
    Optional<FlopsEstimate> estimate(FlopsInput input);
}
