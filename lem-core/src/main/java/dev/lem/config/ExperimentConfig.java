package dev.lem.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.lem.config.internal.RecordBinder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every parameter of one experiment, validated. Each component annotated {@link Key} is a configuration
 * key (or a section of them): this record and its section records are the one declaration of every key,
 * from which {@link ConfigSchema}, YAML/JSON reading and writing, validation, provenance, {@code lem config
 * keys} and docs/configuration.md derive. Built only by {@link ConfigResolver} (from defaults, config
 * files, overrides and builder calls). Immutable; the JSON form is the YAML form plus the provenance.
 *
 * @param name            optional label
 * @param model           model folder, HF id, or {@code synthetic:<preset>}
 * @param backend         backend alias or provider class name
 * @param precision       the data type computations run in
 * @param device          cpu, cuda, cuda:N or auto
 * @param maxInputTokens  prompt truncation length, tokens
 * @param maxOutputTokens most tokens generated per request
 * @param minOutputTokens tokens generated before end-of-sequence may stop a request
 * @param cycles          measured cycles
 * @param seed            master seed
 * @param resultsDir      results directory (absolute once resolved)
 * @param processes       worker processes on this machine
 * @param options         the backend's own options, checked against what the backend declares
 * @param extra           engine arguments LEM does not model, passed verbatim to a managed server
 * @param prompts         prompt source
 * @param batching        batching
 * @param decoding        decoding
 * @param warmup          warm-up
 * @param energy          energy measurement
 * @param carbon          carbon intensity
 * @param traffic         request traffic
 * @param slo             service-level objectives for goodput
 * @param server          served-model connection
 * @param stats           statistics
 * @param flops           peaks for MFU/MBU
 * @param quality         quality measured beside the cycles (perplexity)
 * @param adapter         a LoRA adapter applied to the model
 * @param provenance      where each value came from, by dotted path
 */
public record ExperimentConfig(
        @Key(doc = "A label for the experiment, shown in listings. Never used in file paths.") Optional<String> name,
        @Key(doc = "The model: a local Hugging Face folder, a Hugging Face id found in the local HF cache, or "
                + "synthetic:<preset> (real architecture, seeded random weights).",
                defaultValue = "synthetic:SmolLM2-135M") String model,
        @Key(doc = "The inference backend: djl, vllm, trtllm, openai, or a provider class name.", defaultValue = "djl")
        String backend,
        @Key(doc = "Data type computations run in.", defaultValue = "fp32", appliesTo = BackendScope.IN_PROCESS)
        Precision precision,
        @Key(doc = "Where the model runs: cpu, cuda, cuda:<index>, or auto.", defaultValue = "cpu",
                appliesTo = BackendScope.IN_PROCESS) String device,
        @Key(doc = "Prompts longer than this are truncated (left).", defaultValue = "512", min = 1, max = 1_048_576,
                unit = "tokens", appliesTo = BackendScope.IN_PROCESS) int maxInputTokens,
        @Key(doc = "The most tokens generated per request.", defaultValue = "64", min = 1, max = 1_048_576,
                unit = "tokens") int maxOutputTokens,
        @Key(doc = "Tokens generated before an end-of-sequence token may stop a request.", defaultValue = "0", min = 0,
                max = 1_048_576, unit = "tokens") int minOutputTokens,
        @Key(doc = "Measured repetitions of the whole workload; statistics are computed across cycles.",
                defaultValue = "5", min = 1, max = 100_000) int cycles,
        @Key(doc = "Seed for prompt sampling, synthetic weights, arrivals and sampling.", defaultValue = "42")
        long seed,
        @Key(doc = "Where results are written: relative to the working directory, or absolute; stored (and shown "
                + "in results) as the absolute path.", defaultValue = "results") String resultsDir,
        @Key(doc = "Worker processes on this machine, one per device (CUDA_VISIBLE_DEVICES pinned per rank).",
                defaultValue = "1", min = 1, max = 1024) int processes,
        @Key(doc = "The backend's own options, declared by the backend (see `lem config keys --backend <name>`); "
                + "an unknown option is an error.") Map<String, Object> options,
        @Key(doc = "Engine arguments LEM does not model, passed verbatim to a managed server as --<key> <value> "
                + "flags and recorded in the results (the escape hatch for the long tail).",
                appliesTo = BackendScope.MANAGED_SERVER) Map<String, Object> extra,
        @Key(doc = "Where prompts come from and how many make a cycle.") PromptsConfig prompts,
        @Key(doc = "How in-process backends group requests.", appliesTo = BackendScope.IN_PROCESS)
        BatchingConfig batching,
        @Key(doc = "How tokens are chosen.") DecodingConfig decoding,
        @Key(doc = "Unmeasured runs before the cycles.") WarmupConfig warmup,
        @Key(doc = "Energy meters, idle baseline, sampler.") EnergyConfig energy,
        @Key(doc = "Grid carbon intensity (never looked up over the network).") CarbonConfig carbon,
        @Key(doc = "How requests are sent.") TrafficConfig traffic,
        @Key(doc = "Service-level objectives for goodput.") SloConfig slo,
        @Key(doc = "A served model's connection, or a managed server.", appliesTo = BackendScope.SERVED)
        ServerConfig server,
        @Key(doc = "Confidence intervals and adaptive cycle counts.") StatsConfig stats,
        @Key(doc = "Device peaks for MFU and MBU.") FlopsConfig flops,
        @Key(doc = "Quality measured beside the cycles, outside their energy windows (docs/quality.md).")
        QualityConfig quality,
        @Key(doc = "A LoRA adapter applied to the model (docs/quality.md).") AdapterConfig adapter,
        @NotAKey Map<String, ValueSource> provenance) {

    /**
     * Copies the maps, sorted by key.
     *
     * @param name optional label
     * @param model model folder, HF id, or {@code synthetic:<preset>}
     * @param backend backend alias or provider class name
     * @param precision the data type computations run in
     * @param device cpu, cuda, cuda:N or auto
     * @param maxInputTokens prompt truncation length, tokens
     * @param maxOutputTokens most tokens generated per request
     * @param minOutputTokens tokens generated before end-of-sequence may stop a request
     * @param cycles measured cycles
     * @param seed master seed
     * @param resultsDir results directory
     * @param processes worker processes on this machine
     * @param options the backend's own options
     * @param extra engine arguments LEM does not model
     * @param prompts prompt source
     * @param batching batching
     * @param decoding decoding
     * @param warmup warm-up
     * @param energy energy measurement
     * @param carbon carbon intensity
     * @param traffic request traffic
     * @param slo service-level objectives for goodput
     * @param server served-model connection
     * @param stats statistics
     * @param flops peaks for MFU/MBU
     * @param quality quality measured beside the cycles
     * @param adapter a LoRA adapter applied to the model
     * @param provenance where each value came from, by dotted path
     */
    public ExperimentConfig {
        options = Collections.unmodifiableMap(new TreeMap<>(options));
        extra = Collections.unmodifiableMap(new TreeMap<>(extra));
        provenance = Collections.unmodifiableMap(new TreeMap<>(provenance));
    }

    /** {@return the configuration with every default and nothing else} */
    public static ExperimentConfig defaults() {
        return ConfigResolver.withDefaults().resolve();
    }

    /**
     * Where the value at a dotted path came from ({@link ValueSource#DEFAULT} when unknown).
     *
     * @param path the dotted path
     * @return the value's source
     */
    public ValueSource sourceOf(String path) {
        return provenance.getOrDefault(path, ValueSource.DEFAULT);
    }

    /**
     * Whether the value at a dotted path was given (in a file, an override or the builder), not defaulted.
     *
     * @param path the dotted path
     * @return whether the value was given
     */
    public boolean isExplicit(String path) {
        ValueSource.Kind k = sourceOf(path).kind();
        return k != ValueSource.Kind.DEFAULT && k != ValueSource.Kind.PRESET;
    }

    /**
     * Every value by dotted path, as a config file would hold it: choices as their words, options as
     * {@code options.<key>}, extra engine arguments as {@code extra.<key>}. Unset optional values are absent.
     *
     * @return the values, by dotted path
     */
    public Map<String, Object> toValues() {
        return RecordBinder.flatten(ConfigSchema.declared(), this);
    }

    /**
     * The values as nested sections, as a YAML or JSON config file would hold them.
     *
     * @return the sections and values, nested
     */
    public Map<String, Object> toTree() {
        return RecordBinder.tree(ConfigSchema.declared(), this);
    }

    /** The JSON form in results: the nested tree plus {@code provenance}. */
    @JsonValue
    Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>(toTree());
        Map<String, Object> p = new TreeMap<>();
        provenance.forEach((k, v) -> p.put(k, Map.of("kind", v.kind().label(), "detail", v.detail())));
        out.put("provenance", p);
        return out;
    }

    /**
     * Reads the JSON form back (as written in results files), leniently: values are checked for type,
     * cross-field rules of later LEM versions are not applied, so old results stay readable.
     */
    @JsonCreator
    static ExperimentConfig fromJson(Map<String, Object> json) {
        return ConfigResolver.fromStored(json);
    }
}
