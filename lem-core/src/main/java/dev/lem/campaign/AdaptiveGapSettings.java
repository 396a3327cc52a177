package dev.lem.campaign;

import dev.lem.config.Key;

/**
 * The adaptive pause before each unit ({@code gaps.adaptive.*}): wait until GPU temperature and power (and CPU
 * power where measured) are back within a margin of the idle baseline taken when the campaign starts.
 *
 * @param enabled           wait adaptively before each unit
 * @param temperatureMarginC a temperature counts as cool within this many degrees above its baseline
 * @param powerMarginPct    a power counts as idle within this percentage above its baseline (and at least 1 W)
 * @param maxWaitS          the longest wait; a unit that starts after it is recorded as not cooled
 * @param pollS             how often readings are taken while waiting
 * @param baselineS         how long the idle baseline is averaged over when the campaign starts
 */
public record AdaptiveGapSettings(
        @Key(doc = "Wait before each unit until temperatures and power are back near the idle baseline taken when the "
                + "campaign starts.", defaultValue = "false") boolean enabled,
        @Key(doc = "A temperature counts as cool within this many degrees above its idle baseline.", defaultValue = "3",
                min = 0, max = 100, unit = "°C") double temperatureMarginC,
        @Key(doc = "A power counts as idle within this percentage above its idle baseline (and at least 1 W above).",
                defaultValue = "10", min = 0, max = 1000, unit = "%") double powerMarginPct,
        @Key(doc = "The longest adaptive wait; a unit that starts after it is recorded as not cooled down.",
                defaultValue = "300", min = 0, max = 86_400, unit = "s") double maxWaitS,
        @Key(doc = "How often readings are taken while waiting.", defaultValue = "1", min = 0.01, max = 600, unit = "s")
        double pollS,
        @Key(doc = "How long the idle baseline is averaged over when the campaign starts (or resumes).",
                defaultValue = "5", min = 0.1, max = 3600, unit = "s") double baselineS) {
}
