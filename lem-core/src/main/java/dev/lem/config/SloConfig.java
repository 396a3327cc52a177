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

    /** {@return no objective (goodput is not computed)} */
    public static SloConfig none() {
        return new SloConfig(Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * A copy with a TTFT objective, ms.
     *
     * @param ms the most time to first token, ms
     * @return the copy
     */
    public SloConfig withTtftMs(double ms) {
        return new SloConfig(Optional.of(ms), tpotMs, e2eMs);
    }

    /**
     * A copy with a TPOT objective, ms.
     *
     * @param ms the most time per output token, ms
     * @return the copy
     */
    public SloConfig withTpotMs(double ms) {
        return new SloConfig(ttftMs, Optional.of(ms), e2eMs);
    }

    /**
     * A copy with an end-to-end objective, ms.
     *
     * @param ms the longest end-to-end latency, ms
     * @return the copy
     */
    public SloConfig withE2eMs(double ms) {
        return new SloConfig(ttftMs, tpotMs, Optional.of(ms));
    }
}
