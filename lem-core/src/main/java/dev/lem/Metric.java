package dev.lem;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The figures of a result's cross-cycle {@linkplain dev.lem.result.ExperimentResult#summary() summary}. Each has a
 * stable key (used in JSON and CSV), a unit, and a definition. Ratio metrics (per token, per second)
 * are ratios of sums over cycles; the others are means of per-cycle values.
 */
public enum Metric {
    DURATION_S("s", "cycle duration: first dispatch to last completion"),
    REQUESTS_PER_S("requests/s", "completed requests / duration (ratio of sums over cycles)"),
    OUTPUT_TOKENS_PER_S("tokens/s", "output tokens / duration (ratio of sums over cycles)"),
    TOTAL_TOKENS_PER_S("tokens/s", "prompt + output tokens / duration (ratio of sums over cycles)"),
    GOODPUT_REQUESTS_PER_S("requests/s", "requests meeting every SLO / duration"),
    TTFT_MEAN_MS("ms", "mean time to first token"),
    TTFT_P50_MS("ms", "median time to first token"),
    TTFT_P99_MS("ms", "99th percentile of time to first token"),
    ITL_MEAN_MS("ms", "mean inter-token latency (vLLM: per chunk gap)"),
    ITL_P99_MS("ms", "99th percentile inter-token latency (vLLM: per chunk gap)"),
    TPOT_MEAN_MS("ms", "mean time per output token (vLLM: (e2e - ttft) / (tokens - 1))"),
    E2E_MEAN_MS("ms", "mean end-to-end request latency"),
    E2E_P99_MS("ms", "99th percentile end-to-end request latency"),
    ENERGY_J("J", "energy of the cycle over the domains the workload uses, raw; its basis lists the method of each"),
    ENERGY_ADJUSTED_J("J", "energy of the cycle over the domains the workload uses, minus idle power x duration"),
    ENERGY_GPU_J("J", "GPU energy of the cycle, raw"),
    ENERGY_CPU_J("J", "CPU energy of the cycle, raw"),
    ENERGY_DRAM_J("J", "DRAM energy of the cycle (RAPL dram domain), raw"),
    ENERGY_RAM_J("J", "RAM energy of the cycle (estimate), raw"),
    ENERGY_PER_OUTPUT_TOKEN_J("J/token", "energy / output tokens (ratio of sums over cycles), raw"),
    ENERGY_PER_OUTPUT_TOKEN_ADJUSTED_J("J/token", "baseline-adjusted energy / output tokens (ratio of sums)"),
    ENERGY_PER_REQUEST_J("J/request", "energy / completed requests (ratio of sums over cycles), raw"),
    AVERAGE_POWER_W("W", "energy / duration (ratio of sums over cycles), raw"),
    CARBON_G("gCO2e", "energy x carbon intensity x PUE"),
    CARBON_PER_1K_OUTPUT_TOKENS_G("gCO2e/1k tokens", "carbon per 1,000 output tokens (ratio of sums)"),
    FLOPS_PER_OUTPUT_TOKEN("FLOP/token", "FLOPs / output tokens (ratio of sums), named estimator"),
    ACHIEVED_TFLOPS("TFLOP/s", "FLOPs / duration / 1e12 (ratio of sums)"),
    FLOPS_PER_JOULE("FLOP/J", "FLOPs / energy (ratio of sums)"),
    MFU("fraction", "model FLOPs utilisation: achieved FLOP/s / peak FLOP/s of the devices"),
    MBU("fraction", "memory-bandwidth utilisation: estimated bytes moved (weights + KV cache per forward pass) / s "
            + "/ peak bandwidth of the devices; a lower bound"),
    PEAK_RSS_MB("MB", "peak resident memory of the process (max over processes), 10^6 bytes"),
    ENERGY_MEASURED_J("J", "energy of the cycle over the domains read from hardware counters only (RAPL, NVML "
            + "counter), raw: no integrated, attributed or estimated domain"),
    ENERGY_PER_OUTPUT_TOKEN_MEASURED_J("J/token", "measured-only energy / output tokens (ratio of sums)"),
    ENERGY_NOT_USED_J("J", "energy of measured devices the workload does not use (e.g. GPUs beside a model on the "
            + "CPU), raw; in no other energy figure");

    private final String unit;
    private final String description;

    Metric(String unit, String description) {
        this.unit = unit;
        this.description = description;
    }

    /**
     * Whether the figure can only be positive (a duration, a rate, an energy, a count), so its interval must not
     * reach below zero; false only for the idle-adjusted energies, which are negative when a window drew less than
     * idle.
     */
    public boolean positive() {
        return this != ENERGY_ADJUSTED_J && this != ENERGY_PER_OUTPUT_TOKEN_ADJUSTED_J;
    }

    /** Stable lower-case key, e.g. {@code energy_per_output_token_j}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Unit of the figure. */
    public String unit() {
        return unit;
    }

    /** What the figure is. */
    public String description() {
        return description;
    }

    /** The metric with this key (case-insensitive), if any. */
    public static Optional<Metric> fromKey(String key) {
        return Arrays.stream(values()).filter(m -> m.key().equalsIgnoreCase(key)).findFirst();
    }
}
