package dev.lem.backend.trtllm;

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
 * TensorRT-LLM's energy-relevant arguments ({@code trtllm-serve} flags and LLM API fields) as typed options of the
 * {@code trtllm} backend: one declaration each with TensorRT-LLM's default, unit and rule, the LLM API field it
 * sets, and where it goes: a {@code trtllm-serve} flag ({@code --max_batch_size 64}) or an entry of the YAML file
 * LEM writes and passes as {@code --extra_llm_api_options} ({@code kv_cache_config: {enable_block_reuse: false}}).
 * Unset, an option passes nothing and TensorRT-LLM's own default applies.
 */
final class TrtllmEngineOptions {
    private TrtllmEngineOptions() {
    }

    /** The checked-in list of TensorRT-LLM's LLM API arguments. */
    static final String SNAPSHOT = "trtllm-llm-api-args.tsv";
    /** The flag naming the LLM API options file. */
    static final String FILE_FLAG = "--extra_llm_api_options";

    /** The runtime trtllm-serve runs the model on. */
    enum Runtime implements Choice {
        @Doc("the PyTorch runtime (TensorRT-LLM 1.0's default)") PYTORCH,
        @Doc("a TensorRT engine, built from the checkpoint at start") TENSORRT,
        @Doc("AutoDeploy (prototype): the PyTorch model, graph-transformed") _AUTODEPLOY
    }

    /** How the scheduler admits requests. */
    enum CapacityPolicy implements Choice {
        @Doc("admit as many requests as fit now; may evict running ones") MAX_UTILIZATION,
        @Doc("admit a request only when it can finish without evicting others (default)") GUARANTEED_NO_EVICT,
        @Doc("static batching: a batch runs to its end before the next") STATIC_BATCH
    }

    /** How chunked context (prefill) is shared among requests. */
    enum ChunkingPolicy implements Choice {
        @Doc("the earliest request's context first") FIRST_COME_FIRST_SERVED,
        @Doc("every request's context advances by a chunk in turn") EQUAL_PROGRESS
    }

    /** KV-cache data type. */
    enum KvDtype implements Choice {
        @Doc("the model's (or the checkpoint's quantisation)") AUTO,
        @Doc("FP8 KV cache") FP8
    }

    // ------------------------------------------------------------------ trtllm-serve flags
    static final Option<Runtime> BACKEND = Option.choice("backend", Runtime.class)
            .describe("the runtime: pytorch, tensorrt (a built TensorRT engine) or _autodeploy")
            .engineArgument("backend").engineDefault("pytorch");
    static final Option<Integer> TENSOR_PARALLEL_SIZE = Option.integer("tensor_parallel_size").range(1, 1024)
            .unit("GPUs").describe("tensor-parallel size (--tp_size)").engineArgument("tensor_parallel_size")
            .engineDefault("1");
    static final Option<Integer> PIPELINE_PARALLEL_SIZE = Option.integer("pipeline_parallel_size").range(1, 1024)
            .unit("stages").describe("pipeline-parallel size (--pp_size)").engineArgument("pipeline_parallel_size")
            .engineDefault("1");
    static final Option<Integer> MOE_EXPERT_PARALLEL_SIZE = Option.integer("moe_expert_parallel_size").range(1, 1024)
            .unit("GPUs").describe("expert-parallel size of MoE layers (--ep_size)")
            .engineArgument("moe_expert_parallel_size").engineDefault("derived from tensor_parallel_size");
    static final Option<Integer> MOE_CLUSTER_PARALLEL_SIZE = Option.integer("moe_cluster_parallel_size").range(1, 1024)
            .unit("GPUs").describe("expert cluster-parallel size of MoE layers (--cluster_size)")
            .engineArgument("moe_cluster_parallel_size").engineDefault("derived");
    static final Option<Integer> MAX_BATCH_SIZE = Option.integer("max_batch_size").range(1, 1_000_000)
            .unit("requests").describe("most requests in one batch (--max_batch_size)").engineArgument("max_batch_size")
            .engineDefault("2048 (trtllm-serve)");
    static final Option<Integer> MAX_NUM_TOKENS = Option.integer("max_num_tokens").range(1, 100_000_000)
            .unit("tokens").describe("most tokens in one batch after padding removal (--max_num_tokens)")
            .engineArgument("max_num_tokens").engineDefault("8192 (trtllm-serve)");
    static final Option<Integer> MAX_SEQ_LEN = Option.integer("max_seq_len").range(1, 100_000_000).unit("tokens")
            .describe("longest sequence (prompt + output) (--max_seq_len)").engineArgument("max_seq_len")
            .engineDefault("the model's");
    static final Option<Integer> MAX_BEAM_WIDTH = Option.integer("max_beam_width").range(1, 1024)
            .describe("largest beam width served (--max_beam_width); reserves KV cache per beam")
            .engineArgument("max_beam_width").engineDefault("1");
    static final Option<Double> KV_CACHE_FREE_GPU_MEMORY_FRACTION = Option.number("kv_cache_free_gpu_memory_fraction")
            .range(0.01, 1).describe("share of the GPU memory left after loading that the KV cache takes "
                    + "(--kv_cache_free_gpu_memory_fraction)").engineArgument("kv_cache_config.free_gpu_memory_fraction")
            .engineDefault("0.9");
    static final Option<Integer> NUM_POSTPROCESS_WORKERS = Option.integer("num_postprocess_workers").range(0, 1024)
            .unit("processes").describe("processes that detokenise and format responses (--num_postprocess_workers)")
            .engineArgument("num_postprocess_workers").engineDefault("0 (in the server process)");

    // ------------------------------------------------------------------ LLM API options file
    static final Option<Integer> CONTEXT_PARALLEL_SIZE = Option.integer("context_parallel_size").range(1, 1024)
            .unit("GPUs").describe("context-parallel size").engineArgument("context_parallel_size").engineDefault("1");
    static final Option<Integer> MOE_TENSOR_PARALLEL_SIZE = Option.integer("moe_tensor_parallel_size").range(1, 1024)
            .unit("GPUs").describe("tensor-parallel size of MoE expert weights")
            .engineArgument("moe_tensor_parallel_size").engineDefault("derived");
    static final Option<Boolean> ENABLE_ATTENTION_DP = Option.bool("enable_attention_dp")
            .describe("data-parallel attention (each rank its own requests)").engineArgument("enable_attention_dp")
            .engineDefault("false");
    static final Option<String> DTYPE = Option.text("dtype").describe("data type of the model (auto, float16, bfloat16, "
            + "float32)").engineArgument("dtype").engineDefault("auto (the checkpoint's)");
    static final Option<String> QUANTIZATION = Option.text("quantization").describe("weight (and activation) "
            + "quantisation, TensorRT-LLM's QuantAlgo name (e.g. FP8, FP8_BLOCK_SCALES, NVFP4, W4A16_AWQ, W4A8_AWQ, "
            + "W4A16_GPTQ, W8A16, W8A8_SQ_PER_CHANNEL), written as quant_config.quant_algo; the PyTorch backend "
            + "loads pre-quantised (ModelOpt) checkpoints by their hf_quant_config.json instead")
            .engineArgument("quant_config.quant_algo").engineDefault("from the checkpoint (hf_quant_config.json), "
                    + "else none");
    static final Option<Integer> MAX_INPUT_LEN = Option.integer("max_input_len").range(1, 100_000_000).unit("tokens")
            .describe("longest prompt").engineArgument("max_input_len").engineDefault("1024");
    static final Option<Boolean> ENABLE_CHUNKED_PREFILL = Option.bool("enable_chunked_prefill")
            .describe("chunked context: long prompts are prefilled in chunks batched with decodes")
            .engineArgument("enable_chunked_prefill").engineDefault("false");
    static final Option<Boolean> ENABLE_BLOCK_REUSE = Option.bool("enable_block_reuse")
            .describe("KV-cache block reuse across requests (prefix caching)")
            .engineArgument("kv_cache_config.enable_block_reuse").engineDefault("true");
    static final Option<Boolean> ENABLE_PARTIAL_REUSE = Option.bool("enable_partial_reuse")
            .describe("reuse of partially matched KV-cache blocks").engineArgument("kv_cache_config.enable_partial_reuse")
            .engineDefault("true");
    static final Option<Integer> KV_CACHE_MAX_TOKENS = Option.integer("kv_cache_max_tokens").min(1).unit("tokens")
            .describe("most tokens in the KV cache (with the memory fraction, the smaller wins)")
            .engineArgument("kv_cache_config.max_tokens").engineDefault("unset (from the memory fraction)");
    static final Option<KvDtype> KV_CACHE_DTYPE = Option.choice("kv_cache_dtype", KvDtype.class)
            .describe("data type of the KV cache").engineArgument("kv_cache_config.dtype").engineDefault("auto");
    static final Option<Long> KV_CACHE_HOST_CACHE_SIZE = Option.longInteger("kv_cache_host_cache_size").min(0)
            .unit("bytes").describe("host memory for KV blocks offloaded from the GPU")
            .engineArgument("kv_cache_config.host_cache_size").engineDefault("unset (no offloading)");
    static final Option<List<Integer>> KV_CACHE_MAX_ATTENTION_WINDOW = Option.integerList("kv_cache_max_attention_window")
            .describe("attention window per layer (repeated over the layers); only the last tokens are kept")
            .engineArgument("kv_cache_config.max_attention_window").engineDefault("unset (the whole sequence)");
    static final Option<Integer> KV_CACHE_SINK_TOKEN_LENGTH = Option.integer("kv_cache_sink_token_length").min(0)
            .unit("tokens").describe("sink tokens always kept in the attention window")
            .engineArgument("kv_cache_config.sink_token_length").engineDefault("unset (0)");
    static final Option<Boolean> KV_CACHE_ONBOARD_BLOCKS = Option.bool("kv_cache_onboard_blocks")
            .describe("bring offloaded KV blocks back to the GPU for reuse").engineArgument("kv_cache_config.onboard_blocks")
            .engineDefault("true");
    static final Option<Integer> KV_CACHE_SECONDARY_OFFLOAD_MIN_PRIORITY = Option.integer(
            "kv_cache_secondary_offload_min_priority").describe("lowest block priority offloaded to host memory")
            .engineArgument("kv_cache_config.secondary_offload_min_priority").engineDefault("unset (any)");
    static final Option<Boolean> KV_CACHE_COPY_ON_PARTIAL_REUSE = Option.bool("kv_cache_copy_on_partial_reuse")
            .describe("copy partially matched blocks that are in use instead of skipping them")
            .engineArgument("kv_cache_config.copy_on_partial_reuse").engineDefault("true");
    static final Option<Boolean> KV_CACHE_USE_UVM = Option.bool("kv_cache_use_uvm")
            .describe("unified (managed) memory for the KV cache").engineArgument("kv_cache_config.use_uvm")
            .engineDefault("false");
    static final Option<CapacityPolicy> CAPACITY_SCHEDULER_POLICY = Option.choice("capacity_scheduler_policy",
            CapacityPolicy.class).describe("how the scheduler admits requests")
            .engineArgument("scheduler_config.capacity_scheduler_policy").engineDefault("guaranteed_no_evict");
    static final Option<ChunkingPolicy> CONTEXT_CHUNKING_POLICY = Option.choice("context_chunking_policy",
            ChunkingPolicy.class).describe("how chunked context is shared among requests")
            .engineArgument("scheduler_config.context_chunking_policy").engineDefault("first_come_first_served");
    static final Option<Boolean> DYNAMIC_BATCH_SIZE_TUNING = Option.bool("dynamic_batch_size_tuning")
            .describe("tune the batch size at run time (scheduler_config.dynamic_batch_config)")
            .engineArgument("scheduler_config.dynamic_batch_config.enable_batch_size_tuning").engineDefault("off "
                    + "(no dynamic_batch_config)");
    static final Option<Boolean> DYNAMIC_MAX_NUM_TOKENS_TUNING = Option.bool("dynamic_max_num_tokens_tuning")
            .describe("tune max_num_tokens at run time (scheduler_config.dynamic_batch_config)")
            .engineArgument("scheduler_config.dynamic_batch_config.enable_max_num_tokens_tuning")
            .engineDefault("off (no dynamic_batch_config)");
    static final Option<Integer> DYNAMIC_BATCH_MOVING_AVERAGE_WINDOW = Option.integer(
            "dynamic_batch_moving_average_window").min(1).unit("requests")
            .describe("window of the input/output length averages dynamic batching tunes from")
            .engineArgument("scheduler_config.dynamic_batch_config.dynamic_batch_moving_average_window")
            .engineDefault("none");
    static final Option<Boolean> CUDA_GRAPHS = Option.bool("cuda_graphs")
            .describe("CUDA graphs for decode batches (false writes cuda_graph_config: null)")
            .engineArgument("cuda_graph_config").engineDefault("true (pytorch runtime)");
    static final Option<Integer> CUDA_GRAPH_MAX_BATCH_SIZE = Option.integer("cuda_graph_max_batch_size").range(1, 1_000_000)
            .unit("requests").describe("largest batch captured as a CUDA graph")
            .engineArgument("cuda_graph_config.max_batch_size").engineDefault("128");
    static final Option<List<Integer>> CUDA_GRAPH_BATCH_SIZES = Option.integerList("cuda_graph_batch_sizes")
            .describe("batch sizes captured as CUDA graphs").engineArgument("cuda_graph_config.batch_sizes")
            .engineDefault("1 to 31, 32, 64, 128, then powers of 2 up to the maximum");
    static final Option<Boolean> CUDA_GRAPH_PADDING = Option.bool("cuda_graph_padding")
            .describe("pad batches up to the next captured size").engineArgument("cuda_graph_config.enable_padding")
            .engineDefault("false");
    static final Option<Boolean> DISABLE_OVERLAP_SCHEDULER = Option.bool("disable_overlap_scheduler")
            .describe("schedule the next step only after the current one (no CPU/GPU overlap)")
            .engineArgument("disable_overlap_scheduler").engineDefault("false");
    static final Option<String> ATTN_BACKEND = Option.text("attn_backend")
            .describe("attention kernels: TRTLLM, FLASHINFER, VANILLA").engineArgument("attn_backend")
            .engineDefault("TRTLLM");
    static final Option<String> MOE_BACKEND = Option.text("moe_backend")
            .describe("MoE kernels (moe_config.backend): CUTLASS, TRTLLM, DEEPGEMM, ...")
            .engineArgument("moe_config.backend").engineDefault("CUTLASS");
    static final Option<Integer> MOE_MAX_NUM_TOKENS = Option.integer("moe_max_num_tokens").min(1).unit("tokens")
            .describe("tokens sent to the fused MoE kernel at once (moe_config.max_num_tokens)")
            .engineArgument("moe_config.max_num_tokens").engineDefault("unset (all)");
    static final Option<String> MOE_LOAD_BALANCER = Option.text("moe_load_balancer")
            .describe("MoE load balancer configuration file (moe_config.load_balancer)")
            .engineArgument("moe_config.load_balancer").engineDefault("none");
    static final Option<Integer> STREAM_INTERVAL = Option.integer("stream_interval").range(1, 1024).unit("steps")
            .describe("iterations between streamed responses (several tokens per chunk above 1)")
            .engineArgument("stream_interval").engineDefault("1");
    static final Option<String> SPECULATIVE_DECODING_TYPE = Option.text("speculative_decoding_type")
            .describe("speculative decoding (speculative_config.decoding_type): Eagle, MTP, NGram, DraftTarget, "
                    + "Medusa, Lookahead").engineArgument("speculative_config.decoding_type")
            .engineDefault("none (no speculative decoding)");
    static final Option<Integer> SPECULATIVE_MAX_DRAFT_LEN = Option.integer("speculative_max_draft_len").range(1, 1024)
            .unit("tokens").describe("tokens drafted per step (speculative_config.max_draft_len)")
            .engineArgument("speculative_config.max_draft_len").engineDefault("none");
    static final Option<String> SPECULATIVE_MODEL_DIR = Option.text("speculative_model_dir")
            .describe("draft model folder (speculative_config.speculative_model_dir)")
            .engineArgument("speculative_config.speculative_model_dir").engineDefault("none");
    static final Option<Boolean> ENABLE_LORA = Option.bool("enable_lora").describe("serve LoRA adapters")
            .engineArgument("enable_lora").engineDefault("false");
    static final Option<Integer> MAX_LORA_RANK = Option.integer("max_lora_rank").range(1, 1024)
            .describe("largest LoRA rank (lora_config.max_lora_rank)").engineArgument("lora_config.max_lora_rank")
            .engineDefault("64");
    static final Option<Integer> MAX_LORAS = Option.integer("max_loras").range(1, 4096).unit("adapters")
            .describe("LoRA adapters on the GPU (lora_config.max_loras)").engineArgument("lora_config.max_loras")
            .engineDefault("4");
    static final Option<Integer> MAX_CPU_LORAS = Option.integer("max_cpu_loras").range(1, 65536).unit("adapters")
            .describe("LoRA adapters cached in host memory (lora_config.max_cpu_loras)")
            .engineArgument("lora_config.max_cpu_loras").engineDefault("4");
    static final Option<Boolean> TORCH_COMPILE = Option.bool("torch_compile")
            .describe("torch.compile the model (true writes torch_compile_config: {})")
            .engineArgument("torch_compile_config").engineDefault("false");
    static final Option<Boolean> ENABLE_AUTOTUNER = Option.bool("enable_autotuner")
            .describe("tune kernel choices at start").engineArgument("enable_autotuner").engineDefault("true");
    static final Option<String> ALLREDUCE_STRATEGY = Option.text("allreduce_strategy")
            .describe("all-reduce kernel: AUTO, NCCL, UB, MINLATENCY, ONESHOT, TWOSHOT, LOWPRECISION, MNNVL")
            .engineArgument("allreduce_strategy").engineDefault("AUTO");
    static final Option<Integer> GARBAGE_COLLECTION_GEN0_THRESHOLD = Option.integer("garbage_collection_gen0_threshold")
            .min(1).unit("objects").describe("Python garbage-collection threshold of the server process")
            .engineArgument("garbage_collection_gen0_threshold").engineDefault("20000");
    static final Option<Boolean> ENABLE_MIN_LATENCY = Option.bool("enable_min_latency")
            .describe("min-latency mode (Llama 4)").engineArgument("enable_min_latency").engineDefault("false");
    static final Option<Boolean> FORCE_DYNAMIC_QUANTIZATION = Option.bool("force_dynamic_quantization")
            .describe("quantise activations dynamically").engineArgument("force_dynamic_quantization")
            .engineDefault("false");
    static final Option<Boolean> ENABLE_MIXED_SAMPLER = Option.bool("enable_mixed_sampler")
            .describe("per-request sampling strategies in one batch").engineArgument("enable_mixed_sampler")
            .engineDefault("false");
    static final Option<Boolean> ENABLE_TRTLLM_SAMPLER = Option.bool("enable_trtllm_sampler")
            .describe("TensorRT-LLM's sampler instead of the PyTorch one").engineArgument("enable_trtllm_sampler")
            .engineDefault("false");

    /** Every engine option's place: a trtllm-serve flag, or an entry of the LLM API options file. */
    static final EngineFlags FLAGS = EngineFlags.of(List.of(
            Flag.value(BACKEND, "--backend"),
            Flag.value(TENSOR_PARALLEL_SIZE, "--tp_size", "--tensor_parallel_size"),
            Flag.value(PIPELINE_PARALLEL_SIZE, "--pp_size", "--pipeline_parallel_size"),
            Flag.value(MOE_EXPERT_PARALLEL_SIZE, "--ep_size", "--moe_expert_parallel_size"),
            Flag.value(MOE_CLUSTER_PARALLEL_SIZE, "--cluster_size", "--moe_cluster_parallel_size"),
            Flag.value(MAX_BATCH_SIZE, "--max_batch_size"),
            Flag.value(MAX_NUM_TOKENS, "--max_num_tokens"),
            Flag.value(MAX_SEQ_LEN, "--max_seq_len"),
            Flag.value(MAX_BEAM_WIDTH, "--max_beam_width"),
            Flag.value(KV_CACHE_FREE_GPU_MEMORY_FRACTION, "--kv_cache_free_gpu_memory_fraction",
                    "--free_gpu_memory_fraction"),
            Flag.value(NUM_POSTPROCESS_WORKERS, "--num_postprocess_workers"),
            Flag.file(CONTEXT_PARALLEL_SIZE, FILE_FLAG, "context_parallel_size"),
            Flag.file(MOE_TENSOR_PARALLEL_SIZE, FILE_FLAG, "moe_tensor_parallel_size"),
            Flag.file(ENABLE_ATTENTION_DP, FILE_FLAG, "enable_attention_dp"),
            Flag.file(DTYPE, FILE_FLAG, "dtype"),
            Flag.file(QUANTIZATION, FILE_FLAG, "quant_config.quant_algo"),
            Flag.file(MAX_INPUT_LEN, FILE_FLAG, "max_input_len"),
            Flag.file(ENABLE_CHUNKED_PREFILL, FILE_FLAG, "enable_chunked_prefill"),
            Flag.file(ENABLE_BLOCK_REUSE, FILE_FLAG, "kv_cache_config.enable_block_reuse"),
            Flag.file(ENABLE_PARTIAL_REUSE, FILE_FLAG, "kv_cache_config.enable_partial_reuse"),
            Flag.file(KV_CACHE_MAX_TOKENS, FILE_FLAG, "kv_cache_config.max_tokens"),
            Flag.file(KV_CACHE_DTYPE, FILE_FLAG, "kv_cache_config.dtype"),
            Flag.file(KV_CACHE_HOST_CACHE_SIZE, FILE_FLAG, "kv_cache_config.host_cache_size"),
            Flag.file(KV_CACHE_MAX_ATTENTION_WINDOW, FILE_FLAG, "kv_cache_config.max_attention_window"),
            Flag.file(KV_CACHE_SINK_TOKEN_LENGTH, FILE_FLAG, "kv_cache_config.sink_token_length"),
            Flag.file(KV_CACHE_ONBOARD_BLOCKS, FILE_FLAG, "kv_cache_config.onboard_blocks"),
            Flag.file(KV_CACHE_SECONDARY_OFFLOAD_MIN_PRIORITY, FILE_FLAG, "kv_cache_config.secondary_offload_min_priority"),
            Flag.file(KV_CACHE_COPY_ON_PARTIAL_REUSE, FILE_FLAG, "kv_cache_config.copy_on_partial_reuse"),
            Flag.file(KV_CACHE_USE_UVM, FILE_FLAG, "kv_cache_config.use_uvm"),
            Flag.file(CAPACITY_SCHEDULER_POLICY, FILE_FLAG, "scheduler_config.capacity_scheduler_policy")
                    .encoded(EngineFlags::upper),
            Flag.file(CONTEXT_CHUNKING_POLICY, FILE_FLAG, "scheduler_config.context_chunking_policy")
                    .encoded(EngineFlags::upper),
            Flag.file(DYNAMIC_BATCH_SIZE_TUNING, FILE_FLAG, "scheduler_config.dynamic_batch_config.enable_batch_size_tuning"),
            Flag.file(DYNAMIC_MAX_NUM_TOKENS_TUNING, FILE_FLAG,
                    "scheduler_config.dynamic_batch_config.enable_max_num_tokens_tuning"),
            Flag.file(DYNAMIC_BATCH_MOVING_AVERAGE_WINDOW, FILE_FLAG,
                    "scheduler_config.dynamic_batch_config.dynamic_batch_moving_average_window"),
            Flag.file(CUDA_GRAPHS, FILE_FLAG, "cuda_graph_config"),
            Flag.file(CUDA_GRAPH_MAX_BATCH_SIZE, FILE_FLAG, "cuda_graph_config.max_batch_size"),
            Flag.file(CUDA_GRAPH_BATCH_SIZES, FILE_FLAG, "cuda_graph_config.batch_sizes"),
            Flag.file(CUDA_GRAPH_PADDING, FILE_FLAG, "cuda_graph_config.enable_padding"),
            Flag.file(DISABLE_OVERLAP_SCHEDULER, FILE_FLAG, "disable_overlap_scheduler"),
            Flag.file(ATTN_BACKEND, FILE_FLAG, "attn_backend"),
            Flag.file(MOE_BACKEND, FILE_FLAG, "moe_config.backend"),
            Flag.file(MOE_MAX_NUM_TOKENS, FILE_FLAG, "moe_config.max_num_tokens"),
            Flag.file(MOE_LOAD_BALANCER, FILE_FLAG, "moe_config.load_balancer"),
            Flag.file(STREAM_INTERVAL, FILE_FLAG, "stream_interval"),
            Flag.file(SPECULATIVE_DECODING_TYPE, FILE_FLAG, "speculative_config.decoding_type"),
            Flag.file(SPECULATIVE_MAX_DRAFT_LEN, FILE_FLAG, "speculative_config.max_draft_len"),
            Flag.file(SPECULATIVE_MODEL_DIR, FILE_FLAG, "speculative_config.speculative_model_dir"),
            Flag.file(ENABLE_LORA, FILE_FLAG, "enable_lora"),
            Flag.file(MAX_LORA_RANK, FILE_FLAG, "lora_config.max_lora_rank"),
            Flag.file(MAX_LORAS, FILE_FLAG, "lora_config.max_loras"),
            Flag.file(MAX_CPU_LORAS, FILE_FLAG, "lora_config.max_cpu_loras"),
            Flag.file(TORCH_COMPILE, FILE_FLAG, "torch_compile_config"),
            Flag.file(ENABLE_AUTOTUNER, FILE_FLAG, "enable_autotuner"),
            Flag.file(ALLREDUCE_STRATEGY, FILE_FLAG, "allreduce_strategy"),
            Flag.file(GARBAGE_COLLECTION_GEN0_THRESHOLD, FILE_FLAG, "garbage_collection_gen0_threshold"),
            Flag.file(ENABLE_MIN_LATENCY, FILE_FLAG, "enable_min_latency"),
            Flag.file(FORCE_DYNAMIC_QUANTIZATION, FILE_FLAG, "force_dynamic_quantization"),
            Flag.file(ENABLE_MIXED_SAMPLER, FILE_FLAG, "enable_mixed_sampler"),
            Flag.file(ENABLE_TRTLLM_SAMPLER, FILE_FLAG, "enable_trtllm_sampler")), false);

    /** The engine options, in {@link #FLAGS}'s order. */
    static final List<Option<?>> OPTIONS = FLAGS.options();

    /**
     * Options that are fields of TorchLlmArgs (the PyTorch runtime) only: the TensorRT runtime's arguments
     * (TrtLlmArgs) forbid unknown fields, so trtllm-serve {@code --backend tensorrt} refuses them at start.
     */
    static final List<Option<?>> PYTORCH_ONLY = List.of(CUDA_GRAPHS, CUDA_GRAPH_MAX_BATCH_SIZE, CUDA_GRAPH_BATCH_SIZES,
            CUDA_GRAPH_PADDING, DISABLE_OVERLAP_SCHEDULER, ATTN_BACKEND, MOE_BACKEND, MOE_MAX_NUM_TOKENS,
            MOE_LOAD_BALANCER, STREAM_INTERVAL, TORCH_COMPILE, ENABLE_AUTOTUNER, ALLREDUCE_STRATEGY,
            GARBAGE_COLLECTION_GEN0_THRESHOLD, ENABLE_MIN_LATENCY, FORCE_DYNAMIC_QUANTIZATION, ENABLE_MIXED_SAMPLER,
            ENABLE_TRTLLM_SAMPLER, KV_CACHE_DTYPE);

    /**
     * Engine arguments set from core keys or other options: the model, and the iteration statistics LEM's
     * telemetry needs ({@code options.metrics} turns on {@code enable_iter_perf_stats} of a managed server).
     */
    static final Map<String, String> CORE_KEYS = Map.of("model", "model", "enable_iter_perf_stats", "options.metrics");

    private static final Set<String> DECODING_TYPES = Set.of("Eagle", "MTP", "NGram", "DraftTarget", "Medusa",
            "Lookahead", "UserProvided", "AUTO");

    /** The coverage of TensorRT-LLM's LLM API arguments by these options. */
    static ParameterCoverage coverage() {
        return ParameterCoverage.of(EngineSnapshot.resource(TrtllmEngineOptions.class, SNAPSHOT), OPTIONS, CORE_KEYS);
    }

    /**
     * The LLM API options file's entries for these options (cuda_graphs: false becomes {@code cuda_graph_config:
     * null}, torch_compile: true an empty {@code torch_compile_config}), plus {@code enable_iter_perf_stats: true}
     * when LEM reads the server's iteration statistics.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> fileEntries(OptionValues o, boolean iterationStats) {
        Map<String, Object> out = new java.util.LinkedHashMap<>(FLAGS.fileEntries(o));
        if (o.isSet(CUDA_GRAPHS)) {
            Object graphs = out.remove("cuda_graph_config");
            Map<String, Object> sub = graphs instanceof Map<?, ?> m ? (Map<String, Object>) m : new java.util.LinkedHashMap<>();
            sub.remove("cuda_graph_config");
            out.put("cuda_graph_config", Boolean.TRUE.equals(o.raw(CUDA_GRAPHS.name())) ? sub : null);
        }
        if (o.isSet(TORCH_COMPILE)) {
            out.put("torch_compile_config", Boolean.TRUE.equals(o.raw(TORCH_COMPILE.name()))
                    ? new java.util.LinkedHashMap<>() : null);
        }
        if (iterationStats) {
            out.put("enable_iter_perf_stats", true);
        }
        return out;
    }

    /**
     * TensorRT-LLM's rules between arguments; each problem names the option, its value and the fix.
     *
     * @param runtime the runtime trtllm-serve is asked for ({@code options.backend} or a {@code --backend} passed
     *                through), when known
     */
    static List<ConfigProblem> check(OptionValues o, Optional<String> runtime) {
        List<ConfigProblem> p = new ArrayList<>();
        runtime.filter(r -> !r.equals("pytorch")).ifPresent(r -> {
            for (Option<?> t : PYTORCH_ONLY) {
                if (o.isSet(t)) {
                    p.add(new ConfigProblem("options." + t.name(), "is an argument of the pytorch runtime only "
                            + "(TorchLlmArgs); with backend " + r + " TensorRT-LLM refuses it at start: remove it, or "
                            + "use backend pytorch"));
                }
            }
        });
        Optional<Integer> batch = o.find(MAX_BATCH_SIZE);
        Optional<Integer> tokens = o.find(MAX_NUM_TOKENS);
        if (batch.isPresent() && tokens.isPresent() && tokens.get() < batch.get()) {
            p.add(new ConfigProblem("options.max_num_tokens", tokens.get() + " is below options.max_batch_size ("
                    + batch.get() + "): a full batch of decodes needs one token each; raise max_num_tokens"));
        }
        Optional<Integer> input = o.find(MAX_INPUT_LEN);
        Optional<Integer> seq = o.find(MAX_SEQ_LEN);
        if (input.isPresent() && seq.isPresent() && input.get() > seq.get()) {
            p.add(new ConfigProblem("options.max_input_len", input.get() + " is above options.max_seq_len (" + seq.get()
                    + "): a prompt cannot be longer than the whole sequence"));
        }
        if (o.find(CUDA_GRAPHS).filter(b -> !b).isPresent()) {
            for (Option<?> g : List.of(CUDA_GRAPH_MAX_BATCH_SIZE, CUDA_GRAPH_BATCH_SIZES, CUDA_GRAPH_PADDING)) {
                if (o.isSet(g)) {
                    p.add(new ConfigProblem("options." + g.name(), "has no effect with options.cuda_graphs: false: "
                            + "remove one of them"));
                }
            }
        }
        o.find(CUDA_GRAPH_BATCH_SIZES).ifPresent(sizes -> {
            if (sizes.isEmpty() || sizes.stream().anyMatch(x -> x < 1)) {
                p.add(new ConfigProblem("options.cuda_graph_batch_sizes", sizes + " must list batch sizes >= 1"));
            } else {
                int max = Collections.max(sizes);
                o.find(CUDA_GRAPH_MAX_BATCH_SIZE).filter(m -> m != max).ifPresent(m -> p.add(new ConfigProblem(
                        "options.cuda_graph_max_batch_size", m + " is not the largest of options.cuda_graph_batch_sizes ("
                        + max + "): TensorRT-LLM requires them to agree; set one of them")));
            }
        });
        if (o.isSet(CONTEXT_CHUNKING_POLICY) && !o.find(ENABLE_CHUNKED_PREFILL).orElse(false)) {
            p.add(new ConfigProblem("options.context_chunking_policy", "has no effect unless "
                    + "options.enable_chunked_prefill is true"));
        }
        boolean speculative = o.isSet(SPECULATIVE_DECODING_TYPE);
        for (Option<?> s : List.of(SPECULATIVE_MAX_DRAFT_LEN, SPECULATIVE_MODEL_DIR)) {
            if (o.isSet(s) && !speculative) {
                p.add(new ConfigProblem("options." + s.name(), "has no effect without options.speculative_decoding_type"));
            }
        }
        o.find(SPECULATIVE_DECODING_TYPE).ifPresent(t -> {
            if (!DECODING_TYPES.contains(t)) {
                p.add(new ConfigProblem("options.speculative_decoding_type", "\"" + t + "\" is not a decoding type "
                        + "TensorRT-LLM knows: use one of " + String.join(", ", new java.util.TreeSet<>(DECODING_TYPES))
                        + " (spelled as shown)"));
            }
            if (List.of("Eagle", "DraftTarget").contains(t) && !o.isSet(SPECULATIVE_MODEL_DIR)) {
                p.add(new ConfigProblem("options.speculative_model_dir", "is required by speculative_decoding_type " + t
                        + ": the draft model's folder"));
            }
            if (!t.equals("Lookahead") && !o.isSet(SPECULATIVE_MAX_DRAFT_LEN)) {
                p.add(new ConfigProblem("options.speculative_max_draft_len", "is required with speculative decoding: "
                        + "the tokens drafted per step, e.g. 3"));
            }
        });
        List<Option<Boolean>> tuning = List.of(DYNAMIC_BATCH_SIZE_TUNING, DYNAMIC_MAX_NUM_TOKENS_TUNING);
        boolean anyDynamic = tuning.stream().anyMatch(o::isSet) || o.isSet(DYNAMIC_BATCH_MOVING_AVERAGE_WINDOW);
        if (anyDynamic) {
            // TensorRT-LLM's DynamicBatchConfig has no defaults: all three fields are required together
            for (Option<?> d : List.of(DYNAMIC_BATCH_SIZE_TUNING, DYNAMIC_MAX_NUM_TOKENS_TUNING,
                    DYNAMIC_BATCH_MOVING_AVERAGE_WINDOW)) {
                if (!o.isSet(d)) {
                    p.add(new ConfigProblem("options." + d.name(), "is required with the other dynamic batching options "
                            + "(TensorRT-LLM's dynamic_batch_config has no defaults): set dynamic_batch_size_tuning, "
                            + "dynamic_max_num_tokens_tuning and dynamic_batch_moving_average_window together"));
                }
            }
        }
        if (!o.find(ENABLE_LORA).orElse(false)) {
            for (Option<?> l : List.of(MAX_LORA_RANK, MAX_LORAS, MAX_CPU_LORAS)) {
                if (o.isSet(l)) {
                    p.add(new ConfigProblem("options." + l.name(), "has no effect unless options.enable_lora is true"));
                }
            }
        }
        return p;
    }
}
