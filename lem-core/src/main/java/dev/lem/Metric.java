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
    /** Cycle duration, s: first dispatch to last completion. */
    DURATION_S("s", "cycle duration: first dispatch to last completion"),
    /** Completed requests per second of duration (ratio of sums over cycles). */
    REQUESTS_PER_S("requests/s", "completed requests / duration (ratio of sums over cycles)"),
    /** Output tokens per second of duration (ratio of sums over cycles). */
    OUTPUT_TOKENS_PER_S("tokens/s", "output tokens / duration (ratio of sums over cycles)"),
    /** Prompt and output tokens per second of duration (ratio of sums over cycles). */
    TOTAL_TOKENS_PER_S("tokens/s", "prompt + output tokens / duration (ratio of sums over cycles)"),
    /** Requests meeting every SLO per second of duration. */
    GOODPUT_REQUESTS_PER_S("requests/s", "requests meeting every SLO / duration"),
    /** Mean time to first token, ms. */
    TTFT_MEAN_MS("ms", "mean time to first token"),
    /** Median time to first token, ms. */
    TTFT_P50_MS("ms", "median time to first token"),
    /** 99th percentile of time to first token, ms. */
    TTFT_P99_MS("ms", "99th percentile of time to first token"),
    /** Mean inter-token latency, ms (vLLM: the gap between chunks). */
    ITL_MEAN_MS("ms", "mean inter-token latency (vLLM: per chunk gap)"),
    /** 99th percentile of inter-token latency, ms (vLLM: the gap between chunks). */
    ITL_P99_MS("ms", "99th percentile inter-token latency (vLLM: per chunk gap)"),
    /** Mean time per output token, ms (vLLM: (e2e - ttft) / (tokens - 1)). */
    TPOT_MEAN_MS("ms", "mean time per output token (vLLM: (e2e - ttft) / (tokens - 1))"),
    /** Mean end-to-end request latency, ms. */
    E2E_MEAN_MS("ms", "mean end-to-end request latency"),
    /** 99th percentile of end-to-end request latency, ms. */
    E2E_P99_MS("ms", "99th percentile end-to-end request latency"),
    /** Energy of the cycle over the domains the workload uses, J, raw; its basis lists the method of each. */
    ENERGY_J("J", "energy of the cycle over the domains the workload uses, raw; its basis lists the method of each"),
    /** Energy of the cycle over the domains the workload uses minus idle power x duration, J. */
    ENERGY_ADJUSTED_J("J", "energy of the cycle over the domains the workload uses, minus idle power x duration"),
    /** GPU energy of the cycle, J, raw. */
    ENERGY_GPU_J("J", "GPU energy of the cycle, raw"),
    /** CPU energy of the cycle, J, raw. */
    ENERGY_CPU_J("J", "CPU energy of the cycle, raw"),
    /** DRAM energy of the cycle (RAPL dram domain), J, raw. */
    ENERGY_DRAM_J("J", "DRAM energy of the cycle (RAPL dram domain), raw"),
    /** RAM energy of the cycle (an estimate), J, raw. */
    ENERGY_RAM_J("J", "RAM energy of the cycle (estimate), raw"),
    /** Energy per output token, J/token (ratio of sums over cycles), raw. */
    ENERGY_PER_OUTPUT_TOKEN_J("J/token", "energy / output tokens (ratio of sums over cycles), raw"),
    /** Idle-adjusted energy per output token, J/token (ratio of sums over cycles). */
    ENERGY_PER_OUTPUT_TOKEN_ADJUSTED_J("J/token", "baseline-adjusted energy / output tokens (ratio of sums)"),
    /** Energy per completed request, J/request (ratio of sums over cycles), raw. */
    ENERGY_PER_REQUEST_J("J/request", "energy / completed requests (ratio of sums over cycles), raw"),
    /** Average power, W: energy / duration (ratio of sums over cycles), raw. */
    AVERAGE_POWER_W("W", "energy / duration (ratio of sums over cycles), raw"),
    /** Carbon emitted, gCO2e: energy x carbon intensity x PUE. */
    CARBON_G("gCO2e", "energy x carbon intensity x PUE"),
    /** Carbon per 1,000 output tokens, gCO2e (ratio of sums over cycles). */
    CARBON_PER_1K_OUTPUT_TOKENS_G("gCO2e/1k tokens", "carbon per 1,000 output tokens (ratio of sums)"),
    /** FLOPs per output token (ratio of sums over cycles), by the named estimator. */
    FLOPS_PER_OUTPUT_TOKEN("FLOP/token", "FLOPs / output tokens (ratio of sums), named estimator"),
    /** Achieved throughput, TFLOP/s: FLOPs / duration / 1e12 (ratio of sums over cycles). */
    ACHIEVED_TFLOPS("TFLOP/s", "FLOPs / duration / 1e12 (ratio of sums)"),
    /** FLOPs per joule of energy (ratio of sums over cycles). */
    FLOPS_PER_JOULE("FLOP/J", "FLOPs / energy (ratio of sums)"),
    /** Model FLOPs utilisation, a fraction: achieved FLOP/s / peak FLOP/s of the devices. */
    MFU("fraction", "model FLOPs utilisation: achieved FLOP/s / peak FLOP/s of the devices"),
    /**
     * Memory-bandwidth utilisation, a fraction: estimated bytes moved per second / peak bandwidth of the devices; a
     * lower bound.
     */
    MBU("fraction", "memory-bandwidth utilisation: estimated bytes moved (weights + KV cache per forward pass) / s "
            + "/ peak bandwidth of the devices; a lower bound"),
    /** Peak resident memory of the process, MB of 10^6 bytes (the maximum over processes). */
    PEAK_RSS_MB("MB", "peak resident memory of the process (max over processes), 10^6 bytes"),
    /** Energy of the cycle over the domains read from hardware counters only (RAPL, NVML counter), J, raw. */
    ENERGY_MEASURED_J("J", "energy of the cycle over the domains read from hardware counters only (RAPL, NVML "
            + "counter), raw: no integrated, attributed or estimated domain"),
    /** Measured-only energy per output token, J/token (ratio of sums over cycles). */
    ENERGY_PER_OUTPUT_TOKEN_MEASURED_J("J/token", "measured-only energy / output tokens (ratio of sums)"),
    /** Energy of measured devices the workload does not use, J, raw; in no other energy figure. */
    ENERGY_NOT_USED_J("J", "energy of measured devices the workload does not use (e.g. GPUs beside a model on the "
            + "CPU), raw; in no other energy figure"),
    /** Requests sent per second of the send span, counted: (sent - 1) / (last send - first send). */
    ACHIEVED_REQUEST_RATE_PER_S("requests/s", "requests sent / send span: (sent - 1) / (last send - first send), "
            + "beside the configured traffic.rate"),
    /** The most requests in flight at once (sent, final event not yet received), counted. */
    MAX_IN_FLIGHT("requests", "the most requests in flight at once (sent, final event not yet received)"),
    /** Time-weighted mean of requests in flight, first send to last final event. */
    MEAN_IN_FLIGHT("requests", "time-weighted mean of requests in flight: sum of (end - send) / (last end - "
            + "first send)"),
    /** Median send lag, ms: actual - scheduled send time of open-loop requests (the client's own lateness). */
    SEND_LAG_P50_MS("ms", "median send lag: actual - scheduled send time (open loop)"),
    /** 99th percentile of send lag, ms. */
    SEND_LAG_P99_MS("ms", "99th percentile of send lag: actual - scheduled send time (open loop)"),
    /** Largest send lag, ms. */
    SEND_LAG_MAX_MS("ms", "largest send lag: actual - scheduled send time (open loop)"),
    /** Prefill energy per prompt token, J/token: the cycle's energy apportioned by the engine's phase time. */
    PREFILL_ENERGY_PER_PROMPT_TOKEN_J("J/token", "prefill energy / prompt tokens (ratio of sums); the energy "
            + "apportioned between prefill and decode by the engine's own phase time (served engines)"),
    /** Decode energy per output token, J/token: the cycle's energy apportioned by the engine's phase time. */
    DECODE_ENERGY_PER_OUTPUT_TOKEN_J("J/token", "decode energy / output tokens (ratio of sums); the energy "
            + "apportioned between prefill and decode by the engine's own phase time (served engines)"),
    /**
     * Energy per request that met every SLO, J/request: the cycle's energy / requests meeting every {@code slo.*}
     * (ratio of sums over cycles), raw; the energy of requests that missed is charged to those that met it.
     */
    ENERGY_PER_GOOD_REQUEST_J("J/request", "energy / requests meeting every SLO (ratio of sums over cycles), raw: "
            + "requests that missed an SLO cost energy too, charged to those that met it"),
    /** Requests meeting every SLO per kJ of energy (ratio of sums over cycles), raw. */
    GOOD_REQUESTS_PER_KJ("requests/kJ", "requests meeting every SLO / energy in kJ (ratio of sums over cycles), raw"),
    /**
     * Median energy of a completed request, J: each request's share of its cycle's energy by its share of in-flight
     * token-time (docs/quality.md); the mean over cycles of each cycle's median.
     */
    ENERGY_PER_REQUEST_P50_J("J", "median per-request energy: each request's share of the cycle's energy by its "
            + "share of in-flight token-time (mean over cycles of each cycle's median)"),
    /** 90th percentile of the energy of a completed request, J (attributed as for the median). */
    ENERGY_PER_REQUEST_P90_J("J", "90th percentile of per-request energy, attributed by share of in-flight "
            + "token-time (mean over cycles)"),
    /** 99th percentile of the energy of a completed request, J (attributed as for the median). */
    ENERGY_PER_REQUEST_P99_J("J", "99th percentile of per-request energy, attributed by share of in-flight "
            + "token-time (mean over cycles)"),
    /**
     * Perplexity on the quality text ({@code quality.perplexity.*}): exp of the token-weighted mean negative
     * log-likelihood over a sliding window; measured once per experiment, its interval is across the text's windows,
     * not across cycles.
     */
    PERPLEXITY("perplexity", "exp of the token-weighted mean negative log-likelihood of the quality text (sliding "
            + "window); measured once per experiment, interval across the text's windows, not cycles");

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
     *
     * @return whether the figure is never negative
     */
    public boolean positive() {
        return this != ENERGY_ADJUSTED_J && this != ENERGY_PER_OUTPUT_TOKEN_ADJUSTED_J;
    }

    /**
     * Whether the figure is observed once per cycle, so that its statistics are across cycles; false for quality
     * figures measured once per experiment ({@link #PERPLEXITY}: its interval is across the text's windows).
     *
     * @return whether the figure is a per-cycle observation
     */
    public boolean acrossCycles() {
        return this != PERPLEXITY;
    }

    /** {@return the stable lower-case key, e.g. {@code energy_per_output_token_j}} */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@return the unit of the figure, e.g. {@code J/token}} */
    public String unit() {
        return unit;
    }

    /** {@return what the figure is, in one line} */
    public String description() {
        return description;
    }

    /**
     * The metric with this key (case-insensitive), if any.
     *
     * @param key the key, in any case
     * @return the metric; empty when no metric has that key
     */
    public static Optional<Metric> fromKey(String key) {
        return Arrays.stream(values()).filter(m -> m.key().equalsIgnoreCase(key)).findFirst();
    }
}
