package dev.lem.energy;

import java.util.List;
import java.util.Map;

/**
 * Throttling seen during a window, from telemetry samples.
 *
 * @param samples          telemetry samples in the window
 * @param thermalShare     share of samples (0..1) with any thermal throttle reason active
 * @param powerShare       share of samples (0..1) with any power throttle reason active
 * @param reasonShares     share of samples per reason, e.g. {@code gpu[0]:sw_power_cap -> 0.4}
 * @param flagged          true when thermal or power throttling was seen at all
 */
public record ThrottleSummary(int samples, double thermalShare, double powerShare, Map<String, Double> reasonShares,
        boolean flagged) {
    /**
     * Copies the reason shares.
     *
     * @param samples telemetry samples in the window
     * @param thermalShare share of samples (0..1) with any thermal throttle reason active
     * @param powerShare share of samples (0..1) with any power throttle reason active
     * @param reasonShares share of samples per reason
     * @param flagged true when thermal or power throttling was seen at all
     */
    public ThrottleSummary {
        reasonShares = Map.copyOf(reasonShares);
    }

    /**
     * No telemetry source reported throttle reasons.
     *
     * @param samples telemetry samples in the window
     * @return the summary, with nothing flagged
     */
    public static ThrottleSummary none(int samples) {
        return new ThrottleSummary(samples, 0, 0, Map.of(), false);
    }

    /** {@return the reasons seen, sorted, for messages} */
    public List<String> reasons() {
        return reasonShares.keySet().stream().sorted().toList();
    }
}
