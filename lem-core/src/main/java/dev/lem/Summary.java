package dev.lem;

import dev.lem.stats.Estimate;
import java.util.Map;
import java.util.Optional;

/**
 * Cross-cycle statistics of an experiment: one {@link Estimate} per available {@link Metric}, and for
 * each unavailable metric the reason.
 *
 * @param metrics     by metric key
 * @param unavailable metric key to the reason it is absent (e.g. "no energy meter available: ...")
 * @param cycles      cycles the statistics are over
 * @param stopReason  why this many cycles ran (fixed count, or adaptive target reached / cap hit)
 */
public record Summary(Map<String, MetricSummary> metrics, Map<String, String> unavailable, int cycles,
        String stopReason) {

    public Summary {
        metrics = Map.copyOf(metrics);
        unavailable = Map.copyOf(unavailable);
    }

    /** The metric's summary, when available. */
    public Optional<MetricSummary> find(Metric metric) {
        return Optional.ofNullable(metrics.get(metric.key()));
    }

    /**
     * The metric's estimate.
     *
     * @throws LemException naming the reason when the metric is unavailable
     */
    public Estimate get(Metric metric) {
        MetricSummary s = metrics.get(metric.key());
        if (s == null) {
            throw new LemException(metric.key() + " is not available: "
                    + unavailable.getOrDefault(metric.key(), "it was not computed for this experiment"));
        }
        return s.estimate();
    }
}
