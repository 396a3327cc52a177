package dev.lem.backend.djl.internal;

import dev.lem.config.Choice;
import dev.lem.config.ConfigException;
import dev.lem.config.ConfigProblem;
import dev.lem.config.Option;
import dev.lem.config.OptionValues;
import dev.lem.config.Precision;
import dev.lem.spi.BackendSettings;
import dev.lem.model.ModelArchitecture;
import dev.lem.model.SyntheticPresets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The settings the djl backend takes from its {@link BackendSettings}, checked before anything is loaded
 * (and, through {@code DjlBackendProvider.check}, before anything runs). Its options ({@code options.*}) are
 * declared in {@link #OPTIONS} — the one place each is written, from which validation, {@code lem config keys
 * --backend djl} and the docs derive:
 * <ul>
 *   <li>{@code hidden_size}, {@code num_hidden_layers}, {@code num_attention_heads},
 *       {@code num_key_value_heads}, {@code head_dim}, {@code intermediate_size}, {@code vocab_size},
 *       {@code max_position_embeddings} and {@code tie_word_embeddings}: a custom shape for a {@code synthetic:}
 *       model, overriding the preset's values;</li>
 *   <li>{@code weight_seed}: the seed of synthetic weights;</li>
 *   <li>{@code threads}, {@code interop_threads}: PyTorch intra- and inter-op threads (process-wide; default:
 *       the cores idle at load for intra-op threads, see {@link ThreadChoice}, PyTorch's choice for inter-op);</li>
 *   <li>{@code graph_optimizer}: TorchScript graph optimisations (process-wide);</li>
 *   <li>{@code executor}: how a forward pass runs (see {@link DecoderModel.Executor});</li>
 *   <li>{@code max_block_columns}: matrices with more inputs are stored as column blocks of at most this many
 *       (see {@link Linear});</li>
 *   <li>{@code quantization}: {@code int8} weight-only quantisation of the product matrices (see
 *       {@link MatrixFormat});</li>
 *   <li>{@code decode_kernel}: whose products a decode step uses (see {@link DecodeKernels}).</li>
 * </ul>
 *
 * @param precision      fp32, fp16, bf16 (bf16 product matrices inside the compiled program, see
 *                       {@link MatrixFormat}) or auto
 * @param maxInputTokens prompts are cut to their last this-many tokens
 * @param interopThreads PyTorch inter-op threads to set, if any
 * @param graphOptimizer TorchScript graph optimisations on or off, if set
 * @param adapter        the LoRA adapter to apply ({@code adapter.*})
 * @param adapterMode    merge the adapter into the weights at load, or apply it unmerged
 * @param quantization   weight quantisation ({@code options.quantization})
 * @param decodeKernel   whose products of 1 to {@value DecoderModel#SMALL_ROWS} rows ({@code options.decode_kernel})
 */
record DjlSettings(ModelSource model, Precision precision, String device, int maxInputTokens,
        Map<String, Object> shape, long weightSeed, OptionalInt threads, DecoderModel.Executor executor,
        int maxBlockColumns, OptionalInt interopThreads, java.util.Optional<Boolean> graphOptimizer,
        dev.lem.config.AdapterConfig adapter, AdapterMode adapterMode, Quantization quantization,
        DecodeKernels.Choice decodeKernel) {

    /** Weight quantisation ({@code options.quantization}). */
    enum Quantization {
        /** The weights as the precision stores them. */
        NONE,
        /**
         * int8 product matrices (per-output-channel scales), activations quantised per product, through libtorch's
         * quantised kernels ({@code quantized::linear_dynamic}); CPU only.
         */
        INT8
    }

    /** {@return the format of the compiled program's product matrices these settings ask for} */
    MatrixFormat matrices() {
        if (quantization == Quantization.INT8) {
            return MatrixFormat.INT8;
        }
        return precision == Precision.BF16 ? MatrixFormat.BF16 : MatrixFormat.AS_LOADED;
    }

    /** How a LoRA adapter is applied ({@code options.adapter_mode}). */
    enum AdapterMode {
        /** W + s·B·A computed once at load: the adapted model costs what the base model costs. */
        MERGED,
        /** s·(x·Aᵀ)·Bᵀ computed beside every adapted product in each forward pass: the cost of unmerged adapters. */
        UNMERGED
    }

    private static Option<Integer> shapeOption(String name, String what) {
        return Option.integer(name).range(1, 1_048_576)
                .describe("synthetic models only: " + what + " (default: the preset's)");
    }

    static final List<Option<Integer>> SHAPE_INTEGERS = List.of(
            shapeOption("hidden_size", "width of the hidden state"),
            shapeOption("num_hidden_layers", "number of decoder layers"),
            shapeOption("num_attention_heads", "attention heads"),
            shapeOption("num_key_value_heads", "key/value heads (grouped-query attention)"),
            shapeOption("head_dim", "width of one head (default: hidden_size / num_attention_heads)"),
            shapeOption("intermediate_size", "width of the MLP"),
            shapeOption("vocab_size", "vocabulary size"),
            shapeOption("max_position_embeddings", "longest position"));
    static final Option<Boolean> TIE_WORD_EMBEDDINGS = Option.bool("tie_word_embeddings")
            .describe("synthetic models only: the output head shares the embedding matrix (default: the preset's)");
    static final Option<Long> WEIGHT_SEED = Option.longInteger("weight_seed").defaultValue(0L)
            .describe("seed of a synthetic model's random weights");
    static final Option<Integer> THREADS = Option.integer("threads").range(1, 4096).unit("threads")
            .describe("PyTorch intra-op threads, process-wide (default: OMP_NUM_THREADS if set, else the cores idle "
                    + "when the model loads, at least 1, measured over 250 ms from /proc/stat; the count used and how "
                    + "it was chosen are recorded)")
            .engineArgument("ai.djl.pytorch.num_threads").engineDefault("one per core");
    static final Option<Integer> INTEROP_THREADS = Option.integer("interop_threads").range(1, 4096).unit("threads")
            .describe("PyTorch inter-op threads, process-wide; PyTorch fixes them once per process, so a JVM that "
                    + "already ran PyTorch work keeps its value (lem run starts a fresh JVM per experiment)")
            .engineArgument("ai.djl.pytorch.num_interop_threads").engineDefault("one per core");
    static final Option<Boolean> GRAPH_OPTIMIZER = Option.bool("graph_optimizer")
            .describe("TorchScript graph optimisations (fusion) of the compiled executor, process-wide")
            .engineArgument("ai.djl.pytorch.graph_optimizer").engineDefault("true");
    static final Option<DecoderModel.Executor> EXECUTOR = Option.choice("executor", DecoderModel.Executor.class)
            .defaultValue(DecoderModel.Executor.COMPILED)
            .describe("compiled: a TorchScript program generated from the architecture, one JNI call per forward "
                    + "pass; eager: one DJL operation per step").engineArgument("executor");
    static final Option<Integer> MAX_BLOCK_COLUMNS = Option.integer("max_block_columns")
            .defaultValue(Linear.DEFAULT_MAX_BLOCK_COLUMNS).range(16, 1_048_576).unit("inputs")
            .describe("matrices with more inputs are stored as column blocks of at most this many (a large value "
                    + "keeps every matrix whole); unset, the default applies only to libtorch's products: where LEM's "
                    + "packed layouts serve every product (options.decode_kernel) matrices stay whole")
            .engineArgument("max_block_columns");

    static final Option<AdapterMode> ADAPTER_MODE = Option.choice("adapter_mode", AdapterMode.class)
            .defaultValue(AdapterMode.MERGED)
            .describe("how adapter.path is applied: merged (W + s·B·A once at load; the base model's cost) or "
                    + "unmerged (s·(x·Aᵀ)·Bᵀ beside every adapted product in each forward pass: the cost of serving "
                    + "an adapter unmerged)");

    static final Option<Quantization> QUANTIZATION = Option.choice("quantization", Quantization.class)
            .defaultValue(Quantization.NONE)
            .describe("none, or int8: weight-only int8 quantisation of every matrix product (per-output-channel scales,"
                    + " activations quantised dynamically per product) through libtorch's quantised kernels "
                    + "(fbgemm/oneDNN); CPU, precision fp32 or auto, compiled executor")
            .engineArgument("quantization");

    static final Option<DecodeKernels.Choice> DECODE_KERNEL = Option.choice("decode_kernel", DecodeKernels.Choice.class)
            .defaultValue(DecodeKernels.Choice.AUTO)
            .describe("whose matrix products decode steps use: auto (LEM's kernels, which read each weight once per "
                    + "step, where they apply — CPU, compiled executor, fp32 or bf16 matrices — and were built and load "
                    + "(fp32 matrices on AVX-512 CPUs and bf16 ones on AVX512_BF16 CPUs packed at load in LEM's layouts, "
                    + "for every product, and a decode step's attention in one call; otherwise products of 1 to "
                    + DecoderModel.SMALL_ROWS + " rows); else libtorch's), lem (LEM's kernels; an error where they "
                    + "cannot run) or libtorch (MKL/oneDNN only); the products used are recorded")
            .engineArgument("decode_kernel");

    /** The checked-in list of the djl engine's settings. */
    static final String SNAPSHOT = "djl-engine-settings.tsv";

    /** Engine settings LEM sets from core keys. */
    static final Map<String, String> CORE_KEYS = Map.of("precision", "precision", "device", "device",
            "batch_size", "batching.batch_size", "batching_strategy", "batching.strategy",
            "max_batch_tokens", "batching.max_batch_tokens", "max_input_tokens", "max_input_tokens",
            "kv_cache_capacity", "max_output_tokens");

    /** Every option of the djl backend. */
    static final List<Option<?>> OPTIONS;

    static {
        List<Option<?>> all = new ArrayList<>(SHAPE_INTEGERS);
        all.add(TIE_WORD_EMBEDDINGS);
        all.addAll(List.of(WEIGHT_SEED, THREADS, INTEROP_THREADS, GRAPH_OPTIMIZER, EXECUTOR, MAX_BLOCK_COLUMNS,
                ADAPTER_MODE, QUANTIZATION, DECODE_KERNEL));
        OPTIONS = List.copyOf(all);
    }

    /**
     * Checks the settings.
     *
     * @throws ConfigException listing every problem, one per line
     */
    static DjlSettings from(BackendSettings c) {
        List<ConfigProblem> problems = new ArrayList<>();
        if (!NativeEngine.validDevice(c.device())) {
            problems.add(new ConfigProblem("device", "\"" + c.device()
                    + "\" is not a device the djl backend knows: use cpu, cuda, cuda:<index> or auto"));
        }
        ModelSource model = null;
        try {
            model = ModelSource.resolve(c.model());
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        OptionValues o = c.options();
        Map<String, Object> shape = new LinkedHashMap<>();
        for (Option<Integer> s : SHAPE_INTEGERS) {
            o.find(s).ifPresent(v -> shape.put(s.name(), v));
        }
        o.find(TIE_WORD_EMBEDDINGS).ifPresent(v -> shape.put(TIE_WORD_EMBEDDINGS.name(), v));
        if (model != null && !model.synthetic()) {
            for (String key : shape.keySet()) {
                problems.add(new ConfigProblem("options." + key, "only applies to synthetic: models; " + c.model()
                        + " takes its shape from its config.json"));
            }
        }
        OptionalInt threads = o.find(THREADS).map(OptionalInt::of).orElse(OptionalInt.empty());
        OptionalInt interop = o.find(INTEROP_THREADS).map(OptionalInt::of).orElse(OptionalInt.empty());
        checkAdapter(c, problems);
        checkMatrixFormat(c.precision(), c.device(), o.get(EXECUTOR), o.get(QUANTIZATION), problems);
        checkDecodeKernel(c.precision(), c.device(), o.get(EXECUTOR), o.get(QUANTIZATION), o.get(DECODE_KERNEL),
                problems);
        DjlSettings s = new DjlSettings(model, c.precision(), c.device(), c.maxInputTokens(), shape,
                o.get(WEIGHT_SEED), threads, o.get(EXECUTOR), o.get(MAX_BLOCK_COLUMNS), interop, o.find(GRAPH_OPTIMIZER),
                c.adapter(), o.get(ADAPTER_MODE), o.get(QUANTIZATION), o.get(DECODE_KERNEL));
        if (model != null && model.synthetic() && !shape.isEmpty()) {
            try {
                s.syntheticArchitecture();
            } catch (IllegalArgumentException e) {
                problems.add(new ConfigProblem("options", "the custom synthetic shape is invalid: " + e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return s;
    }

    /**
     * bf16 and int8 matrices live inside the compiled program (DJL cannot hold them): both need the compiled executor;
     * int8 needs float32 activations and the CPU (libtorch's quantised kernels are CPU kernels).
     */
    private static void checkMatrixFormat(Precision precision, String device, DecoderModel.Executor executor,
            Quantization quantization, List<ConfigProblem> problems) {
        boolean int8 = quantization == Quantization.INT8;
        if (int8 && (precision == Precision.BF16 || precision == Precision.FP16)) {
            problems.add(new ConfigProblem("options.quantization", "int8 quantises float32 weights and computes with "
                    + "float32 activations, so it cannot be combined with precision " + Choice.word(precision) + ": set "
                    + "precision: fp32 (or auto) with options.quantization: int8, or options.quantization: none"));
        }
        String d = device.trim().toLowerCase(java.util.Locale.ROOT);
        if (int8 && d.startsWith("cuda")) {
            problems.add(new ConfigProblem("options.quantization", "int8 runs on libtorch's quantised CPU kernels "
                    + "(fbgemm/oneDNN), which have no CUDA implementation; device is \"" + device + "\": set device: "
                    + "cpu, or use precision fp16/bf16 on the GPU"));
        }
        if (executor == DecoderModel.Executor.EAGER && (int8 || precision == Precision.BF16)) {
            problems.add(new ConfigProblem("options.executor", (int8 ? "options.quantization: int8" : "precision: bf16")
                    + " keeps its matrices inside the compiled TorchScript program (DJL cannot hold bf16 or quantised "
                    + "tensors), so it needs options.executor: compiled (the default), not eager"));
        }
    }

    /** {@code decode_kernel: lem} asked where the kernel cannot run (auto quietly uses libtorch's products there). */
    private static void checkDecodeKernel(Precision precision, String device, DecoderModel.Executor executor,
            Quantization quantization, DecodeKernels.Choice kernel, List<ConfigProblem> problems) {
        if (kernel != DecodeKernels.Choice.LEM) {
            return;
        }
        String d = device.trim().toLowerCase(java.util.Locale.ROOT);
        String why = d.startsWith("cuda") ? "it is a CPU kernel and device is \"" + device + "\""
                : executor == DecoderModel.Executor.EAGER ? "the compiled program calls it and options.executor is eager"
                : quantization == Quantization.INT8 ? "it takes fp32 or bf16 matrices and options.quantization is int8"
                : precision == Precision.FP16 ? "it takes fp32 or bf16 matrices and precision is fp16" : null;
        if (why != null) {
            problems.add(new ConfigProblem("options.decode_kernel", "lem cannot be used: " + why
                    + ": set options.decode_kernel: auto (LEM's kernel where it applies) or libtorch"));
        }
    }

    /** The adapter's source: a synthetic specification that parses, or a PEFT folder that exists. */
    private static void checkAdapter(BackendSettings c, List<ConfigProblem> problems) {
        java.util.Optional<String> src = c.adapter().source();
        if (src.isEmpty()) {
            if (c.options().isSet(ADAPTER_MODE)) {
                problems.add(new ConfigProblem("options.adapter_mode", "has no effect without adapter.path: set an "
                        + "adapter (a PEFT folder or synthetic:r=<rank>)"));
            }
            return;
        }
        if (c.adapter().synthetic()) {
            try {
                LoraAdapter.parseSynthetic(src.get());
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
            return;
        }
        java.nio.file.Path folder = java.nio.file.Path.of(src.get());
        if (!java.nio.file.Files.isDirectory(folder)) {
            problems.add(new ConfigProblem("adapter.path", "\"" + src.get() + "\" is not a folder: give a PEFT "
                    + "adapter folder (adapter_config.json and adapter_model.safetensors), synthetic:r=<rank>, or none"));
        } else if (!java.nio.file.Files.isRegularFile(folder.resolve("adapter_config.json"))) {
            problems.add(new ConfigProblem("adapter.path", "\"" + src.get() + "\" has no adapter_config.json: it is "
                    + "not a PEFT adapter folder"));
        }
    }

    /** The synthetic preset with the shape options applied. */
    ModelArchitecture syntheticArchitecture() {
        ModelArchitecture p = SyntheticPresets.get(model.preset().orElseThrow());
        int hidden = (int) shape.getOrDefault("hidden_size", p.hiddenSize());
        int heads = (int) shape.getOrDefault("num_attention_heads", p.numAttentionHeads());
        int kvHeads = (int) shape.getOrDefault("num_key_value_heads",
                shape.containsKey("num_attention_heads") && p.numKeyValueHeads() == p.numAttentionHeads()
                        ? heads : p.numKeyValueHeads());
        boolean derivedHeadDim = !shape.containsKey("head_dim")
                && (shape.containsKey("hidden_size") || shape.containsKey("num_attention_heads"));
        if (derivedHeadDim && hidden % heads != 0) {
            throw new IllegalArgumentException("hidden_size (" + hidden + ") must be a multiple of num_attention_heads ("
                    + heads + "), or set head_dim");
        }
        int headDim = (int) shape.getOrDefault("head_dim", derivedHeadDim ? hidden / heads : p.headDim());
        boolean gpt2 = p.modelType().equals("gpt2");
        if (gpt2 && headDim * heads != hidden) {
            throw new IllegalArgumentException("GPT-2 needs head_dim × num_attention_heads = hidden_size");
        }
        if (gpt2 && kvHeads != heads) {
            throw new IllegalArgumentException("GPT-2 has no grouped-query attention: num_key_value_heads must equal"
                    + " num_attention_heads");
        }
        int inter = (int) shape.getOrDefault("intermediate_size",
                gpt2 && shape.containsKey("hidden_size") ? 4 * hidden : p.intermediateSize());
        return new ModelArchitecture(p.modelType(), hidden,
                (int) shape.getOrDefault("num_hidden_layers", p.numLayers()), heads, kvHeads, headDim, inter,
                (int) shape.getOrDefault("vocab_size", p.vocabSize()),
                (int) shape.getOrDefault("max_position_embeddings", p.maxPositionEmbeddings()),
                (boolean) shape.getOrDefault("tie_word_embeddings", p.tieWordEmbeddings()) || gpt2,
                p.attentionBias(), p.mlpBias(), p.gatedMlp(), p.activation(), p.norm(), p.normEps(),
                p.positionEncoding(), p.ropeTheta(), p.ropeScaling(), p.bosTokenId(), p.eosTokenIds(), p.torchDtype());
    }

}
