package dev.lem.backend.djl.internal;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import dev.lem.LemException;
import dev.lem.spi.BackendSettings;
import dev.lem.spi.EngineSetting;
import dev.lem.model.HfConfigReader;
import dev.lem.model.ModelArchitecture;
import dev.lem.model.TensorDtype;
import dev.lem.spi.AdapterInfo;
import dev.lem.spi.BackendCapabilities;
import dev.lem.spi.TokenScorer;
import dev.lem.spi.WeightFormat;
import dev.lem.spi.BackendException;
import dev.lem.spi.GenerationListener;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.ModelInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The djl backend: a decoder-only model run in this JVM on DJL's PyTorch engine. Creation only
 * checks the configuration; {@link #load()} starts the engine and loads weights and tokenizer;
 * {@link #unload()} frees them (a later {@link #load()} loads again).
 *
 * <p>Not thread-safe: drive one instance from one thread.
 */
public final class DjlBackend implements InferenceBackend {
    private static final Logger LOG = LoggerFactory.getLogger(DjlBackend.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final BackendCapabilities CAPABILITIES = new BackendCapabilities(true, true, false, true, true);

    private final DjlSettings settings;
    private final dev.lem.config.OptionValues options;
    private @Nullable Loaded loaded;
    private Map<String, String> environment = Map.of();
    /** The intra-op threads LEM chose at the last load (neither options.threads nor OMP_NUM_THREADS set), or null. */
    private @Nullable ThreadChoice threadChoice;
    /** The widest column block the loaded model uses, and why (see {@link #blockColumns}). */
    private int blockColumns = Linear.DEFAULT_MAX_BLOCK_COLUMNS;
    private String blockColumnsBasis = "LEM's default";

    private record Loaded(DecoderModel model, TextTokenizer tokenizer, Generator generator) {
    }

    /**
     * Checks the configuration; loads nothing.
     *
     * @throws dev.lem.config.ConfigException naming every bad setting
     */
    public DjlBackend(BackendSettings config) {
        this.settings = DjlSettings.from(config);
        this.options = config.options();
    }

    /** The options the djl backend declares (see {@link DjlSettings}). */
    public static List<dev.lem.config.Option<?>> options() {
        return DjlSettings.OPTIONS;
    }

    /**
     * Checks the settings without loading anything.
     *
     * @throws dev.lem.config.ConfigException naming every bad setting
     */
    public static void check(BackendSettings config) {
        DjlSettings.from(config);
    }

    /** The share of the djl engine's settings the backend models (docs/parameters.md). */
    public static dev.lem.config.ParameterCoverage coverage() {
        return dev.lem.config.ParameterCoverage.of(dev.lem.config.EngineSnapshot.resource(DjlBackend.class,
                DjlSettings.SNAPSHOT), DjlSettings.OPTIONS, DjlSettings.CORE_KEYS);
    }

    /** Whether DJL's PyTorch engine and natives are on the classpath; loads no native code, never throws. */
    public static dev.lem.spi.Availability availability() {
        return NativeEngine.availability();
    }

    @Override
    public BackendCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public synchronized ModelInfo load() {
        unload();
        Engine engine = NativeEngine.start();
        Device device = NativeEngine.device(engine, settings.device());
        threadChoice = null;
        if (settings.threads().isPresent()) {
            JniUtils.setNumThreads(settings.threads().getAsInt());
        } else if (System.getenv("OMP_NUM_THREADS") == null) {
            threadChoice = ThreadChoice.measure().orElse(null);
            if (threadChoice != null) {
                JniUtils.setNumThreads(threadChoice.threads());
            }
        }
        settings.interopThreads().ifPresent(DjlBackend::setInteropThreads);
        settings.graphOptimizer().ifPresent(JniUtils::setGraphExecutorOptimize);
        ModelSource source = settings.model();
        ModelArchitecture arch = architecture(source);
        WeightSource weights;
        Set<String> stored;
        if (source.synthetic()) {
            weights = new SyntheticWeights(settings.weightSeed(), arch);
            stored = Set.of("F32");
        } else {
            CheckpointWeights checkpoint = new CheckpointWeights(source.folder().orElseThrow());
            weights = checkpoint;
            stored = checkpoint.dtypes();
        }
        LoraAdapter adapter = settings.adapter().source().isPresent()
                ? LoraAdapter.load(settings.adapter(), arch, weights) : null;
        boolean merged = adapter != null && settings.adapterMode() == DjlSettings.AdapterMode.MERGED;
        if (merged) {
            weights = new AdaptedWeights(weights, adapter, arch.modelType().equals("gpt2"));
        }
        DataType dtype = dtype(device, stored);
        MatrixFormat matrices = settings.matrices();
        if (matrices == MatrixFormat.INT8 && device.isGpu()) {
            throw new BackendException("options.quantization: int8 runs on libtorch's quantised CPU kernels, but device "
                    + "\"" + settings.device() + "\" resolved to " + device + ": set device: cpu");
        }
        if (dtype == DataType.FLOAT16 && !device.isGpu()) {
            LOG.warn("precision fp16 on the CPU: PyTorch's fp16 matrix products are much slower than fp32 here");
        }
        TextTokenizer tokenizer = source.synthetic()
                ? TextTokenizer.synthetic(arch.vocabSize(), arch.positionEncoding().equals("rope")
                        ? arch.bosTokenId().filter(b -> b < arch.vocabSize()) : Optional.empty())
                : TextTokenizer.fromFolder(source.folder().orElseThrow(), arch.vocabSize());
        String kernelNotUsed = decodeKernelNotUsed(device, dtype, matrices);
        boolean decodeKernel = kernelNotUsed == null;
        blockColumns(decodeKernel, matrices);
        DecoderModel model;
        NDManager manager = NDManager.newBaseManager(device, NativeEngine.ENGINE);
        try {
            model = DecoderModel.load(arch, weights, manager, dtype, settings.executor(),
                    blockColumns, merged ? null : adapter, matrices, decodeKernel);
            if (merged) {
                adapter.checkAllUsed();
            }
        } catch (RuntimeException e) {
            manager.close();
            tokenizer.close();
            if (e instanceof LemException) {
                throw e;
            }
            throw new BackendException("Loading " + source.id() + " failed: " + NativeEngine.rootMessage(e), e);
        }
        int[] eos = eosTokens(source, arch);
        loaded = new Loaded(model, tokenizer, new Generator(model, tokenizer, eos, settings.maxInputTokens()));
        environment = new LinkedHashMap<>(NativeEngine.facts(engine, device));
        environment.put("djl.intra_op_threads_basis", settings.threads().isPresent() ? "options.threads"
                : threadChoice != null ? threadChoice.basis() : System.getenv("OMP_NUM_THREADS") != null
                ? "OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS") + " (PyTorch reads it)"
                : "PyTorch's default (one per core): /proc/stat could not be read");
        environment.put("djl.decode_kernel", decodeKernel ? DecodeKernels.status().describe()
                + (DecodeKernels.status().decodeAttention() ? "; decode steps' attention (cache writes, scores, mask, "
                + "softmax, weighted values) in one call: lem::decode_attention" : "")
                + (model.lemPacked() ? "; " + (model.matrices() == MatrixFormat.BF16 ? "bf16" : "float32")
                + " product matrices packed at load in LEM's layout (blocks of 32 output columns, input by input"
                + (model.matrices() == MatrixFormat.BF16 ? ", in pairs of inputs as vdpbf16ps reads them" : "")
                + "), read by lem::packed_linear for products of any number of rows"
                : model.switchesForBatches() ? "; for lone requests only: the first batch of 2 or more requests moves "
                + "the product matrices to oneDNN's prepacked layout, about twice as fast for 2 to 8 rows" : "")
                : "libtorch's products: " + kernelNotUsed);
        Map<String, String> details = new LinkedHashMap<>();
        details.put("engine", environment.get("djl.engine") + " via DJL " + environment.get("djl.version"));
        details.put("device", device.toString());
        details.put("executor", model.executor() == DecoderModel.Executor.COMPILED
                ? "compiled: a TorchScript program generated from the architecture, one call per forward pass"
                : "eager: one DJL operation per step");
        details.put("max_block_columns", blockColumns == Integer.MAX_VALUE ? "none: " + blockColumnsBasis
                : Integer.toString(blockColumns));
        details.put("tokenizer", tokenizer.description());
        details.put("checkpoint_dtypes", String.join(",", stored));
        if (stored.contains("BF16") || stored.contains("F16") && dtype == DataType.FLOAT32) {
            details.put("upcast", String.join(",", stored) + " weights converted to float32 at load");
        }
        details.put("lm_head", arch.tieWordEmbeddings() ? "tied to the token embedding" : "separate");
        details.put("eos_token_ids", java.util.Arrays.toString(eos));
        if (source.synthetic()) {
            details.put("weights", "synthetic: seeded random (weight_seed " + settings.weightSeed()
                    + "), uniform with std 0.02, norms 1, biases 0");
        }
        String word = matrices.word() != null ? matrices.word() : dtype == DataType.FLOAT16 ? "fp16" : "fp32";
        TensorDtype td = switch (matrices) {
            case BF16 -> TensorDtype.BF16;
            case INT8 -> TensorDtype.I8;
            case AS_LOADED -> dtype == DataType.FLOAT16 ? TensorDtype.F16 : TensorDtype.F32;
        };
        if (matrices != MatrixFormat.AS_LOADED) {
            details.put("matrices", matrices == MatrixFormat.BF16
                    ? "bf16: every matrix product's weights converted from float32 to bf16 once at load inside the "
                    + "compiled program (" + (model.lemPacked() ? "packed in LEM's bf16 pairs layout; every product: "
                    + "lem::packed_linear, activations rounded to bf16 at each product as oneDNN rounds them, bf16 "
                    + "products accumulated in float32 by vdpbf16ps" : (decodeKernel ? "products of up to "
                    + DecoderModel.SMALL_ROWS + " rows: LEM's kernel, float32 activations times bf16 weights accumulated "
                    + "in float32, until the first batch of 2 or more requests moves the matrices to oneDNN's prepacked "
                    + "layout; otherwise: " : "") + "activations rounded to bf16 at each product, "
                    + (MatrixFormat.ONEDNN_BF16 ? "oneDNN's bf16 inner product" : "libtorch's bf16 linear"))
                    + "; norms, attention, KV cache, "
                    + "residuals and logits in float32); the embedding table stays float32"
                    : "int8: every matrix product's weights quantised at load inside the compiled program (symmetric, "
                    + "per output channel, packed by quantized::linear_prepack for libtorch's default quantised engine), "
                    + "activations quantised per product (quantized::linear_dynamic, " + (MatrixFormat.REDUCED_RANGE
                    ? "range [0, 127]: no VNNI on this CPU" : "range [0, 255]: this CPU has VNNI") + "); everything else "
                    + "float32; the embedding table stays float32");
        }
        double bytesPerPass = dev.lem.flops.MemoryTraffic.weightBytesPerPass(arch, td)
                + (double) model.adapterParameters() * td.bytes();
        String storedText = String.join(",", stored);
        WeightFormat format = new WeightFormat(word, matrices == MatrixFormat.INT8 ? "int8" : "none",
                "as loaded by the djl backend (checkpoint " + (source.synthetic() ? "synthetic F32" : storedText)
                + (storedText.equals(td == TensorDtype.F16 ? "F16" : "F32") ? "" : ", converted to " + word + " at load")
                + (matrices == MatrixFormat.AS_LOADED ? "" : "; matrix products only, the rest float32; bytes per pass "
                + "estimated at " + td.bytes() + " byte(s) per parameter") + ")", Optional.of(bytesPerPass));
        details.put("weight_format", format.toString()); // beside "weights" (how synthetic ones were made)
        ModelInfo info = new ModelInfo(source.id(), source.source(), source.location(), Optional.of(arch), word,
                source.synthetic(), Optional.of(model.parameterCount()), details, engineSettings(dtype, device))
                .withWeights(format);
        if (adapter != null) {
            AdapterInfo a = adapter.info(merged ? "merged" : "unmerged");
            details.put("adapter", a.toString());
            info = new ModelInfo(info.id(), info.source(), info.location(), info.architecture(), info.dtype(),
                    info.syntheticWeights(), info.parameterCount(), details, info.engineSettings()).withWeights(format)
                    .withAdapter(a);
        }
        return info;
    }


    /**
     * Why a decode step will not use LEM's kernel ({@link DecodeKernels}), or null when it will.
     *
     * @throws BackendException when {@code options.decode_kernel: lem} asked for it and it cannot run
     */
    /**
     * Chooses the widest column block ({@link Linear}): {@code options.max_block_columns} when set; otherwise whole
     * matrices where LEM's packed layouts serve every product (they read a wide matrix at least as fast as a narrow
     * one, and one product per matrix saves a call and a sum per block: docs/performance.md), else
     * {@value Linear#DEFAULT_MAX_BLOCK_COLUMNS} (libtorch's products read narrower blocks faster).
     */
    private void blockColumns(boolean decodeKernel, MatrixFormat matrices) {
        DecodeKernels.Status kernels = decodeKernel ? DecodeKernels.status() : null;
        if (options.isSet(DjlSettings.MAX_BLOCK_COLUMNS)) {
            blockColumns = settings.maxBlockColumns();
            blockColumnsBasis = "options.max_block_columns";
        } else if (kernels != null && (matrices == MatrixFormat.AS_LOADED && kernels.packedLayout()
                || matrices == MatrixFormat.BF16 && kernels.bf16PairsLayout())) {
            blockColumns = Integer.MAX_VALUE;
            blockColumnsBasis = "LEM's default: whole matrices with LEM's packed layouts";
        } else {
            blockColumns = settings.maxBlockColumns();
            blockColumnsBasis = "LEM's default";
        }
    }

    private @Nullable String decodeKernelNotUsed(Device device, DataType dtype, MatrixFormat matrices) {
        DecodeKernels.Choice choice = settings.decodeKernel();
        String why;
        if (choice == DecodeKernels.Choice.LIBTORCH) {
            return "options.decode_kernel is libtorch";
        } else if (device.isGpu()) {
            why = "LEM's decode kernel is a CPU kernel and the device is " + device;
        } else if (settings.executor() != DecoderModel.Executor.COMPILED) {
            why = "LEM's decode kernel is called by the compiled program and the executor is eager";
        } else if (matrices == MatrixFormat.INT8) {
            why = "int8 matrices use libtorch's quantised kernels";
        } else if (dtype != DataType.FLOAT32) {
            why = "LEM's decode kernel takes float32 activations and the compute dtype is " + dtype;
        } else {
            DecodeKernels.Status status = DecodeKernels.status();
            why = status.available() ? null : "LEM's decode kernel is " + status.describe();
        }
        if (why != null && choice == DecodeKernels.Choice.LEM) {
            throw new BackendException("options.decode_kernel: lem cannot be used: " + why + ". Set "
                    + "options.decode_kernel: auto (LEM's kernel where it can run, else libtorch's) or libtorch");
        }
        return why;
    }

    /**
     * PyTorch fixes its inter-op threads once per process: setting them again, or after parallel work started,
     * fails; that is fine when the count is already the one asked for.
     */
    private static void setInteropThreads(int n) {
        try {
            JniUtils.setNumInteropThreads(n);
        } catch (RuntimeException e) {
            int now = JniUtils.getNumInteropThreads();
            if (now != n) {
                throw new BackendException("options.interop_threads (" + n + ") cannot be applied: PyTorch fixes "
                        + "inter-op threads once per process and this one already uses " + now + ". Run the experiment "
                        + "in a fresh JVM (lem run does), or leave options.interop_threads unset", e);
            }
        }
    }

    /** The engine settings in effect, typed, with where each came from. */
    private List<EngineSetting> engineSettings(DataType dtype, Device device) {
        List<EngineSetting> out = new ArrayList<>();
        dev.lem.config.OptionValues o = options;
        ThreadChoice chosen = threadChoice;
        out.add(chosen != null ? new EngineSetting(DjlSettings.THREADS.engineArgument().orElseThrow(), chosen.threads(),
                EngineSetting.Source.SET_BY_LEM, JniUtils.getNumThreads(), chosen.basis())
                : setting(o, DjlSettings.THREADS, JniUtils.getNumThreads()));
        out.add(setting(o, DjlSettings.INTEROP_THREADS, JniUtils.getNumInteropThreads()));
        out.add(setting(o, DjlSettings.GRAPH_OPTIMIZER, null));
        out.add(new EngineSetting("executor", dev.lem.config.Choice.word(settings.executor()),
                o.isSet(DjlSettings.EXECUTOR) ? EngineSetting.Source.SET_BY_LEM : EngineSetting.Source.ENGINE_DEFAULT,
                null, o.isSet(DjlSettings.EXECUTOR) ? "options.executor" : "LEM's default"));
        out.add(new EngineSetting("max_block_columns", blockColumns == Integer.MAX_VALUE ? "none" : blockColumns,
                o.isSet(DjlSettings.MAX_BLOCK_COLUMNS) ? EngineSetting.Source.SET_BY_LEM
                        : EngineSetting.Source.ENGINE_DEFAULT, null, blockColumnsBasis));
        out.add(new EngineSetting("precision", settings.matrices() == MatrixFormat.BF16 ? "bf16"
                : dtype == DataType.FLOAT16 ? "fp16" : "fp32", EngineSetting.Source.CORE_KEY,
                null, "precision (" + dev.lem.config.Choice.word(settings.precision()) + ")"));
        out.add(new EngineSetting("quantization", dev.lem.config.Choice.word(settings.quantization()),
                o.isSet(DjlSettings.QUANTIZATION) ? EngineSetting.Source.SET_BY_LEM : EngineSetting.Source.ENGINE_DEFAULT,
                null, o.isSet(DjlSettings.QUANTIZATION) ? "options.quantization" : "LEM's default"));
        out.add(new EngineSetting("decode_kernel", loaded != null && loaded.model().decodeKernel() ? "lem" : "libtorch",
                o.isSet(DjlSettings.DECODE_KERNEL) ? EngineSetting.Source.SET_BY_LEM : EngineSetting.Source.ENGINE_DEFAULT,
                null, (o.isSet(DjlSettings.DECODE_KERNEL) ? "options.decode_kernel: " : "LEM's default: ")
                + dev.lem.config.Choice.word(settings.decodeKernel()) + "; " + environment.get("djl.decode_kernel")));
        out.add(new EngineSetting("device", device.toString(), EngineSetting.Source.CORE_KEY, null, "device"));
        return out;
    }

    private static EngineSetting setting(dev.lem.config.OptionValues o, dev.lem.config.Option<?> option,
            @org.jspecify.annotations.Nullable Object actual) {
        String name = option.engineArgument().orElseThrow();
        if (o.isSet(option)) {
            return new EngineSetting(name, o.raw(option.name()), EngineSetting.Source.SET_BY_LEM, actual,
                    "options." + option.name());
        }
        return actual == null ? new EngineSetting(name, null, EngineSetting.Source.ENGINE_DEFAULT, null,
                "engine default: " + option.engineDefaultText()) : new EngineSetting(name, actual, EngineSetting.Source.REPORTED_BY_SERVER,
                actual, "PyTorch's default, read back");
    }

    private ModelArchitecture architecture(ModelSource source) {
        ModelArchitecture arch;
        if (source.synthetic()) {
            arch = settings.syntheticArchitecture();
        } else {
            try {
                arch = HfConfigReader.read(source.folder().orElseThrow());
            } catch (LemException e) {
                throw new BackendException(e.getMessage(), e);
            }
        }
        source.folder().ifPresent(DjlBackend::refuseQuantised);
        if (!DecoderModel.SUPPORTED_TYPES.contains(arch.modelType())) {
            throw new BackendException("model_type \"" + arch.modelType() + "\" of " + source.id()
                    + " is not supported by the djl backend; supported: " + String.join(", ",
                            DecoderModel.SUPPORTED_TYPES) + " (Llama 2/3, TinyLlama, SmolLM, Mistral, Qwen2, GPT-2)");
        }
        return arch;
    }

    /**
     * Refuses a pre-quantised checkpoint ({@code quantization_config} in config.json: GPTQ, AWQ, bitsandbytes, FP8):
     * libtorch as DJL ships it has no kernels for those formats that the backend could call, on the CPU or the GPU.
     */
    static void refuseQuantised(Path folder) {
        Path config = folder.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            return;
        }
        JsonNode q;
        try {
            q = JSON.readTree(Files.readString(config)).path("quantization_config");
        } catch (IOException | JacksonException e) {
            return; // the architecture reader reports an unreadable config.json
        }
        if (q.isMissingNode() || q.isNull()) {
            return;
        }
        String method = q.path("quant_method").asString(q.path("load_in_4bit").asBoolean(false) ? "bitsandbytes (4-bit)"
                : q.path("load_in_8bit").asBoolean(false) ? "bitsandbytes (8-bit)" : "unknown");
        String bits = q.path("bits").isNumber() ? ", " + q.path("bits").asInt() + "-bit" : "";
        throw new BackendException("The checkpoint in " + folder + " is quantised (quantization_config: " + method + bits
                + "): not supported on this backend. The djl backend runs fp32 and fp16 weights; libtorch, as DJL ships "
                + "it, has no " + method + " kernels it could call. Use vllm (it reads the quantization_config; "
                + "options.quantization to force a method), or the unquantised checkpoint");
    }

    @Override
    public Optional<TokenScorer> tokenScorer() {
        Loaded l = loaded;
        if (l == null) {
            return Optional.empty();
        }
        return Optional.of(new TokenScorer() {
            @Override
            public int[] tokenize(String text) {
                return l.tokenizer().encode(text);
            }

            @Override
            public double[] logProbabilities(int[] tokens, int from) {
                int vocab = l.model().arch.vocabSize();
                for (int t : tokens) {
                    if (t < 0 || t >= vocab) {
                        throw new dev.lem.spi.TokenScoringException("token id " + t + " is outside the model's "
                                + "vocabulary [0, " + vocab + ")");
                    }
                }
                return l.model().logProbabilities(tokens, from, SCORING_SEGMENT);
            }

            @Override
            public int maxWindowTokens() {
                return l.model().arch.maxPositionEmbeddings();
            }

            @Override
            public String method() {
                String w = l.model().matrices().word();
                return "djl forward pass (" + l.model().executor().optionValue() + " executor, " + (w != null ? w
                        + " matrices" : l.model().dtype == DataType.FLOAT16 ? "fp16" : "fp32")
                        + "), float32 logits, log-softmax in float64";
            }
        });
    }

    /** Tokens per forward pass when scoring a window: bounds the logits held at once to this × vocabulary. */
    static final int SCORING_SEGMENT = 128;

    private DataType dtype(Device device, Set<String> stored) {
        return switch (settings.precision()) {
            case FP16 -> DataType.FLOAT16;
            case AUTO -> !device.isGpu() || stored.contains("BF16") || stored.contains("F32")
                    ? DataType.FLOAT32 : DataType.FLOAT16;
            case FP32, BF16 -> DataType.FLOAT32;
        };
    }

    /** End-of-sequence ids: generation_config.json's when present, else config.json's; ids outside the vocabulary dropped. */
    private static int[] eosTokens(ModelSource source, ModelArchitecture arch) {
        List<Integer> ids = new ArrayList<>(arch.eosTokenIds());
        if (source.folder().isPresent()) {
            Path gen = source.folder().get().resolve("generation_config.json");
            if (Files.isRegularFile(gen)) {
                try {
                    JsonNode e = JSON.readTree(Files.readString(gen)).get("eos_token_id");
                    if (e != null && (e.isNumber() || e.isArray())) {
                        ids.clear();
                        if (e.isNumber()) {
                            ids.add(e.asInt());
                        } else {
                            e.forEach(n -> ids.add(n.asInt()));
                        }
                    }
                } catch (IOException | JacksonException ex) {
                    throw new BackendException("Cannot read " + gen + ": " + ex.getMessage(), ex);
                }
            }
        }
        return ids.stream().distinct().filter(i -> i >= 0 && i < arch.vocabSize()).mapToInt(Integer::intValue).toArray();
    }

    /** The loaded model (for tests in this package). */
    DecoderModel model() {
        return requireLoaded().model();
    }

    private Loaded requireLoaded() {
        Loaded l = loaded;
        if (l == null) {
            throw new BackendException("The djl backend has no model loaded: call load() before generate()");
        }
        return l;
    }

    @Override
    public void generate(List<GenerationRequest> batch, GenerationListener listener) {
        if (batch.isEmpty()) {
            return;
        }
        Loaded l = requireLoaded();
        if (batch.size() >= 2 && l.model().packForBatches()) {
            environment.put("djl.decode_kernel", environment.get("djl.decode_kernel") + "; the product matrices moved to "
                    + "oneDNN's prepacked layout at the first batch of " + batch.size() + " requests");
        }
        l.generator().generate(batch, listener);
    }

    @Override
    public Optional<Integer> countTokens(String text) {
        Loaded l = loaded;
        if (l == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(l.generator().promptTokens(text).length);
        } catch (RuntimeException e) {
            LOG.debug("token count failed", e);
            return Optional.empty();
        }
    }

    @Override
    public Map<String, String> environment() {
        return environment;
    }

    @Override
    public synchronized void unload() {
        Loaded l = loaded;
        loaded = null;
        if (l != null) {
            l.model().close();
            l.tokenizer().close();
        }
    }

    @Override
    public void close() {
        try {
            unload();
        } catch (RuntimeException e) {
            LOG.debug("closing the djl backend failed", e);
        }
    }
}
