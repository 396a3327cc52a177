package dev.lem.report;

import dev.lem.Metric;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * What reports need to know about a {@link Metric} beyond its key and unit: a readable name ("energy per output
 * token") and which direction is better, for comparisons, regression gates and Pareto fronts.
 */
public final class MetricInfo {
    /** Which direction of a metric is an improvement. */
    public enum Goal {
        /** Less is better: energy, latency, carbon, memory. */
        LOWER,
        /** More is better: throughput, FLOPs per joule, utilisation. */
        HIGHER,
        /** Neither: a property of the setup rather than a cost (average power, FLOPs per token). */
        NEITHER
    }

    private record Info(String name, Goal goal) {
    }

    private static final Map<Metric, Info> INFO = table();

    private MetricInfo() {
    }

    private static Map<Metric, Info> table() {
        Map<Metric, Info> m = new EnumMap<>(Metric.class);
        put(m, Metric.DURATION_S, "cycle duration", Goal.LOWER);
        put(m, Metric.REQUESTS_PER_S, "request throughput", Goal.HIGHER);
        put(m, Metric.OUTPUT_TOKENS_PER_S, "output token throughput", Goal.HIGHER);
        put(m, Metric.TOTAL_TOKENS_PER_S, "total token throughput", Goal.HIGHER);
        put(m, Metric.GOODPUT_REQUESTS_PER_S, "goodput", Goal.HIGHER);
        put(m, Metric.TTFT_MEAN_MS, "mean time to first token", Goal.LOWER);
        put(m, Metric.TTFT_P50_MS, "median time to first token", Goal.LOWER);
        put(m, Metric.TTFT_P99_MS, "p99 time to first token", Goal.LOWER);
        put(m, Metric.ITL_MEAN_MS, "mean inter-token latency", Goal.LOWER);
        put(m, Metric.ITL_P99_MS, "p99 inter-token latency", Goal.LOWER);
        put(m, Metric.TPOT_MEAN_MS, "mean time per output token", Goal.LOWER);
        put(m, Metric.E2E_MEAN_MS, "mean end-to-end latency", Goal.LOWER);
        put(m, Metric.E2E_P99_MS, "p99 end-to-end latency", Goal.LOWER);
        put(m, Metric.ENERGY_J, "energy per cycle", Goal.LOWER);
        put(m, Metric.ENERGY_ADJUSTED_J, "idle-adjusted energy per cycle", Goal.LOWER);
        put(m, Metric.ENERGY_GPU_J, "GPU energy per cycle", Goal.LOWER);
        put(m, Metric.ENERGY_CPU_J, "CPU energy per cycle", Goal.LOWER);
        put(m, Metric.ENERGY_DRAM_J, "DRAM energy per cycle", Goal.LOWER);
        put(m, Metric.ENERGY_RAM_J, "RAM energy per cycle", Goal.LOWER);
        put(m, Metric.ENERGY_PER_OUTPUT_TOKEN_J, "energy per output token", Goal.LOWER);
        put(m, Metric.ENERGY_PER_OUTPUT_TOKEN_ADJUSTED_J, "idle-adjusted energy per output token", Goal.LOWER);
        put(m, Metric.ENERGY_PER_REQUEST_J, "energy per request", Goal.LOWER);
        put(m, Metric.AVERAGE_POWER_W, "average power", Goal.NEITHER);
        put(m, Metric.CARBON_G, "carbon per cycle", Goal.LOWER);
        put(m, Metric.CARBON_PER_1K_OUTPUT_TOKENS_G, "carbon per 1,000 output tokens", Goal.LOWER);
        put(m, Metric.FLOPS_PER_OUTPUT_TOKEN, "FLOPs per output token", Goal.NEITHER);
        put(m, Metric.ACHIEVED_TFLOPS, "achieved TFLOP/s", Goal.HIGHER);
        put(m, Metric.FLOPS_PER_JOULE, "FLOPs per joule", Goal.HIGHER);
        put(m, Metric.MFU, "model FLOPs utilisation", Goal.HIGHER);
        put(m, Metric.MBU, "memory-bandwidth utilisation", Goal.HIGHER);
        put(m, Metric.PEAK_RSS_MB, "peak resident memory", Goal.LOWER);
        put(m, Metric.ENERGY_PER_GOOD_REQUEST_J, "energy per request meeting its SLO", Goal.LOWER);
        put(m, Metric.GOOD_REQUESTS_PER_KJ, "SLO-meeting requests per kJ", Goal.HIGHER);
        put(m, Metric.ENERGY_PER_REQUEST_P50_J, "median attributed energy per request", Goal.LOWER);
        put(m, Metric.ENERGY_PER_REQUEST_P90_J, "p90 attributed energy per request", Goal.LOWER);
        put(m, Metric.ENERGY_PER_REQUEST_P99_J, "p99 attributed energy per request", Goal.LOWER);
        put(m, Metric.PERPLEXITY, "perplexity", Goal.LOWER);
        return m;
    }

    private static void put(Map<Metric, Info> m, Metric metric, String name, Goal goal) {
        m.put(metric, new Info(name, goal));
    }

    /**
     * A readable name, e.g. {@code energy per output token}; for a metric this table does not know, its key in words.
     *
     * @param metric the metric
     * @return a readable name
     */
    public static String name(Metric metric) {
        Info i = INFO.get(metric);
        return i != null ? i.name() : metric.key().replace('_', ' ');
    }

    /**
     * The name with a capital first letter, for titles.
     *
     * @param metric the metric
     * @return the name with a capital first letter, for titles
     */
    public static String title(Metric metric) {
        String n = name(metric);
        return n.isEmpty() ? n : n.substring(0, 1).toUpperCase(Locale.ROOT) + n.substring(1);
    }

    /**
     * Which direction is better ({@link Goal#NEITHER} for a metric this table does not know).
     *
     * @param metric the metric
     * @return which direction is better
     */
    public static Goal goal(Metric metric) {
        Info i = INFO.get(metric);
        return i != null ? i.goal() : Goal.NEITHER;
    }

    /**
     * The axis label of a metric: its name and unit, e.g. {@code energy per output token (J/token)}.
     *
     * @param metric the metric
     * @return the axis label
     */
    public static String axisLabel(Metric metric) {
        String unit = metric.unit();
        return name(metric) + (unit.isEmpty() ? "" : " (" + unit + ")");
    }
}
