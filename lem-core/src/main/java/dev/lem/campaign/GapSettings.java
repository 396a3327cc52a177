package dev.lem.campaign;

import dev.lem.config.Key;

/**
 * Pauses between units ({@code gaps.*}), so that heat and clock states left by one unit do not bias the next.
 * The wait actually taken is recorded per unit in the manifest.
 *
 * @param betweenExperimentsS fixed pause before a unit whose experiment differs from the previous unit's
 * @param betweenCyclesS      fixed pause before each cycle round (before every unit in grouped order)
 * @param adaptive            wait until temperatures and power are back near idle
 */
public record GapSettings(
        @Key(doc = "Fixed pause before a unit whose experiment differs from the previous unit's.", defaultValue = "0",
                min = 0, max = 86_400, unit = "s") double betweenExperimentsS,
        @Key(doc = "Fixed pause before each cycle round (in grouped order: before every cycle).", defaultValue = "0",
                min = 0, max = 86_400, unit = "s") double betweenCyclesS,
        @Key(doc = "Adaptive pause: wait until temperatures and power are back near idle.") AdaptiveGapSettings adaptive) {
}
