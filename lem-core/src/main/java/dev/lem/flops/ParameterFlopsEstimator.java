package dev.lem.flops;

import dev.lem.model.ParameterCount;
import dev.lem.spi.FlopsEstimator;
import java.util.Locale;
import java.util.Optional;

/**
 * The last resort: 2 × parameters FLOPs per token processed (each prompt token in prefill, each
 * output token after the first in decode). Uses the reported parameter count, else counts the
 * architecture's. Ignores attention's context-dependent term and counts the embedding as if it were
 * multiplied (it is only looked up), so it misses long-context cost and overstates untied models.
 */
public final class ParameterFlopsEstimator implements FlopsEstimator {

    /** The {@code parameters} estimator; {@link java.util.ServiceLoader} creates it. */
    public ParameterFlopsEstimator() {
    }

    @Override
    public String name() {
        return "parameters";
    }

    @Override
    public String description() {
        return "2 x parameters per token, when nothing better is known";
    }

    @Override
    public FlopsConfidence confidence() {
        return FlopsConfidence.PARAMETERS;
    }

    @Override
    public Optional<FlopsEstimate> estimate(FlopsInput input) {
        Optional<Long> params = input.parameterCount()
                .or(() -> input.architecture().map(a -> ParameterCount.of(a).total()));
        if (params.isEmpty()) {
            return Optional.empty();
        }
        double perToken = 2.0 * params.get();
        long prompt = 0;
        long steps = 0;
        for (FlopsInput.RequestTokens r : input.requests()) {
            prompt += r.promptTokens();
            steps += Math.max(0, r.outputTokens() - 1);
        }
        return Optional.of(new FlopsEstimate(name(), confidence(), perToken * prompt, perToken * steps,
                String.format(Locale.ROOT, "2 x %,d parameters per token; attention over the context ignored",
                        params.get())));
    }
}
