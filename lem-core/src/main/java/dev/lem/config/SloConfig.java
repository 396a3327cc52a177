package dev.lem.config;

import java.util.Optional;

/**
 * Service-level objectives for goodput ({@code slo.*}), in milliseconds.
 *
 * @param ttftMs time to first token
 * @param tpotMs time per output token
 * @param e2eMs  end-to-end latency
 */
public record SloConfig(Optional<Double> ttftMs, Optional<Double> tpotMs, Optional<Double> e2eMs) {
}
