package dev.lem.result;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.lem.LemException;
import dev.lem.Metric;
import dev.lem.stats.Estimate;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Cross-cycle statistics of an experiment: one {@link Estimate} (value, unit, interval, method, basis) per
 * available {@link Metric}, and for each unavailable metric the reason. Prints as a table, one metric a
 * line.
 *
 * <pre>{@code
 * Estimate e = result.summary().get(Metric.ENERGY_PER_OUTPUT_TOKEN_J);   // or throws, naming the reason
 * result.summary().whyUnavailable(Metric.MFU).ifPresent(System.out::println);
 * }</pre>
 *
 * @param metrics     the available metrics, in {@link Metric} order
 * @param unavailable each unavailable metric with the reason (e.g. "no SLO configured")
 * @param cycles      cycles the statistics are over
 * @param stopReason  why this many cycles ran (fixed count, or adaptive target reached / cap hit)
 * @param excludedCycles cycles left out of every figure, by 0-based cycle index, each with the reason (a cycle
 *                    in which no request succeeded)
 */
public record Summary(Map<Metric, Estimate> metrics, Map<Metric, String> unavailable, int cycles,
        String stopReason, Map<Integer, String> excludedCycles) {

    /**
     * A summary with no excluded cycle.
     *
     * @param metrics the available metrics
     * @param unavailable each unavailable metric with the reason
     * @param cycles cycles the statistics are over
     * @param stopReason why this many cycles ran
     */
    public Summary(Map<Metric, Estimate> metrics, Map<Metric, String> unavailable, int cycles, String stopReason) {
        this(metrics, unavailable, cycles, stopReason, Map.of());
    }

    /**
     * Copies the maps, the metrics in {@link Metric} order and the excluded cycles in cycle order; a {@code null} map
     * of excluded cycles becomes empty.
     *
     * @param metrics the available metrics
     * @param unavailable each unavailable metric with the reason
     * @param cycles cycles the statistics are over
     * @param stopReason why this many cycles ran
     * @param excludedCycles cycles left out of every figure, by 0-based cycle index, each with the reason
     */
    public Summary {
        metrics = Collections.unmodifiableMap(metrics.isEmpty() ? new EnumMap<>(Metric.class) : new EnumMap<>(metrics));
        unavailable = Collections.unmodifiableMap(unavailable.isEmpty() ? new EnumMap<>(Metric.class)
                : new EnumMap<>(unavailable));
        Objects.requireNonNull(stopReason, "stopReason");
        excludedCycles = excludedCycles == null ? Map.of()
                : Collections.unmodifiableMap(new java.util.TreeMap<>(excludedCycles));
        for (Metric m : metrics.keySet()) {
            if (unavailable.containsKey(m)) {
                throw new IllegalArgumentException(m.key() + " cannot be both available and unavailable");
            }
        }
    }

    /**
     * The metric's estimate, when available.
     *
     * @param metric the metric
     * @return the estimate; empty when the metric is unavailable
     */
    public Optional<Estimate> find(Metric metric) {
        return Optional.ofNullable(metrics.get(metric));
    }

    /**
     * The metric's estimate.
     *
     * @param metric the metric
     * @return the estimate
     * @throws LemException naming the reason when the metric is unavailable
     */
    public Estimate get(Metric metric) {
        Estimate e = metrics.get(metric);
        if (e == null) {
            throw new LemException(metric.key() + " is not available: " + whyUnavailable(metric)
                    .orElse("it was not computed for this experiment"));
        }
        return e;
    }

    /**
     * Why the metric is unavailable; empty when it is available.
     *
     * @param metric the metric
     * @return the reason; empty when the metric is available
     */
    public Optional<String> whyUnavailable(Metric metric) {
        if (metrics.containsKey(metric)) {
            return Optional.empty();
        }
        return Optional.of(unavailable.getOrDefault(metric, "it was not computed for this experiment"));
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Summary over " + cycles + " cycle" + (cycles == 1 ? "" : "s")
                + (stopReason.isEmpty() ? "" : " (" + stopReason + ")") + ":");
        excludedCycles.forEach((c, why) -> s.append("\n  cycle ").append(c + 1).append(" left out: ").append(why));
        int width = metrics.keySet().stream().mapToInt(m -> m.key().length()).max().orElse(0);
        metrics.forEach((m, e) -> s.append("\n  ").append(String.format("%-" + width + "s  ", m.key())).append(e));
        if (!unavailable.isEmpty()) {
            s.append("\n  not available: ").append(String.join(", ",
                    unavailable.keySet().stream().map(Metric::key).toList()));
        }
        return s.toString();
    }

    /** The JSON form: metrics and reasons keyed by {@link Metric#key()}. */
    @JsonValue
    Map<String, Object> toJson() {
        Map<String, Estimate> m = new LinkedHashMap<>();
        metrics.forEach((k, v) -> m.put(k.key(), v));
        Map<String, String> u = new LinkedHashMap<>();
        unavailable.forEach((k, v) -> u.put(k.key(), v));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("metrics", m);
        out.put("unavailable", u);
        out.put("cycles", cycles);
        out.put("stop_reason", stopReason);
        Map<String, String> excluded = new LinkedHashMap<>();
        excludedCycles.forEach((k, v) -> excluded.put(String.valueOf(k), v));
        out.put("excluded_cycles", excluded);
        return out;
    }

    @JsonCreator
    static Summary fromJson(@JsonProperty("metrics") Map<String, Estimate> metrics,
            @JsonProperty("unavailable") Map<String, String> unavailable, @JsonProperty("cycles") int cycles,
            @JsonProperty("stop_reason") String stopReason,
            @JsonProperty("excluded_cycles") Map<String, String> excludedCycles) {
        Map<Metric, Estimate> m = new EnumMap<>(Metric.class);
        if (metrics != null) {
            metrics.forEach((k, v) -> Metric.fromKey(k).ifPresent(x -> m.put(x, v)));
        }
        Map<Metric, String> u = new EnumMap<>(Metric.class);
        if (unavailable != null) {
            unavailable.forEach((k, v) -> Metric.fromKey(k).filter(x -> !m.containsKey(x)).ifPresent(x -> u.put(x, v)));
        }
        Map<Integer, String> excluded = new java.util.TreeMap<>();
        if (excludedCycles != null) {
            excludedCycles.forEach((k, v) -> excluded.put(Integer.parseInt(k), v));
        }
        return new Summary(m, u, cycles, stopReason == null ? "" : stopReason, excluded);
    }
}
