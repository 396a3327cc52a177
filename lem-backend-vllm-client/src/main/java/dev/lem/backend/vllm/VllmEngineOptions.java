package dev.lem.backend.vllm;

import dev.lem.config.Choice;
import dev.lem.config.ConfigProblem;
import dev.lem.config.EngineSnapshot;
import dev.lem.config.Option;
import dev.lem.config.OptionValues;
import dev.lem.config.ParameterCoverage;
import dev.lem.serving.EngineFlags;
import dev.lem.serving.EngineFlags.Flag;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * vLLM's energy-relevant engine arguments ({@code vllm serve} / {@code EngineArgs}) as typed options of the
 * {@code vllm} backend: one declaration each, with vLLM's default, unit and rule, the engine argument it sets
 * and its flag. Unset, an option passes nothing and vLLM's own default applies. {@link #FLAGS} translates them
 * to {@code vllm serve} flags; {@link #check} adds vLLM's cross-argument rules; the snapshot
 * {@code vllm-engine-args.tsv} (vLLM's EngineArgs fields, each classified) gives the coverage.
 */
final class VllmEngineOptions {
    private VllmEngineOptions() {
    }

    /** The checked-in list of vLLM's engine arguments. */
    static final String SNAPSHOT = "vllm-engine-args.tsv";

    /** How several GPUs are driven. */
    enum ExecutorBackend implements Choice {
        @Doc("worker processes on this node (vLLM's choice for several GPUs on one node)") MP,
        @Doc("Ray workers (several nodes)") RAY,
        @Doc("one process, one GPU (vLLM's choice for one GPU)") UNI,
        @Doc("launched by an external tool such as torchrun") EXTERNAL_LAUNCHER
    }

    /** KV-cache data type. */
    enum KvCacheDtype implements Choice {
        @Doc("the model's data type") AUTO,
        @Doc("bfloat16") BFLOAT16,
        @Doc("FP8 (E4M3 on CUDA)") FP8,
        @Doc("FP8 E4M3") FP8_E4M3,
        @Doc("FP8 E5M2") FP8_E5M2,
        @Doc("FP8 through Intel Neural Compressor (Gaudi)") FP8_INC,
        @Doc("FP8 for DeepSeek MLA") FP8_DS_MLA
    }

    /** Weights and activations data type. */
    enum Dtype implements Choice {
        @Doc("FP16 for FP32 and FP16 checkpoints, BF16 for BF16 ones") AUTO,
        @Doc("FP16") HALF,
        @Doc("FP16") FLOAT16,
        @Doc("BF16") BFLOAT16,
        @Doc("FP32") FLOAT,
        @Doc("FP32") FLOAT32
    }

    /** Scheduling policy. */
    enum SchedulingPolicy implements Choice {
        @Doc("first come, first served") FCFS,
        @Doc("by request priority, then arrival") PRIORITY
    }

    /** CUDA-graph mode of the compilation config. */
    enum CudagraphMode implements Choice {
        @Doc("no CUDA graphs") NONE,
        @Doc("piecewise graphs, attention outside") PIECEWISE,
        @Doc("full graphs for every batch") FULL,
        @Doc("full graphs for decode-only batches, none for mixed ones") FULL_DECODE_ONLY,
        @Doc("full graphs for decode, piecewise for mixed batches (vLLM V1's default)") FULL_AND_PIECEWISE
    }

    /** How experts are placed with expert parallelism. */
    enum ExpertPlacement implements Choice {
        @Doc("contiguous blocks of experts per rank") LINEAR,
        @Doc("experts dealt round-robin over ranks") ROUND_ROBIN
    }

    // ------------------------------------------------------------------ parallelism
    static final Option<Integer> TENSOR_PARALLEL_SIZE = Option.integer("tensor_parallel_size").range(1, 1024)
            .unit("GPUs").describe("tensor-parallel size: GPUs each layer is split over")
            .engineArgument("tensor_parallel_size").engineDefault("1");
    static final Option<Integer> PIPELINE_PARALLEL_SIZE = Option.integer("pipeline_parallel_size").range(1, 1024)
            .unit("stages").describe("pipeline-parallel size: stages the layers are split into")
            .engineArgument("pipeline_parallel_size").engineDefault("1");
    static final Option<Integer> DATA_PARALLEL_SIZE = Option.integer("data_parallel_size").range(1, 1024)
            .unit("replicas").describe("data-parallel replicas of the model behind one server")
            .engineArgument("data_parallel_size").engineDefault("1");
    static final Option<Integer> DECODE_CONTEXT_PARALLEL_SIZE = Option.integer("decode_context_parallel_size")
            .range(1, 1024).unit("GPUs").describe("decode context-parallel size (splits the KV cache of long contexts)")
            .engineArgument("decode_context_parallel_size").engineDefault("1");
    static final Option<Boolean> ENABLE_EXPERT_PARALLEL = Option.bool("enable_expert_parallel")
            .describe("expert parallelism instead of tensor parallelism for MoE layers")
            .engineArgument("enable_expert_parallel").engineDefault("false");
    static final Option<ExecutorBackend> DISTRIBUTED_EXECUTOR_BACKEND = Option.choice("distributed_executor_backend",
            ExecutorBackend.class).describe("how the GPU workers are run")
            .engineArgument("distributed_executor_backend").engineDefault("uni for one GPU, mp for several on one node, "
                    + "ray across nodes");
    static final Option<Boolean> DISABLE_CUSTOM_ALL_REDUCE = Option.bool("disable_custom_all_reduce")
            .describe("use NCCL instead of vLLM's custom all-reduce kernel").engineArgument("disable_custom_all_reduce")
            .engineDefault("false");
    static final Option<String> ALL2ALL_BACKEND = Option.text("all2all_backend")
            .describe("MoE all-to-all communication kernel (e.g. naive, allgather_reducescatter, deepep_high_throughput, "
                    + "deepep_low_latency, pplx)").engineArgument("all2all_backend").engineDefault("chosen by vLLM");
    static final Option<Boolean> ENABLE_DBO = Option.bool("enable_dbo")
            .describe("dual-batch overlap: overlap the communication of one micro-batch with the compute of another")
            .engineArgument("enable_dbo").engineDefault("false");
    static final Option<Integer> DBO_DECODE_TOKEN_THRESHOLD = Option.integer("dbo_decode_token_threshold").min(0)
            .unit("tokens").describe("dual-batch overlap: fewest tokens in a decode-only batch to split it")
            .engineArgument("dbo_decode_token_threshold").engineDefault("32");
    static final Option<Integer> DBO_PREFILL_TOKEN_THRESHOLD = Option.integer("dbo_prefill_token_threshold").min(0)
            .unit("tokens").describe("dual-batch overlap: fewest tokens in a batch with prefill to split it")
            .engineArgument("dbo_prefill_token_threshold").engineDefault("512");
    static final Option<Boolean> ENABLE_EPLB = Option.bool("enable_eplb")
            .describe("expert-parallel load balancing (replicates busy experts)").engineArgument("enable_eplb")
            .engineDefault("false");
    static final Option<ExpertPlacement> EXPERT_PLACEMENT_STRATEGY = Option.choice("expert_placement_strategy",
            ExpertPlacement.class).describe("how experts are placed on ranks")
            .engineArgument("expert_placement_strategy").engineDefault("linear");

    // ------------------------------------------------------------------ KV cache and memory
    static final Option<Integer> BLOCK_SIZE = Option.integer("block_size").range(1, 256).unit("tokens")
            .describe("tokens per KV-cache block (1, 8, 16, 32, 64 or 128)").engineArgument("block_size")
            .engineDefault("16 on CUDA");
    static final Option<Double> GPU_MEMORY_UTILIZATION = Option.number("gpu_memory_utilization").range(0.01, 1)
            .describe("share of the GPU's memory vLLM may use (weights, activations, KV cache)")
            .engineArgument("gpu_memory_utilization").engineDefault("0.9");
    static final Option<Long> KV_CACHE_MEMORY_BYTES = Option.longInteger("kv_cache_memory_bytes").min(1).unit("bytes")
            .describe("KV-cache size per GPU, instead of deriving it from gpu_memory_utilization")
            .engineArgument("kv_cache_memory_bytes").engineDefault("unset (from gpu_memory_utilization)");
    static final Option<Double> SWAP_SPACE = Option.number("swap_space").range(0, 1_048_576).unit("GiB")
            .describe("CPU swap space per GPU for preempted sequences").engineArgument("swap_space").engineDefault("4");
    static final Option<KvCacheDtype> KV_CACHE_DTYPE = Option.choice("kv_cache_dtype", KvCacheDtype.class)
            .describe("data type of the KV cache").engineArgument("kv_cache_dtype").engineDefault("auto");
    static final Option<Integer> NUM_GPU_BLOCKS_OVERRIDE = Option.integer("num_gpu_blocks_override").min(1)
            .unit("blocks").describe("KV-cache blocks to allocate, instead of profiling free memory")
            .engineArgument("num_gpu_blocks_override").engineDefault("unset (profiled)");
    static final Option<Boolean> ENABLE_PREFIX_CACHING = Option.bool("enable_prefix_caching")
            .describe("reuse the KV cache of shared prompt prefixes").engineArgument("enable_prefix_caching")
            .engineDefault("true for generative models (V1), false for hybrid and pooling models");
    static final Option<String> PREFIX_CACHING_HASH_ALGO = Option.text("prefix_caching_hash_algo")
            .describe("hash of prefix-cache blocks (e.g. sha256, sha256_cbor)").engineArgument("prefix_caching_hash_algo")
            .engineDefault("sha256");
    static final Option<Double> CPU_OFFLOAD_GB = Option.number("cpu_offload_gb").range(0, 1_048_576).unit("GiB")
            .describe("model weights kept in CPU memory per GPU and streamed in each forward pass")
            .engineArgument("cpu_offload_gb").engineDefault("0");
    static final Option<Boolean> CALCULATE_KV_SCALES = Option.bool("calculate_kv_scales")
            .describe("compute FP8 KV-cache scales at run time").engineArgument("calculate_kv_scales")
            .engineDefault("false");
    static final Option<Boolean> KV_SHARING_FAST_PREFILL = Option.bool("kv_sharing_fast_prefill")
            .describe("skip prefill of layers that share another layer's KV cache").engineArgument("kv_sharing_fast_prefill")
            .engineDefault("false");
    static final Option<String> MAMBA_CACHE_DTYPE = Option.text("mamba_cache_dtype")
            .describe("data type of the Mamba state cache (auto, float32)").engineArgument("mamba_cache_dtype")
            .engineDefault("auto");
    static final Option<String> MAMBA_SSM_CACHE_DTYPE = Option.text("mamba_ssm_cache_dtype")
            .describe("data type of the Mamba SSM state (auto, float32)").engineArgument("mamba_ssm_cache_dtype")
            .engineDefault("auto");
    static final Option<Integer> MAMBA_BLOCK_SIZE = Option.integer("mamba_block_size").min(1).unit("tokens")
            .describe("block size of the Mamba cache").engineArgument("mamba_block_size").engineDefault("the model's");

    // ------------------------------------------------------------------ model execution
    static final Option<Dtype> DTYPE = Option.choice("dtype", Dtype.class).describe("data type of weights and activations")
            .engineArgument("dtype").engineDefault("auto");
    static final Option<Integer> MAX_MODEL_LEN = Option.integer("max_model_len").range(1, 100_000_000).unit("tokens")
            .describe("context length (prompt + output) the server accepts; bounds the KV cache per sequence")
            .engineArgument("max_model_len").engineDefault("the model's (config.json)");
    static final Option<String> QUANTIZATION = Option.text("quantization")
            .describe("weight quantisation method (e.g. fp8, awq, awq_marlin, gptq, gptq_marlin, bitsandbytes, "
                    + "compressed-tensors, gguf, modelopt)").engineArgument("quantization")
            .engineDefault("from the checkpoint's quantization_config, else none");
    static final Option<Boolean> ENFORCE_EAGER = Option.bool("enforce_eager")
            .describe("run eagerly: no CUDA graphs, no torch.compile").engineArgument("enforce_eager")
            .engineDefault("false");
    static final Option<Boolean> DISABLE_SLIDING_WINDOW = Option.bool("disable_sliding_window")
            .describe("full attention instead of the model's sliding window").engineArgument("disable_sliding_window")
            .engineDefault("false");
    static final Option<Boolean> DISABLE_CASCADE_ATTN = Option.bool("disable_cascade_attn")
            .describe("never use cascade attention for shared prefixes").engineArgument("disable_cascade_attn")
            .engineDefault("false");
    static final Option<String> MODEL_IMPL = Option.text("model_impl")
            .describe("model implementation: auto, vllm or transformers").engineArgument("model_impl")
            .engineDefault("auto (vLLM's own when it has one)");
    static final Option<String> OVERRIDE_ATTENTION_DTYPE = Option.text("override_attention_dtype")
            .describe("data type of attention, instead of dtype").engineArgument("override_attention_dtype")
            .engineDefault("unset (dtype)");

    // ------------------------------------------------------------------ scheduler
    static final Option<Integer> MAX_NUM_SEQS = Option.integer("max_num_seqs").range(1, 1_000_000).unit("sequences")
            .describe("most sequences scheduled in one step (the running batch)").engineArgument("max_num_seqs")
            .engineDefault("256; 1024 on GPUs with at least 70 GiB except A100");
    static final Option<Integer> MAX_NUM_BATCHED_TOKENS = Option.integer("max_num_batched_tokens").range(1, 100_000_000)
            .unit("tokens").describe("most tokens processed in one step (the prefill chunk budget)")
            .engineArgument("max_num_batched_tokens")
            .engineDefault("2048 for vllm serve; 8192 on GPUs with at least 70 GiB except A100");
    static final Option<Integer> MAX_NUM_PARTIAL_PREFILLS = Option.integer("max_num_partial_prefills").range(1, 1024)
            .unit("sequences").describe("chunked prefill: sequences partially prefilled at once")
            .engineArgument("max_num_partial_prefills").engineDefault("1");
    static final Option<Integer> MAX_LONG_PARTIAL_PREFILLS = Option.integer("max_long_partial_prefills").range(1, 1024)
            .unit("sequences").describe("chunked prefill: long prompts partially prefilled at once")
            .engineArgument("max_long_partial_prefills").engineDefault("1");
    static final Option<Integer> LONG_PREFILL_TOKEN_THRESHOLD = Option.integer("long_prefill_token_threshold").min(0)
            .unit("tokens").describe("chunked prefill: prompts longer than this count as long")
            .engineArgument("long_prefill_token_threshold").engineDefault("0 (4% of max_model_len when partial "
                    + "prefills are on)");
    static final Option<Integer> NUM_LOOKAHEAD_SLOTS = Option.integer("num_lookahead_slots").min(0).unit("slots")
            .describe("KV slots reserved ahead per sequence (speculative decoding sets its own)")
            .engineArgument("num_lookahead_slots").engineDefault("0");
    static final Option<SchedulingPolicy> SCHEDULING_POLICY = Option.choice("scheduling_policy", SchedulingPolicy.class)
            .describe("order in which waiting requests are scheduled").engineArgument("scheduling_policy")
            .engineDefault("fcfs");
    static final Option<Boolean> ENABLE_CHUNKED_PREFILL = Option.bool("enable_chunked_prefill")
            .describe("split long prefills into chunks scheduled with decodes").engineArgument("enable_chunked_prefill")
            .engineDefault("true for generative models (V1)");
    static final Option<Boolean> DISABLE_HYBRID_KV_CACHE_MANAGER = Option.bool("disable_hybrid_kv_cache_manager")
            .describe("one KV-cache layout for every layer type of hybrid models")
            .engineArgument("disable_hybrid_kv_cache_manager").engineDefault("false");
    static final Option<Boolean> ASYNC_SCHEDULING = Option.bool("async_scheduling")
            .describe("schedule the next step while the current one runs (overlaps CPU with GPU work)")
            .engineArgument("async_scheduling").engineDefault("false");

    // ------------------------------------------------------------------ compilation and CUDA graphs
    static final Option<Integer> COMPILATION_MODE = Option.integer("compilation_mode").range(0, 3)
            .describe("torch.compile mode (compilation_config.mode): 0 none, 1 stock torch.compile, 2 one Dynamo "
                    + "trace, 3 vLLM's Inductor backend").engineArgument("compilation_config.mode").engineDefault("3")
            .since("0.11.1");
    static final Option<CudagraphMode> CUDAGRAPH_MODE = Option.choice("cudagraph_mode", CudagraphMode.class)
            .describe("CUDA-graph mode (compilation_config.cudagraph_mode)")
            .engineArgument("compilation_config.cudagraph_mode").engineDefault("full_and_piecewise");
    static final Option<List<Integer>> CUDAGRAPH_CAPTURE_SIZES = Option.integerList("cudagraph_capture_sizes")
            .describe("batch sizes CUDA graphs are captured for").engineArgument("cudagraph_capture_sizes")
            .engineDefault("1, 2, 4, then multiples of 8 up to max_cudagraph_capture_size").since("0.11.1");
    static final Option<Integer> MAX_CUDAGRAPH_CAPTURE_SIZE = Option.integer("max_cudagraph_capture_size").min(1)
            .unit("sequences").describe("largest batch size a CUDA graph is captured for")
            .engineArgument("max_cudagraph_capture_size").engineDefault("min(2 x max_num_seqs, 512)").since("0.11.1");

    // ------------------------------------------------------------------ speculative decoding
    static final Option<String> SPECULATIVE_METHOD = Option.text("speculative_method")
            .describe("speculative decoding method (speculative_config.method): ngram, eagle, eagle3, medusa, "
                    + "mlp_speculator, mtp, draft_model").engineArgument("speculative_config.method")
            .engineDefault("none (no speculative decoding)");
    static final Option<String> SPECULATIVE_MODEL = Option.text("speculative_model")
            .describe("draft model (speculative_config.model)").engineArgument("speculative_config.model")
            .engineDefault("none");
    static final Option<Integer> NUM_SPECULATIVE_TOKENS = Option.integer("num_speculative_tokens").range(1, 1024)
            .unit("tokens").describe("tokens proposed per step (speculative_config.num_speculative_tokens)")
            .engineArgument("speculative_config.num_speculative_tokens").engineDefault("none");
    static final Option<Integer> SPECULATIVE_DRAFT_TENSOR_PARALLEL_SIZE = Option.integer(
            "speculative_draft_tensor_parallel_size").range(1, 1024).unit("GPUs")
            .describe("tensor-parallel size of the draft model (speculative_config.draft_tensor_parallel_size)")
            .engineArgument("speculative_config.draft_tensor_parallel_size").engineDefault("the target's");
    static final Option<Integer> PROMPT_LOOKUP_MAX = Option.integer("prompt_lookup_max").range(1, 1024).unit("tokens")
            .describe("ngram: longest n-gram matched in the prompt (speculative_config.prompt_lookup_max)")
            .engineArgument("speculative_config.prompt_lookup_max").engineDefault("none");
    static final Option<Integer> PROMPT_LOOKUP_MIN = Option.integer("prompt_lookup_min").range(1, 1024).unit("tokens")
            .describe("ngram: shortest n-gram matched in the prompt (speculative_config.prompt_lookup_min)")
            .engineArgument("speculative_config.prompt_lookup_min").engineDefault("prompt_lookup_max");

    // ------------------------------------------------------------------ LoRA
    static final Option<Boolean> ENABLE_LORA = Option.bool("enable_lora").describe("serve LoRA adapters")
            .engineArgument("enable_lora").engineDefault("false");
    static final Option<Integer> MAX_LORAS = Option.integer("max_loras").range(1, 4096).unit("adapters")
            .describe("LoRA adapters in one batch").engineArgument("max_loras").engineDefault("1");
    static final Option<Integer> MAX_LORA_RANK = Option.integer("max_lora_rank").range(1, 512)
            .describe("largest LoRA rank served").engineArgument("max_lora_rank").engineDefault("16");
    static final Option<Boolean> FULLY_SHARDED_LORAS = Option.bool("fully_sharded_loras")
            .describe("shard LoRA computation fully over tensor-parallel ranks").engineArgument("fully_sharded_loras")
            .engineDefault("false");
    static final Option<Integer> MAX_CPU_LORAS = Option.integer("max_cpu_loras").range(1, 65536).unit("adapters")
            .describe("LoRA adapters cached in CPU memory").engineArgument("max_cpu_loras").engineDefault("max_loras");
    static final Option<String> LORA_DTYPE = Option.text("lora_dtype").describe("data type of LoRA weights (auto, "
            + "float16, bfloat16)").engineArgument("lora_dtype").engineDefault("auto (the model's)");
    static final Option<Integer> LORA_EXTRA_VOCAB_SIZE = Option.integer("lora_extra_vocab_size").min(0).unit("tokens")
            .describe("extra vocabulary a LoRA adapter may add").engineArgument("lora_extra_vocab_size")
            .engineDefault("256");

    /** The vLLM flags (argparse names of vLLM 0.11) of every engine option, in the order of {@code vllm serve --help}. */
    static final EngineFlags FLAGS = EngineFlags.of(List.of(
            Flag.value(TENSOR_PARALLEL_SIZE, "--tensor-parallel-size", "-tp"),
            Flag.value(PIPELINE_PARALLEL_SIZE, "--pipeline-parallel-size", "-pp"),
            Flag.value(DATA_PARALLEL_SIZE, "--data-parallel-size", "-dp"),
            Flag.value(DECODE_CONTEXT_PARALLEL_SIZE, "--decode-context-parallel-size", "-dcp"),
            Flag.when(ENABLE_EXPERT_PARALLEL, "--enable-expert-parallel"),
            Flag.value(DISTRIBUTED_EXECUTOR_BACKEND, "--distributed-executor-backend"),
            Flag.when(DISABLE_CUSTOM_ALL_REDUCE, "--disable-custom-all-reduce"),
            Flag.value(ALL2ALL_BACKEND, "--all2all-backend"),
            Flag.when(ENABLE_DBO, "--enable-dbo"),
            Flag.value(DBO_DECODE_TOKEN_THRESHOLD, "--dbo-decode-token-threshold"),
            Flag.value(DBO_PREFILL_TOKEN_THRESHOLD, "--dbo-prefill-token-threshold"),
            Flag.when(ENABLE_EPLB, "--enable-eplb"),
            Flag.value(EXPERT_PLACEMENT_STRATEGY, "--expert-placement-strategy"),
            Flag.value(BLOCK_SIZE, "--block-size"),
            Flag.value(GPU_MEMORY_UTILIZATION, "--gpu-memory-utilization"),
            Flag.value(KV_CACHE_MEMORY_BYTES, "--kv-cache-memory-bytes"),
            Flag.value(SWAP_SPACE, "--swap-space"),
            Flag.value(KV_CACHE_DTYPE, "--kv-cache-dtype"),
            Flag.value(NUM_GPU_BLOCKS_OVERRIDE, "--num-gpu-blocks-override"),
            Flag.negatable(ENABLE_PREFIX_CACHING, "--enable-prefix-caching"),
            Flag.value(PREFIX_CACHING_HASH_ALGO, "--prefix-caching-hash-algo"),
            Flag.value(CPU_OFFLOAD_GB, "--cpu-offload-gb"),
            Flag.when(CALCULATE_KV_SCALES, "--calculate-kv-scales"),
            Flag.when(KV_SHARING_FAST_PREFILL, "--kv-sharing-fast-prefill"),
            Flag.value(MAMBA_CACHE_DTYPE, "--mamba-cache-dtype"),
            Flag.value(MAMBA_SSM_CACHE_DTYPE, "--mamba-ssm-cache-dtype"),
            Flag.value(MAMBA_BLOCK_SIZE, "--mamba-block-size"),
            Flag.value(DTYPE, "--dtype"),
            Flag.value(MAX_MODEL_LEN, "--max-model-len"),
            Flag.value(QUANTIZATION, "--quantization", "-q"),
            Flag.when(ENFORCE_EAGER, "--enforce-eager"),
            Flag.when(DISABLE_SLIDING_WINDOW, "--disable-sliding-window"),
            Flag.when(DISABLE_CASCADE_ATTN, "--disable-cascade-attn"),
            Flag.value(MODEL_IMPL, "--model-impl"),
            Flag.value(OVERRIDE_ATTENTION_DTYPE, "--override-attention-dtype"),
            Flag.value(MAX_NUM_SEQS, "--max-num-seqs"),
            Flag.value(MAX_NUM_BATCHED_TOKENS, "--max-num-batched-tokens"),
            Flag.value(MAX_NUM_PARTIAL_PREFILLS, "--max-num-partial-prefills"),
            Flag.value(MAX_LONG_PARTIAL_PREFILLS, "--max-long-partial-prefills"),
            Flag.value(LONG_PREFILL_TOKEN_THRESHOLD, "--long-prefill-token-threshold"),
            Flag.value(NUM_LOOKAHEAD_SLOTS, "--num-lookahead-slots"),
            Flag.value(SCHEDULING_POLICY, "--scheduling-policy"),
            Flag.negatable(ENABLE_CHUNKED_PREFILL, "--enable-chunked-prefill"),
            Flag.when(DISABLE_HYBRID_KV_CACHE_MANAGER, "--disable-hybrid-kv-cache-manager"),
            Flag.when(ASYNC_SCHEDULING, "--async-scheduling"),
            Flag.list(CUDAGRAPH_CAPTURE_SIZES, "--cudagraph-capture-sizes"),
            Flag.value(MAX_CUDAGRAPH_CAPTURE_SIZE, "--max-cudagraph-capture-size"),
            Flag.json(COMPILATION_MODE, "--compilation-config", "mode"),
            Flag.json(CUDAGRAPH_MODE, "--compilation-config", "cudagraph_mode").encoded(EngineFlags::upper),
            Flag.json(SPECULATIVE_METHOD, "--speculative-config", "method"),
            Flag.json(SPECULATIVE_MODEL, "--speculative-config", "model"),
            Flag.json(NUM_SPECULATIVE_TOKENS, "--speculative-config", "num_speculative_tokens"),
            Flag.json(SPECULATIVE_DRAFT_TENSOR_PARALLEL_SIZE, "--speculative-config", "draft_tensor_parallel_size"),
            Flag.json(PROMPT_LOOKUP_MAX, "--speculative-config", "prompt_lookup_max"),
            Flag.json(PROMPT_LOOKUP_MIN, "--speculative-config", "prompt_lookup_min"),
            Flag.when(ENABLE_LORA, "--enable-lora"),
            Flag.value(MAX_LORAS, "--max-loras"),
            Flag.value(MAX_LORA_RANK, "--max-lora-rank"),
            Flag.when(FULLY_SHARDED_LORAS, "--fully-sharded-loras"),
            Flag.value(MAX_CPU_LORAS, "--max-cpu-loras"),
            Flag.value(LORA_DTYPE, "--lora-dtype"),
            Flag.value(LORA_EXTRA_VOCAB_SIZE, "--lora-extra-vocab-size")), true);

    /** The engine options, in {@link #FLAGS}'s order. */
    static final List<Option<?>> OPTIONS = FLAGS.options();

    /** Engine arguments LEM sets from core keys, not options. */
    static final Map<String, String> CORE_KEYS = Map.of("model", "model", "seed", "seed");

    private static final Set<Integer> BLOCK_SIZES = Set.of(1, 8, 16, 32, 64, 128);
    private static final Set<String> SPECULATIVE_METHODS = Set.of("ngram", "eagle", "eagle3", "medusa",
            "mlp_speculator", "draft_model", "mtp", "deepseek_mtp", "ernie_mtp", "qwen3_next_mtp", "longcat_flash_mtp");

    /** The coverage of vLLM's engine arguments by these options. */
    static ParameterCoverage coverage() {
        return ParameterCoverage.of(EngineSnapshot.resource(VllmEngineOptions.class, SNAPSHOT), OPTIONS, CORE_KEYS);
    }

    /**
     * vLLM's rules between engine arguments, checked before anything runs; each problem names the option, its
     * value and the fix.
     */
    static List<ConfigProblem> check(OptionValues o) {
        return check(o, false);
    }

    /**
     * The engine's rules between options, with {@code adapter.path} set or not: an adapter turns LoRA on
     * ({@code --enable-lora}) unless {@code options.enable_lora} is explicitly false, which is then a problem.
     */
    static List<ConfigProblem> check(OptionValues o, boolean adapter) {
        List<ConfigProblem> p = checkOptions(o, adapter);
        if (adapter && o.find(ENABLE_LORA).filter(b -> !b).isPresent()) {
            p.add(new ConfigProblem("options.enable_lora", "is false, but adapter.path asks vLLM to serve an adapter: "
                    + "remove options.enable_lora (an adapter turns it on) or the adapter"));
        }
        return p;
    }

    private static List<ConfigProblem> checkOptions(OptionValues o, boolean adapter) {
        List<ConfigProblem> p = new ArrayList<>();
        o.find(BLOCK_SIZE).filter(b -> o.isSet(BLOCK_SIZE) && !BLOCK_SIZES.contains(b)).ifPresent(b -> p.add(
                new ConfigProblem("options.block_size", b + " is not a block size vLLM supports: use 1, 8, 16, 32, 64 "
                        + "or 128")));
        Optional<Integer> seqs = o.find(MAX_NUM_SEQS);
        Optional<Integer> tokens = o.find(MAX_NUM_BATCHED_TOKENS);
        if (seqs.isPresent() && tokens.isPresent() && tokens.get() < seqs.get()) {
            p.add(new ConfigProblem("options.max_num_batched_tokens", tokens.get() + " is below options.max_num_seqs ("
                    + seqs.get() + "): vLLM needs max_num_batched_tokens >= max_num_seqs; raise it or lower max_num_seqs"));
        }
        Optional<Integer> len = o.find(MAX_MODEL_LEN);
        if (o.find(ENABLE_CHUNKED_PREFILL).filter(b -> !b).isPresent() && tokens.isPresent() && len.isPresent()
                && tokens.get() < len.get()) {
            p.add(new ConfigProblem("options.max_num_batched_tokens", tokens.get() + " is below options.max_model_len ("
                    + len.get() + ") with enable_chunked_prefill: false: a whole prompt must fit in one step; raise "
                    + "max_num_batched_tokens, lower max_model_len, or enable chunked prefill"));
        }
        if (o.find(ENFORCE_EAGER).orElse(false)) {
            for (Option<?> g : List.of(CUDAGRAPH_MODE, CUDAGRAPH_CAPTURE_SIZES, MAX_CUDAGRAPH_CAPTURE_SIZE)) {
                if (o.isSet(g)) {
                    p.add(new ConfigProblem("options." + g.name(), "has no effect with options.enforce_eager: true "
                            + "(no CUDA graphs): remove one of them"));
                }
            }
        }
        o.find(CUDAGRAPH_CAPTURE_SIZES).ifPresent(sizes -> {
            if (sizes.isEmpty() || sizes.stream().anyMatch(x -> x < 1)) {
                p.add(new ConfigProblem("options.cudagraph_capture_sizes", sizes + " must list batch sizes >= 1"));
            } else {
                int max = Collections.max(sizes);
                o.find(MAX_CUDAGRAPH_CAPTURE_SIZE).filter(m -> m != max).ifPresent(m -> p.add(new ConfigProblem(
                        "options.max_cudagraph_capture_size", m + " is not the largest of options.cudagraph_capture_sizes"
                        + " (" + max + "): vLLM requires them to agree; set one of them")));
            }
        });
        boolean speculative = o.isSet(SPECULATIVE_METHOD) || o.isSet(SPECULATIVE_MODEL);
        for (Option<?> s : List.of(NUM_SPECULATIVE_TOKENS, SPECULATIVE_DRAFT_TENSOR_PARALLEL_SIZE, PROMPT_LOOKUP_MAX,
                PROMPT_LOOKUP_MIN)) {
            if (o.isSet(s) && !speculative) {
                p.add(new ConfigProblem("options." + s.name(), "has no effect without speculative decoding: set "
                        + "options.speculative_method (and options.speculative_model for draft-model methods)"));
            }
        }
        o.find(SPECULATIVE_METHOD).ifPresent(m -> {
            if (!SPECULATIVE_METHODS.contains(m)) {
                p.add(new ConfigProblem("options.speculative_method", "\"" + m + "\" is not a speculative method vLLM "
                        + "knows: use one of " + String.join(", ", new java.util.TreeSet<>(SPECULATIVE_METHODS))));
            }
            if (List.of("eagle", "eagle3", "medusa", "mlp_speculator", "draft_model").contains(m)
                    && !o.isSet(SPECULATIVE_MODEL)) {
                p.add(new ConfigProblem("options.speculative_model", "is required by speculative_method " + m
                        + ": name the draft model (a Hugging Face id or folder)"));
            }
            if (m.equals("ngram") && !o.isSet(PROMPT_LOOKUP_MAX)) {
                p.add(new ConfigProblem("options.prompt_lookup_max", "is required by speculative_method ngram: the "
                        + "longest n-gram to match, e.g. 4"));
            }
        });
        if (speculative && !o.isSet(NUM_SPECULATIVE_TOKENS)) {
            p.add(new ConfigProblem("options.num_speculative_tokens", "is required with speculative decoding: the "
                    + "tokens proposed per step, e.g. 5"));
        }
        Optional<Integer> lmin = o.find(PROMPT_LOOKUP_MIN);
        Optional<Integer> lmax = o.find(PROMPT_LOOKUP_MAX);
        if (lmin.isPresent() && lmax.isPresent() && lmin.get() > lmax.get()) {
            p.add(new ConfigProblem("options.prompt_lookup_min", lmin.get() + " is above options.prompt_lookup_max ("
                    + lmax.get() + "): lower it"));
        }
        if (!o.find(ENABLE_LORA).orElse(adapter)) {
            for (Option<?> l : List.of(MAX_LORAS, MAX_LORA_RANK, FULLY_SHARDED_LORAS, MAX_CPU_LORAS, LORA_DTYPE,
                    LORA_EXTRA_VOCAB_SIZE)) {
                if (o.isSet(l)) {
                    p.add(new ConfigProblem("options." + l.name(), "has no effect unless options.enable_lora is true: "
                            + "set it, or remove options." + l.name()));
                }
            }
        }
        Optional<Integer> loras = o.find(MAX_LORAS);
        o.find(MAX_CPU_LORAS).filter(c -> loras.isPresent() && c < loras.get()).ifPresent(c -> p.add(new ConfigProblem(
                "options.max_cpu_loras", c + " is below options.max_loras (" + loras.get() + "): vLLM needs "
                + "max_cpu_loras >= max_loras")));
        if (o.find(ENABLE_DBO).filter(b -> !b).isPresent() || !o.isSet(ENABLE_DBO)) {
            for (Option<?> d : List.of(DBO_DECODE_TOKEN_THRESHOLD, DBO_PREFILL_TOKEN_THRESHOLD)) {
                if (o.isSet(d)) {
                    p.add(new ConfigProblem("options." + d.name(), "has no effect unless options.enable_dbo is true"));
                }
            }
        }
        return p;
    }
}
