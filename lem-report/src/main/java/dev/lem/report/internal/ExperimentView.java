package dev.lem.report.internal;

import dev.lem.result.ExperimentResult;
import java.util.Optional;

/**
 * One experiment as a report shows it.
 *
 * @param result     the aggregated result
 * @param label      its name in the report (the configured name, made unique; else the id)
 * @param color      its colour in every figure
 * @param raw        the raw data (latency samples, time series), when they were read
 * @param rawMissing why the raw data are absent (empty when present)
 */
public record ExperimentView(ExperimentResult result, String label, Rgb color, Optional<RawData> raw,
        String rawMissing) {
    /** The experiment's id. */
    public String id() {
        return result.id();
    }

    /** The id of its section in the HTML ({@code exp-<id>}; ids are [0-9A-Za-z-] only). */
    public String anchor() {
        return "exp-" + result.id();
    }
}
