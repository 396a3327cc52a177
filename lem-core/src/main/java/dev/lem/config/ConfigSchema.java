package dev.lem.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Every configuration parameter LEM knows: name, type, default, constraint and description. The one
 * source of truth for config files, {@code --set} overrides, the builder, validation, the CLI's help
 * and {@code lem config show}.
 */
public final class ConfigSchema {
    private static final Map<String, Parameter> PARAMETERS = new LinkedHashMap<>();

    static {
        // --- what to measure
        text("name", null, "", "A label for the experiment, shown in listings. Never used in file paths.");
        text("model", "synthetic:SmolLM2-135M", "",
                "The model: a local Hugging Face folder, a Hugging Face id found in the local HF cache, or "
                        + "synthetic:<preset> (real architecture, seeded random weights).");
        text("backend", "djl", "", "The inference backend: djl, vllm, trtllm, openai, or a provider class name.");
        choice("precision", "fp32", "Data type computations run in (bf16 is refused by the djl backend).",
                "fp32", "fp16", "bf16", "auto");
        text("device", "cpu", "", "Where the model runs: cpu, cuda, cuda:<index>, or auto.");
        integer("max_input_tokens", 512, 1, 1_048_576, "tokens", "Prompts longer than this are truncated (left).");
        integer("max_output_tokens", 64, 1, 1_048_576, "tokens", "The most tokens generated per request.");
        integer("min_output_tokens", 0, 0, 1_048_576, "tokens",
                "Tokens generated before an end-of-sequence token may stop a request.");
        integer("cycles", 5, 1, 100_000, "",
                "Measured repetitions of the whole workload; statistics are computed across cycles.");
        longValue("seed", 42L, "Seed for prompt sampling, synthetic weights, arrivals and sampling.");
        text("results_dir", "results", "", "Where results are written (relative to the working directory).");
        integer("processes", 1, 1, 1024, "",
                "Worker processes on this machine, one per device (CUDA_VISIBLE_DEVICES pinned per rank).");
        map("options", "Backend-specific options, e.g. options.hidden_size for a custom synthetic shape.");

        // --- prompts
        choice("prompts.source", "builtin", "Where prompts come from (inline: Prompts.of(...) in code only).", "builtin", "file",
                "sharegpt", "synthetic", "inline");
        path("prompts.path", null, "Prompt file for source file (text: one per line; .jsonl) or sharegpt (JSON).");
        integer("prompts.limit", 32, 1, 10_000_000, "prompts", "How many prompts make one cycle's workload.");
        text("prompts.field", "prompt", "", "The JSON field holding the prompt in .jsonl files.");
        bool("prompts.shuffle", false, "Shuffle prompts (seeded) before taking the first prompts.limit.");
        integer("prompts.synthetic.input_tokens_mean", 128, 1, 1_048_576, "tokens",
                "Synthetic prompts: mean input length.");
        number("prompts.synthetic.input_tokens_std", 0.0, 0.0, null, "tokens",
                "Synthetic prompts: standard deviation of the input length (normal, truncated at 1).");
        integer("prompts.synthetic.output_tokens_mean", null, 1, 1_048_576, "tokens",
                "Synthetic prompts: mean output length (default: max_output_tokens).");
        number("prompts.synthetic.output_tokens_std", 0.0, 0.0, null, "tokens",
                "Synthetic prompts: standard deviation of the output length.");

        // --- batching
        integer("batching.batch_size", 1, 1, 65_536, "requests", "Requests computed together (in-process backends).");
        choice("batching.strategy", "static",
                "static: in order; sorted: by prompt length (less padding); dynamic: fill up to max_batch_tokens.",
                "static", "sorted", "dynamic");
        integer("batching.max_batch_tokens", 4096, 1, 100_000_000, "tokens",
                "dynamic batching: the most (prompt + output) tokens in one batch.");

        // --- decoding
        choice("decoding.preset", "deterministic",
                "deterministic: greedy; standard: T=0.7, top-p 0.9, top-k 50; creative: T=1.0, top-p 0.95; "
                        + "factual: T=0.3, top-p 0.8, top-k 40. Values set explicitly win over the preset.",
                "deterministic", "standard", "creative", "factual");
        bool("decoding.greedy", true, "Always take the most likely token (temperature, top-k and top-p unused).");
        number("decoding.temperature", 1.0, 0.0, 100.0, "", "Sampling temperature (0 means greedy).");
        integer("decoding.top_k", 0, 0, 10_000_000, "tokens", "Sample among the k most likely tokens (0: off).");
        number("decoding.top_p", 1.0, 0.0, 1.0, "", "Nucleus sampling: smallest set with this probability mass.");
        bool("decoding.ignore_eos", true,
                "Keep generating past end-of-sequence up to max_output_tokens (fixed-length benchmarks).");

        // --- warm-up
        choice("warmup.mode", "converge",
                "fixed: warmup.runs batches; converge: until the CV of the last warmup.window latencies is at most "
                        + "warmup.cv_threshold (between min_runs and max_runs).",
                "fixed", "converge");
        integer("warmup.runs", 2, 0, 100_000, "runs", "fixed mode: warm-up runs (batches or requests).");
        integer("warmup.min_runs", 2, 0, 100_000, "runs", "converge mode: fewest warm-up runs.");
        integer("warmup.max_runs", 20, 1, 100_000, "runs", "converge mode: most warm-up runs.");
        integer("warmup.window", 5, 2, 1000, "runs", "converge mode: how many recent latencies the CV is over.");
        number("warmup.cv_threshold", 0.05, 0.0, 10.0, "", "converge mode: CV (std/mean) that counts as warm.");

        // --- energy
        stringList("energy.meters", List.of(), "Energy meters to use (empty: every available one).");
        number("energy.idle_baseline_s", 3.0, 0.0, 3600.0, "s",
                "Idle power is measured this long before the experiment (0: no baseline).");
        integer("energy.sampler_interval_ms", 100, 5, 60_000, "ms", "Interval of the power/telemetry sampler.");
        bool("energy.timeseries", true, "Write each cycle's sampled time series as CSV.");
        text("energy.rapl_root", "/sys/class/powercap", "", "Root of the Linux powercap tree (RAPL).");
        number("energy.cpu.tdp_watts", null, 0.0, 10_000.0, "W", "CPU TDP to use instead of the table lookup.");
        number("energy.cpu.idle_watts", null, 0.0, 10_000.0, "W", "Calibration: CPU package power when idle.");
        number("energy.cpu.max_watts", null, 0.0, 10_000.0, "W", "Calibration: CPU package power at full load.");
        number("energy.ram.watts_per_gb", 0.375, 0.0, 100.0, "W/GB",
                "RAM estimate: power per GB of installed memory (3 W per 8 GB).");

        // --- carbon
        text("carbon.country", null, "", "ISO 3166 alpha-3 country code of the electricity grid, e.g. FRA, USA.");
        text("carbon.cloud_provider", null, "", "Cloud provider (gcp, aws, azure) with carbon.cloud_region.");
        text("carbon.cloud_region", null, "", "Cloud region, e.g. us-west1.");
        text("carbon.us_state", null, "", "US state name, e.g. california.");
        text("carbon.nordic_zone", null, "", "Nordic bidding zone: SE1-SE4, NO1-NO5, FI.");
        number("carbon.intensity_g_per_kwh", null, 0.0, 5000.0, "gCO2e/kWh", "Grid carbon intensity, given.");
        number("carbon.pue", 1.0, 1.0, 5.0, "", "Power usage effectiveness of the data centre.");

        // --- traffic (served backends)
        choice("traffic.pattern", "auto",
                "auto: batches for in-process backends, closed loop for served ones; closed: concurrency N; "
                        + "poisson, gamma, constant: open loop at traffic.rate.",
                "auto", "batch", "closed", "poisson", "gamma", "constant");
        integer("traffic.concurrency", 1, 1, 1_000_000, "requests", "Closed loop: requests in flight.");
        number("traffic.rate", null, 0.0, 1e9, "requests/s", "Open loop: mean arrival rate.");
        number("traffic.burstiness", 1.0, 1e-6, 1e6, "",
                "gamma: shape of inter-arrival gaps (1 = Poisson, larger = more regular).");
        integer("traffic.max_requests", null, 1, Integer.MAX_VALUE, "requests",
                "Stop a cycle after this many requests (default: one per prompt; with only traffic.max_duration_s "
                        + "set, as many as fit in that time).");
        number("traffic.max_duration_s", null, 0.0, 1e7, "s", "Stop sending after this long.");
        integer("traffic.warmup_requests", 0, 0, 1_000_000, "requests", "Requests sent and excluded first.");
        numberList("traffic.sweep", List.of(), "Run the experiment at each of these concurrencies (closed) or rates.");
        number("slo.ttft_ms", null, 0.0, null, "ms", "Goodput: TTFT service-level objective.");
        number("slo.tpot_ms", null, 0.0, null, "ms", "Goodput: TPOT service-level objective.");
        number("slo.e2e_ms", null, 0.0, null, "ms", "Goodput: end-to-end latency service-level objective.");

        // --- server
        text("server.url", null, "", "Base URL of a served model, e.g. http://localhost:8000.");
        choice("server.api", "completions", "The OpenAI-compatible endpoint to call.", "completions", "chat",
                "triton");
        text("server.model_name", null, "", "The model name the server knows (default: model).");
        text("server.api_key_env", null, "", "Name of an environment variable holding the API key.");
        number("server.connect_timeout_s", 10.0, 0.001, 3600.0, "s", "Connection timeout.");
        number("server.first_token_timeout_s", 300.0, 0.001, 86_400.0, "s", "Longest wait for the first token.");
        number("server.idle_timeout_s", 60.0, 0.001, 86_400.0, "s", "Longest gap between two chunks.");
        number("server.request_timeout_s", 1800.0, 0.001, 604_800.0, "s", "Longest whole request.");
        integer("server.max_retries", 2, 0, 100, "", "Retries of a request that failed before its first byte.");
        bool("server.managed", false, "Start the server (vllm serve / trtllm-serve) and stop it afterwards.");
        stringList("server.args", List.of(), "Extra arguments for a managed server.");
        number("server.startup_timeout_s", 900.0, 1.0, 86_400.0, "s", "Longest wait for a managed server's health.");
        bool("server.same_host", true,
                "The server runs on this machine, so local energy meters see its work; false reports no energy.");

        // --- statistics
        number("stats.confidence_level", 0.95, 0.5, 0.999, "", "Confidence level of intervals.");
        integer("stats.bootstrap_resamples", 10_000, 100, 10_000_000, "", "Bootstrap resamples.");
        choice("stats.ci_method", "auto", "Interval method (auto: chosen by sample size; see docs/statistics.md).",
                "auto", "t", "percentile", "bca");
        bool("stats.adaptive.enabled", false, "Keep running cycles until the target precision is reached.");
        text("stats.adaptive.metric", "energy_per_output_token_j", "", "The metric whose CI must be narrow.");
        number("stats.adaptive.target_half_width_pct", 5.0, 0.01, 100.0, "%",
                "Stop when the CI half-width is at most this share of the mean.");
        integer("stats.adaptive.max_cycles", 30, 2, 100_000, "", "Most cycles in adaptive mode.");

        // --- FLOPs
        number("flops.peak_tflops", null, 0.0, 1e6, "TFLOP/s", "Peak of the device for MFU (default: table).");
        number("flops.peak_bandwidth_gb_s", null, 0.0, 1e6, "GB/s", "Peak memory bandwidth for MBU.");
    }

    private ConfigSchema() {
    }

    private static void add(String path, ValueType type, @Nullable Object def, @Nullable Double min,
            @Nullable Double max, List<String> choices, String unit, String description) {
        PARAMETERS.put(path, new Parameter(path, type, def, min, max, choices, unit, description));
    }

    private static void text(String path, @Nullable String def, String unit, String description) {
        add(path, ValueType.STRING, def, null, null, List.of(), unit, description);
    }

    private static void path(String path, @Nullable String def, String description) {
        add(path, ValueType.PATH, def, null, null, List.of(), "", description);
    }

    private static void choice(String path, String def, String description, String... choices) {
        add(path, ValueType.CHOICE, def, null, null, List.of(choices), "", description);
    }

    private static void integer(String path, @Nullable Integer def, int min, int max, String unit, String description) {
        add(path, ValueType.INTEGER, def, (double) min, (double) max, List.of(), unit, description);
    }

    private static void longValue(String path, long def, String description) {
        add(path, ValueType.LONG, def, null, null, List.of(), "", description);
    }

    private static void number(String path, @Nullable Double def, @Nullable Double min, @Nullable Double max,
            String unit, String description) {
        add(path, ValueType.DOUBLE, def, min, max, List.of(), unit, description);
    }

    private static void bool(String path, boolean def, String description) {
        add(path, ValueType.BOOLEAN, def, null, null, List.of(), "", description);
    }

    private static void stringList(String path, List<String> def, String description) {
        add(path, ValueType.STRING_LIST, def, null, null, List.of(), "", description);
    }

    private static void numberList(String path, List<Double> def, String description) {
        add(path, ValueType.NUMBER_LIST, def, null, null, List.of(), "", description);
    }

    private static void map(String path, String description) {
        add(path, ValueType.MAP, Map.of(), null, null, List.of(), "", description);
    }

    /** Every parameter, in documentation order. */
    public static List<Parameter> parameters() {
        return List.copyOf(PARAMETERS.values());
    }

    /** The parameter at this exact dotted path. */
    public static Optional<Parameter> find(String path) {
        return Optional.ofNullable(PARAMETERS.get(path));
    }

    /** The {@link ValueType#MAP} parameter that owns a sub-key path like {@code options.foo}, if any. */
    public static Optional<Parameter> mapOwner(String path) {
        for (Parameter p : PARAMETERS.values()) {
            if (p.type() == ValueType.MAP && path.startsWith(p.path() + ".") && path.length() > p.path().length() + 1) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** True when {@code prefix} is a section (a proper prefix of some parameter path), e.g. {@code batching}. */
    public static boolean isSection(String prefix) {
        String p = prefix + ".";
        return PARAMETERS.keySet().stream().anyMatch(k -> k.startsWith(p));
    }

    /** Top-level section and parameter names. */
    public static Set<String> topLevelNames() {
        Set<String> names = new TreeSet<>();
        for (String k : PARAMETERS.keySet()) {
            int dot = k.indexOf('.');
            names.add(dot < 0 ? k : k.substring(0, dot));
        }
        return names;
    }

    /**
     * The closest known path to an unknown one (edit distance over the whole path and over its last
     * segment), for "did you mean" messages.
     */
    public static Optional<String> suggest(String unknownPath) {
        List<String> candidates = new ArrayList<>(PARAMETERS.keySet());
        for (String k : PARAMETERS.keySet()) {
            String[] parts = k.split("\\.");
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; i < parts.length - 1; i++) {
                prefix.append(i == 0 ? "" : ".").append(parts[i]);
                candidates.add(prefix.toString());
            }
        }
        String lastUnknown = unknownPath.substring(unknownPath.lastIndexOf('.') + 1);
        return candidates.stream().distinct()
                .map(c -> Map.entry(c, Math.min(distance(c, unknownPath), lastSegmentDistance(c, unknownPath, lastUnknown))))
                .filter(e -> e.getValue() <= Math.max(2, unknownPath.length() / 3))
                .min(Comparator.comparingInt((Map.Entry<String, Integer> e) -> e.getValue())
                        .thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey);
    }

    private static int lastSegmentDistance(String candidate, String unknownPath, String lastUnknown) {
        String last = candidate.substring(candidate.lastIndexOf('.') + 1);
        int penalty = sameParent(candidate, unknownPath) ? 0 : 3;
        if (lastUnknown.length() >= 3 && (last.contains(lastUnknown) || lastUnknown.contains(last))) {
            return 1 + penalty;
        }
        return distance(last, lastUnknown) + penalty;
    }

    private static boolean sameParent(String a, String b) {
        int ia = a.lastIndexOf('.');
        int ib = b.lastIndexOf('.');
        return (ia < 0 ? "" : a.substring(0, ia)).equals(ib < 0 ? "" : b.substring(0, ib));
    }

    /** Levenshtein edit distance between two strings (for "did you mean" suggestions). */
    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Unmodifiable view used by tests. */
    static Map<String, Parameter> byPath() {
        return Collections.unmodifiableMap(PARAMETERS);
    }
}
