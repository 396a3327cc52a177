package dev.lem.config;

import java.util.Optional;

/**
 * Service-level objectives for goodput ({@code slo.*}), in milliseconds.
 *
 * @param ttftMs time to first token
 * @param tpotMs time per output token
 * @param e2eMs  end-to-end latency
 */
public record SloConfig(
        @Key(doc = "Goodput: TTFT service-level objective.", min = 0, unit = "ms") Optional<Double> ttftMs,
        @Key(doc = "Goodput: TPOT service-level objective.", min = 0, unit = "ms") Optional<Double> tpotMs,
        @Key(doc = "Goodput: end-to-end latency service-level objective.", min = 0, unit = "ms")
        Optional<Double> e2eMs) {

    /** No objective (goodput is not computed). */
    public static SloConfig none() {
        return new SloConfig(Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** A copy with a TTFT objective, ms. */
    public SloConfig withTtftMs(double ms) {
        return new SloConfig(Optional.of(ms), tpotMs, e2eMs);
    }

    /** A copy with a TPOT objective, ms. */
    public SloConfig withTpotMs(double ms) {
        return new SloConfig(ttftMs, Optional.of(ms), e2eMs);
    }

    /** A copy with an end-to-end objective, ms. */
    public SloConfig withE2eMs(double ms) {
        return new SloConfig(ttftMs, tpotMs, Optional.of(ms));
    }
}
