package dev.lem.flops;

import dev.lem.model.ModelArchitecture;
import dev.lem.spi.FlopsEstimator;
import java.util.Locale;
import java.util.Optional;

/**
 * FLOPs from the model's architecture and each request's token counts ({@link ArchitectureFlops}):
 * prefill over the prompt with logits for its last position, then one single-token decode step per
 * further output token at its position, attention growing with the context. Padding is not included
 * (the estimate works from real token counts). Needs the architecture.
 */
public final class ArchitectureFlopsEstimator implements FlopsEstimator {

    /** The {@code architecture} estimator; {@link java.util.ServiceLoader} creates it. */
    public ArchitectureFlopsEstimator() {
    }

    @Override
    public String name() {
        return "architecture";
    }

    @Override
    public String description() {
        return "analytic matmul FLOPs from the architecture and per-request token counts";
    }

    @Override
    public FlopsConfidence confidence() {
        return FlopsConfidence.ARCHITECTURE;
    }

    @Override
    public Optional<FlopsEstimate> estimate(FlopsInput input) {
        if (input.architecture().isEmpty()) {
            return Optional.empty();
        }
        ModelArchitecture a = input.architecture().get();
        double prefill = 0;
        double decode = 0;
        double masked = 0;
        long noPrompt = 0;
        for (FlopsInput.RequestTokens r : input.requests()) {
            prefill += ArchitectureFlops.prefillFlops(a, r.promptTokens());
            decode += ArchitectureFlops.decodeFlops(a, r.promptTokens(), r.outputTokens());
            masked += ArchitectureFlops.maskedAttentionFlops(a, r.promptTokens());
            noPrompt += r.promptTokens() == 0 ? 1 : 0;
        }
        String notes = String.format(Locale.ROOT, "matmuls incl. LM head and dense prefill attention "
                + "(%,.0f FLOPs of it causally masked); norms, softmax and activations ignored; padding not included",
                masked);
        if (noPrompt > 0) {
            notes += String.format(Locale.ROOT, "; %d request(s) reported 0 prompt tokens, their prefill is missing",
                    noPrompt);
        }
        return Optional.of(new FlopsEstimate(name(), confidence(), prefill, decode, notes));
    }
}
