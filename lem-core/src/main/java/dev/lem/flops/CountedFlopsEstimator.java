package dev.lem.flops;

import dev.lem.spi.FlopsEstimator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * FLOPs the backend counted itself: the matrix products it actually executed, padding included,
 * reported through {@link dev.lem.spi.GenerationListener#count} under {@value #PREFILL_COUNTER} and
 * {@value #DECODE_COUNTER}, with the padded token slots under {@value #PADDING_COUNTER}.
 *
 * <p>Gives nothing when the backend reported neither FLOPs counter, or when one is missing although
 * the cycle did that kind of work (a prompt was processed, or a request produced more than one token),
 * so that a partly counting backend falls back to the architecture estimate instead of reporting zero.
 */
public final class CountedFlopsEstimator implements FlopsEstimator {
    /** Counter: FLOPs of the prefill matrix products executed this cycle (padding included). */
    public static final String PREFILL_COUNTER = "flops.prefill";
    /** Counter: FLOPs of the decode matrix products executed this cycle (padding included). */
    public static final String DECODE_COUNTER = "flops.decode";
    /** Counter: padded token slots processed this cycle (prefill and decode). */
    public static final String PADDING_COUNTER = "tokens.padding";

    /** The {@code counted} estimator; {@link java.util.ServiceLoader} creates it. */
    public CountedFlopsEstimator() {
    }

    @Override
    public String name() {
        return "counted";
    }

    @Override
    public String description() {
        return "FLOPs of the matrix products the backend executed (" + PREFILL_COUNTER + ", " + DECODE_COUNTER + ")";
    }

    @Override
    public FlopsConfidence confidence() {
        return FlopsConfidence.COUNTED;
    }

    @Override
    public Optional<FlopsEstimate> estimate(FlopsInput input) {
        Map<String, Double> c = input.backendCounters();
        Double prefill = c.get(PREFILL_COUNTER);
        Double decode = c.get(DECODE_COUNTER);
        boolean prompts = input.requests().stream().anyMatch(r -> r.promptTokens() > 0);
        boolean decodeSteps = input.requests().stream().anyMatch(r -> r.outputTokens() > 1);
        if ((prefill == null && decode == null) || (prefill == null && prompts) || (decode == null && decodeSteps)) {
            return Optional.empty();
        }
        double padding = c.getOrDefault(PADDING_COUNTER, 0.0);
        String notes = padding > 0
                ? String.format(Locale.ROOT, "matrix products executed by the backend, padding included "
                        + "(%,.0f padded token slots)", padding)
                : "matrix products executed by the backend; no padded token slots were reported";
        return Optional.of(new FlopsEstimate(name(), confidence(), prefill == null ? 0 : prefill,
                decode == null ? 0 : decode, notes));
    }
}
