package dev.lem.result;

import dev.lem.quality.PerplexityResult;
import java.util.Objects;
import java.util.Optional;

/**
 * The quality an experiment measured beside its cycles ({@code quality.*}), once, after its cycles and outside their
 * energy windows, in a window of its own ({@code quality_perplexity}) whose time and energy are kept here.
 *
 * @param perplexity            perplexity on the configured text, when it could be measured
 * @param perplexityUnavailable why it could not (e.g. "not offered by this server: ..."); empty when measured
 * @param measurement           the time and energy of the perplexity window (its energy when meters were available)
 */
public record QualityResult(Optional<PerplexityResult> perplexity, Optional<String> perplexityUnavailable,
        Optional<PhaseMeasurement> measurement) {

    /**
     * Checks that the {@code Optional} components are set.
     *
     * @param perplexity perplexity on the configured text, when measured
     * @param perplexityUnavailable why it could not be measured
     * @param measurement the time and energy of the perplexity window
     */
    public QualityResult {
        Objects.requireNonNull(perplexity, "perplexity");
        Objects.requireNonNull(perplexityUnavailable, "perplexityUnavailable");
        Objects.requireNonNull(measurement, "measurement");
    }

    /**
     * Energy of the perplexity window per token scored, J/token, when both are known.
     *
     * @return joules per scored token; empty without energy or perplexity
     */
    public Optional<Double> joulesPerScoredToken() {
        return perplexity.flatMap(p -> measurement.flatMap(PhaseMeasurement::energy)
                .map(e -> e.totalJoules() / p.scoredTokens()));
    }

    /** One line: the perplexity (or why not) and the window's time and energy. */
    @Override
    public String toString() {
        return perplexity.map(PerplexityResult::toString).orElseGet(() -> "perplexity not available: "
                + perplexityUnavailable.orElse("not measured")) + measurement.map(m -> "; window " + m).orElse("");
    }
}
