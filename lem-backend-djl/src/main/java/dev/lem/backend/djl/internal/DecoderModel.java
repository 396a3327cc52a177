package dev.lem.backend.djl.internal;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.IValue;
import dev.lem.model.ModelArchitecture;
import dev.lem.spi.BackendException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A decoder-only transformer built from DJL NDArray operations, with its weights in one manager.
 * Subclasses supply the layer ({@link LlamaModel}, {@link Gpt2Model}); this class holds what they
 * share: loading helpers, the linear map, attention over the KV cache, and the LM head.
 *
 * <p>Two executors run the same function on the same weights ({@link Executor}): {@code eager} issues
 * one DJL operation (one JNI call) per step of the layer; {@code compiled} runs a TorchScript program
 * generated from the architecture ({@link #writeProgram}), the whole forward pass in one call.
 *
 * <p>Not thread-safe: one model is driven by one thread (DJL's {@code NDScope} is per thread).
 */
abstract class DecoderModel implements AutoCloseable {
    /** Model types this backend runs. */
    static final List<String> SUPPORTED_TYPES = List.of("llama", "mistral", "qwen2", "gpt2");
    /** Additive mask value for blocked positions: large but finite, so fully masked rows stay finite. */
    static final float MASK_FP32 = -1e9f;
    static final float MASK_FP16 = -30000f;
    /** Row counts up to this use {@code W · xᵀ} (faster GEMM path here for small batches). */
    static final int SMALL_ROWS = 8;

    final ModelArchitecture arch;
    final NDManager manager;
    final DataType dtype;
    final Device device;
    final int heads;
    final int kvHeads;
    final int headDim;
    /** Matrices with more inputs than this are stored as column blocks (see {@link Linear}). */
    final int maxBlockColumns;
    private long parameters;
    /** An adapter applied unmerged (computed beside the matrices it adapts), or null. */
    final @Nullable LoraAdapter adapter;
    private long adapterParameters;
    private @Nullable TorchScriptModule program;
    private @Nullable IValue programWeights;
    /** The packed int8 matrices the program reads as {@code packs} ({@link MatrixFormat#INT8}), else null. */
    private @Nullable IValue programPacks;
    /** The format of the compiled program's product matrices. */
    private MatrixFormat matrices = MatrixFormat.AS_LOADED;
    /** Whether the compiled program's decode-sized products call LEM's kernel ({@link DecodeKernels}). */
    private boolean decodeKernel;
    /** Whether the program's product matrices can move to oneDNN's prepacked layout ({@link ProgramBuilder#switchesToPacked}). */
    private boolean switches;
    /** Whether they have (see {@link #packForBatches()}). */
    private boolean packed;
    /** Whether they are in LEM's packed layout (float32, or bf16 pairs), packed at load ({@link ProgramBuilder#lemPacked}). */
    private boolean lemPacked;
    /** The float32 product matrices DJL holds that the move frees (float32 matrices as loaded), else empty. */
    private List<NDArray> plainMatrices = List.of();

    /** How a forward pass is executed. */
    enum Executor {
        /**
         * A TorchScript program generated from the architecture and compiled by libtorch at load: one
         * JNI call per forward pass.
         */
        COMPILED,
        /** One DJL NDArray operation (one JNI call) per step of the computation. */
        EAGER;

        /** The option value: {@code compiled} or {@code eager}. */
        String optionValue() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    DecoderModel(ModelArchitecture arch, NDManager manager, DataType dtype, int maxBlockColumns,
            @Nullable LoraAdapter adapter) {
        this.adapter = adapter;
        if (maxBlockColumns < 1) {
            throw new IllegalArgumentException("maxBlockColumns must be positive: " + maxBlockColumns);
        }
        this.maxBlockColumns = maxBlockColumns;
        this.arch = arch;
        this.manager = manager;
        this.dtype = dtype;
        this.device = manager.getDevice();
        this.heads = arch.numAttentionHeads();
        this.kvHeads = arch.numKeyValueHeads();
        this.headDim = arch.headDim();
    }

    /**
     * Builds the model for an architecture, loading every tensor from {@code weights} (matrices with
     * more than {@code maxBlockColumns} inputs as column blocks), and compiles its program when the
     * executor is {@link Executor#COMPILED}.
     */
    static DecoderModel load(ModelArchitecture arch, WeightSource weights, NDManager manager, DataType dtype,
            Executor executor, int maxBlockColumns) {
        return load(arch, weights, manager, dtype, executor, maxBlockColumns, null);
    }

    /**
     * As {@link #load(ModelArchitecture, WeightSource, NDManager, DataType, Executor, int)}, with an adapter applied
     * unmerged: every adapted matrix computes its update {@code s·(x·Aᵀ)·Bᵀ} beside its product in each forward
     * pass (merge an adapter into the weights instead by loading from {@link AdaptedWeights}).
     */
    static DecoderModel load(ModelArchitecture arch, WeightSource weights, NDManager manager, DataType dtype,
            Executor executor, int maxBlockColumns, @Nullable LoraAdapter unmerged) {
        return load(arch, weights, manager, dtype, executor, maxBlockColumns, unmerged, MatrixFormat.AS_LOADED);
    }

    /**
     * As {@link #load(ModelArchitecture, WeightSource, NDManager, DataType, Executor, int, LoraAdapter)}, with the
     * product matrices converted to {@code matrices} inside the compiled program (bf16 or int8; only with the
     * compiled executor and float32 compute): the float32 product matrices are freed once converted.
     *
     * @throws IllegalArgumentException for a converted format with the eager executor or a compute dtype other
     *                                  than float32
     */
    static DecoderModel load(ModelArchitecture arch, WeightSource weights, NDManager manager, DataType dtype,
            Executor executor, int maxBlockColumns, @Nullable LoraAdapter unmerged, MatrixFormat matrices) {
        return load(arch, weights, manager, dtype, executor, maxBlockColumns, unmerged, matrices, false);
    }

    /**
     * As {@link #load(ModelArchitecture, WeightSource, NDManager, DataType, Executor, int, LoraAdapter, MatrixFormat)};
     * with {@code decodeKernel}, the compiled program's products of up to {@value #SMALL_ROWS} rows call LEM's kernel
     * ({@link DecodeKernels}, which must be available).
     *
     * @throws IllegalArgumentException for the decode kernel with the eager executor, int8 matrices, or a compute dtype
     *                                  other than float32
     */
    static DecoderModel load(ModelArchitecture arch, WeightSource weights, NDManager manager, DataType dtype,
            Executor executor, int maxBlockColumns, @Nullable LoraAdapter unmerged, MatrixFormat matrices,
            boolean decodeKernel) {
        if (matrices != MatrixFormat.AS_LOADED && (executor != Executor.COMPILED || dtype != DataType.FLOAT32)) {
            throw new IllegalArgumentException(matrices + " matrices need the compiled executor and float32 compute,"
                    + " not " + executor + " / " + dtype);
        }
        if (decodeKernel && (executor != Executor.COMPILED || dtype != DataType.FLOAT32 || matrices == MatrixFormat.INT8
                || !manager.getDevice().equals(ai.djl.Device.cpu()))) {
            throw new IllegalArgumentException("the decode kernel needs the compiled executor, float32 compute, float32 "
                    + "or bf16 matrices and the CPU, not " + executor + " / " + dtype + " / " + matrices + " / "
                    + manager.getDevice());
        }
        DecoderModel model = create(arch, weights, manager, dtype, maxBlockColumns, unmerged);
        model.matrices = matrices;
        model.decodeKernel = decodeKernel;
        if (unmerged != null) {
            unmerged.checkAllUsed();
        }
        if (executor == Executor.COMPILED) {
            model.compile();
        }
        return model;
    }

    /** {@return the format of the compiled program's product matrices} */
    MatrixFormat matrices() {
        return matrices;
    }

    /** {@return whether the compiled program's decode-sized products call LEM's kernel} */
    boolean decodeKernel() {
        return decodeKernel;
    }

    /** {@return whether a decode step of one row uses LEM's kernel (the generator then keeps a lone row alone)} */
    boolean kernelForOneRow() {
        return decodeKernel && (!packed || lemPacked);
    }

    /** {@return whether the product matrices are in LEM's packed layout, float32 or bf16 pairs (packed at load)} */
    boolean lemPacked() {
        return lemPacked;
    }

    /** {@return whether this model's product matrices move to oneDNN's prepacked layout at the first batch of 2+ rows} */
    boolean switchesForBatches() {
        return switches && !lemPacked;
    }

    /**
     * Moves the program's product matrices (float32 or bf16) from the plain layout LEM's decode kernel reads to the
     * packed layout once, for the rest of the model's life; later products of every size read the packed matrices, and
     * the plain float32 matrices are freed. The packed layout is LEM's for float32 matrices on AVX-512 CPUs
     * ({@link ProgramBuilder#lemPacked()}: the model calls this at load) and oneDNN's prepacked one otherwise (about
     * twice as fast as the plain kernel for 2 to 8 rows, slower for one: moved at the first batch of 2+ requests).
     * Does nothing unless the program can move its matrices ({@link ProgramBuilder#switchesToPacked()}) and has not.
     *
     * @return whether the matrices moved now
     */
    synchronized boolean packForBatches() {
        if (!switches || packed) {
            return false;
        }
        IValue plain = java.util.Objects.requireNonNull(programWeights);
        try {
            programWeights = java.util.Objects.requireNonNull(program).run("repack", plain);
        } catch (RuntimeException e) {
            throw new dev.lem.spi.BackendException("libtorch could not move the product matrices to the packed "
                    + "layout (" + NativeEngine.rootMessage(e) + "); options.decode_kernel: libtorch avoids the move", e);
        }
        plain.close();
        plainMatrices.forEach(NDArray::close);
        plainMatrices = List.of();
        packed = true;
        return true;
    }

    private static DecoderModel create(ModelArchitecture arch, WeightSource weights, NDManager manager,
            DataType dtype, int maxBlockColumns, @Nullable LoraAdapter unmerged) {
        String type = arch.modelType();
        if (type.equals("gpt2")) {
            return new Gpt2Model(arch, weights, manager, dtype, maxBlockColumns, unmerged);
        }
        if (type.equals("llama") || type.equals("mistral") || type.equals("qwen2")) {
            return new LlamaModel(arch, weights, manager, dtype, maxBlockColumns, unmerged);
        }
        throw new BackendException("model_type \"" + type + "\" is not supported by the djl backend; supported: "
                + String.join(", ", SUPPORTED_TYPES) + " (Llama 2/3, TinyLlama, SmolLM, Mistral, Qwen2, GPT-2)");
    }

    /** The executor this model runs with. */
    Executor executor() {
        return program == null ? Executor.EAGER : Executor.COMPILED;
    }

    /** Generates, compiles and keeps this model's TorchScript program with its weight list. */
    private void compile() {
        ProgramBuilder builder = new ProgramBuilder(matrices, decodeKernel);
        switches = builder.switchesToPacked();
        writeProgram(builder);
        program = TorchScriptModule.compile(ProgramBuilder.CLASS_NAME, builder.source(), manager);
        List<NDArray> list = builder.weightList();
        if (matrices == MatrixFormat.AS_LOADED) {
            if (switches && builder.lemPacked()) {
                // LEM's packed layout serves every product at least as fast as the plain one: pack now, once
                programWeights = IValue.listFrom(tensors(packedAtLoad(builder, list)));
                packed = true;
                lemPacked = true;
            } else if (switches) {
                List<NDArray> flagged = new ArrayList<>(list);
                flagged.add(manager.zeros(new ai.djl.ndarray.types.Shape(1))); // plain layout: 0
                programWeights = IValue.listFrom(tensors(flagged));
                plainMatrices = convertedOnly(builder, list);
            } else {
                programWeights = IValue.listFrom(tensors(list));
            }
            return;
        }
        IValue loaded = IValue.listFrom(tensors(list));
        try (loaded) {
            IValue prepared = program.run("prepare", loaded);
            if (matrices == MatrixFormat.INT8) {
                try (prepared) {
                    IValue[] pair = prepared.toIValueTuple();
                    programWeights = pair[0];
                    programPacks = pair[1];
                }
            } else {
                // kept opaque: its bf16 tensors never become DJL arrays
                programWeights = prepared;
                // bf16 matrices in LEM's pairs layout serve every product: packed by prepare, once
                lemPacked = builder.lemPacked();
                packed = lemPacked;
            }
        } catch (RuntimeException e) {
            throw new dev.lem.spi.BackendException("libtorch could not convert the weights to " + matrices.word() + " ("
                    + NativeEngine.rootMessage(e) + ")", e);
        }
        // the float32 copies of the converted matrices are no longer read (a tied embedding still is)
        convertedOnly(builder, list).forEach(NDArray::close);
    }

    /**
     * The program's weight list with every product matrix in LEM's packed layout and the flag set to 1 (packed),
     * packing one matrix at a time and freeing each plain float32 matrix that nothing else uses as soon as it is packed,
     * so that loading never holds much more than one copy of the weights.
     */
    private List<NDArray> packedAtLoad(ProgramBuilder builder, List<NDArray> list) {
        java.util.Set<NDArray> freeable = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        freeable.addAll(convertedOnly(builder, list));
        java.util.Map<NDArray, NDArray> packedOf = new java.util.IdentityHashMap<>();
        List<NDArray> out = new ArrayList<>(list.size() + 1);
        TorchScriptModule compiled = java.util.Objects.requireNonNull(program);
        for (int i = 0; i < list.size(); i++) {
            NDArray plain = list.get(i);
            if (!builder.isProduct(i)) {
                out.add(plain);
                continue;
            }
            NDArray packedMatrix = packedOf.get(plain);
            if (packedMatrix == null) {
                try (IValue in = IValue.from((PtNDArray) plain); IValue result = compiled.run("pack_one", in)) {
                    packedMatrix = result.toTensor((PtNDManager) manager);
                } catch (RuntimeException e) {
                    throw new dev.lem.spi.BackendException("libtorch could not pack the product matrices in LEM's "
                            + "layout (" + NativeEngine.rootMessage(e) + "); options.decode_kernel: libtorch avoids it", e);
                }
                packedOf.put(plain, packedMatrix);
                if (freeable.contains(plain)) {
                    plain.close();
                }
            }
            out.add(packedMatrix);
        }
        out.add(manager.ones(new ai.djl.ndarray.types.Shape(1))); // packed layout: 1
        return out;
    }

    /** The product matrices of {@code list} that nothing else in it uses (a tied embedding is kept), each once. */
    private static List<NDArray> convertedOnly(ProgramBuilder builder, List<NDArray> list) {
        java.util.Set<NDArray> kept = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (int i = 0; i < list.size(); i++) {
            if (!builder.isProduct(i)) {
                kept.add(list.get(i));
            }
        }
        List<NDArray> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (builder.isProduct(i) && kept.add(list.get(i))) {
                out.add(list.get(i));
            }
        }
        return out;
    }

    /**
     * Runs later forward passes with {@code next}, a program that reads the same weight list with the
     * same {@code forward} signature, and returns the program it replaces (the caller owns both); for
     * benchmarks that compare variants of the generated program ({@code ProgramVariantBenchmark}).
     *
     * @throws IllegalStateException with the eager executor
     */
    TorchScriptModule swapProgram(TorchScriptModule next) {
        TorchScriptModule previous = program;
        if (previous == null) {
            throw new IllegalStateException("the eager executor has no program to swap");
        }
        program = next;
        return previous;
    }

    /** The generated program's source, for tests and diagnostics. */
    String programSource() {
        ProgramBuilder builder = new ProgramBuilder(matrices, decodeKernel);
        writeProgram(builder);
        return builder.source();
    }

    /** The weight list the generated program reads as {@code w}, in order, for tests and diagnostics. */
    List<NDArray> programWeightList() {
        ProgramBuilder builder = new ProgramBuilder();
        writeProgram(builder);
        return builder.weightList();
    }

    /**
     * Writes the body of the program's {@code forward} (see {@link ProgramBuilder}): the same
     * computation as {@link #forwardEager}, reading the weights it registers with the builder.
     */
    abstract void writeProgram(ProgramBuilder program);

    /** Position-dependent tables the program reads as {@code tables[i]} (call {@link #prepare} first). */
    List<NDArray> positionTables() {
        return List.of();
    }

    /** Parameters loaded, counting a tied embedding once (an unmerged adapter's are apart: {@link #adapterParameters}). */
    long parameterCount() {
        return parameters;
    }

    /** {@return the parameters of an unmerged adapter (its A and B matrices), 0 without one} */
    long adapterParameters() {
        return adapterParameters;
    }

    /**
     * The unmerged adapter's update for a (possibly fused) map made of the parts {@code weights} (base tensor names,
     * in output order, each {@code outWidths[i]} outputs), or null when none of them is adapted. {@code inFold}
     * (the {@code [in]} vector a norm weight folds into the base matrix's columns, or null) is folded into every A the
     * same way, and {@code outScales[i]} (a {@code [out_i]} vector, or null) into B_i's rows with the scaling, so that
     * the update transforms like the base matrix.
     */
    Linear.@Nullable Lora lora(NDManager tmp, String[] weights, long[] outWidths, @Nullable NDArray inFold,
            @Nullable NDArray[] outScales) {
        if (adapter == null) {
            return null;
        }
        List<NDArray> as = new ArrayList<>();
        List<NDArray> bs = new ArrayList<>();
        List<Long> ranks = new ArrayList<>();
        List<Long> segments = new ArrayList<>();
        long gap = 0;
        for (int i = 0; i < weights.length; i++) {
            java.util.Optional<LoraAdapter.Module> m = adapter.module(weights[i]);
            if (m.isEmpty()) {
                gap += outWidths[i];
                continue;
            }
            if (gap > 0) {
                segments.add(-gap);
                gap = 0;
            }
            NDArray a = m.get().a().load(tmp);
            if (inFold != null) {
                a = a.mul(inFold.reshape(1, inFold.size()));
            }
            NDArray b = m.get().b().load(tmp).mul((float) m.get().scaling());
            if (outScales != null && outScales[i] != null) {
                b = b.mul(outScales[i].reshape(outScales[i].size(), 1));
            }
            segments.add((long) bs.size());
            as.add(a);
            bs.add(b);
            ranks.add((long) m.get().rank());
        }
        if (bs.isEmpty()) {
            return null;
        }
        if (gap > 0) {
            segments.add(-gap);
        }
        NDArray a = as.size() == 1 ? as.get(0) : ai.djl.ndarray.NDArrays.concat(new NDList(as.toArray(new NDArray[0])), 0);
        NDArray[] b = new NDArray[bs.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = keep(bs.get(i).duplicate());
        }
        Linear.Lora l = new Linear.Lora(keep(a.duplicate()), b, ranks.stream().mapToLong(Long::longValue).toArray(),
                segments.stream().mapToLong(Long::longValue).toArray());
        adapterParameters += l.parameters();
        return l;
    }

    /**
     * Fails unless every layer's maps carry adapters of the same shapes: the compiled program reads one layer's
     * layout for all (an adapter that adapts some layers only, or with ranks that differ between layers, runs with
     * the eager executor or merged).
     */
    static void checkSameAdapterLayout(List<Linear[]> layers) {
        for (int l = 1; l < layers.size(); l++) {
            for (int i = 0; i < layers.get(0).length; i++) {
                Linear.Lora first = layers.get(0)[i].lora();
                Linear.Lora other = layers.get(l)[i].lora();
                String a = first == null ? "none" : first.layout();
                String b = other == null ? "none" : other.layout();
                if (!a.equals(b)) {
                    throw new BackendException("The adapter differs between layers 0 and " + l + " (" + a + " vs " + b
                            + "); the compiled executor needs the same adapted matrices and ranks in every layer: use "
                            + "options.adapter_mode: merged, or options.executor: eager");
                }
            }
        }
    }

    /** {@return FLOPs of an unmerged adapter per token row of a forward pass (0 without one)} */
    double adapterFlopsPerToken() {
        return 2.0 * adapterParameters;
    }

    /**
     * The natural-log probability of each token of a window from position {@code from} on, given the tokens before
     * it (for perplexity): the window runs through the model in segments of {@code segment} tokens with the KV cache
     * (the same function as one pass: the generation tests prove the cached path), each segment's float32 logits are
     * turned into log-probabilities by a log-softmax in float64 on the native side, and only each target token's
     * value is read back. Runs in its own {@code NDScope}s; frees everything before returning.
     *
     * @param tokens  the window's token ids (each in the vocabulary)
     * @param from    the first position scored (>= 1)
     * @param segment tokens per forward pass, bounding the logits held at once to {@code segment × vocab}
     * @return {@code tokens.length - from} log-probabilities
     */
    @SuppressWarnings("try")
    double[] logProbabilities(int[] tokens, int from, int segment) {
        int n = tokens.length;
        if (from < 1 || from >= n) {
            throw new IllegalArgumentException("from (" + from + ") must be in [1, " + n + ")");
        }
        prepare(n);
        double[] out = new double[n - from];
        try (NDManager batch = manager.newSubManager()) {
            KvCache cache = newCache(batch, 1, n);
            // positions [s, e) predict tokens s+1 .. e; the last token predicts nothing
            for (int s = 0; s < n - 1; s += segment) {
                int e = Math.min(n - 1, s + segment);
                int t = e - s;
                long[] ids = new long[t];
                long[] positions = new long[t];
                float[] mask = new float[t * e];
                for (int q = 0; q < t; q++) {
                    ids[q] = tokens[s + q];
                    positions[q] = s + q;
                    for (int k = s + q + 1; k < e; k++) {
                        mask[q * e + k] = MASK_FP32;
                    }
                }
                boolean masked = t > 1;
                try (NDScope scope = new NDScope()) {
                    NDArray logits = forward(ids, positions, 1, t, masked ? mask : null, cache, s, true)
                            .reshape(t, arch.vocabSize());
                    int first = Math.max(s, from - 1);
                    if (first >= e) {
                        continue;
                    }
                    long[] targets = new long[e - first];
                    for (int p = first; p < e; p++) {
                        targets[p - first] = tokens[p + 1];
                    }
                    NDArray rows = logits.get((first - s) + ":");
                    NDArray lp = rows.toType(DataType.FLOAT64, false).logSoftmax(1)
                            .gather(manager.create(targets, new Shape(targets.length, 1)).toDevice(device, false), 1);
                    double[] v = lp.toDevice(Device.cpu(), false).toDoubleArray();
                    System.arraycopy(v, 0, out, first + 1 - from, v.length);
                }
            }
        }
        return out;
    }

    /**
     * Loads one tensor as float32 on the CPU into {@code tmp} (for transformations before
     * {@link #keep}), counting its parameters.
     */
    NDArray raw(WeightSource w, String name, NDManager tmp, long... shape) {
        NDArray a = w.load(name, shape, tmp);
        parameters += a.size();
        return a;
    }

    /** Converts a prepared float32 CPU array to the compute dtype and device and hands it to the model's manager. */
    NDArray keep(NDArray a) {
        NDArray r = a.toType(dtype, false).toDevice(device, false);
        r.attach(manager);
        if (r != a) {
            a.close();
        }
        return r;
    }

    /** A float32 constant as a 0-d array in the compute dtype (scalar-argument ops are slow in DJL). */
    NDArray constant(float value) {
        NDArray c = manager.create(value).toType(dtype, false);
        c.attach(manager);
        return c;
    }

    /** Makes sure position-dependent tables cover positions {@code [0, positions)}. Call outside step scopes. */
    abstract void prepare(int positions);

    /**
     * One forward pass over {@code t} new tokens of each of {@code b} rows, stored in the cache at
     * slots {@code [start, start + t)}, by the model's executor. Call inside an {@code NDScope}: every
     * array it creates is temporary.
     *
     * @param ids          token ids, row-major {@code [b, t]}
     * @param positions    position ids, row-major {@code [b, t]}
     * @param mask         additive attention mask {@code [b, t, start + t]} row-major, or null when nothing
     *                     is masked
     * @param allPositions logits for every position ({@code [b, t, vocab]}) instead of the last ({@code [b, vocab]})
     * @return float32 logits
     */
    final NDArray forward(long[] ids, long[] positions, int b, int t, float @Nullable [] mask, KvCache cache,
            int start, boolean allPositions) {
        checkCapacity(cache, start, t);
        if (program == null) {
            return forwardEager(ids, positions, b, t, mask, cache, start, allPositions);
        }
        return runProgram(ids, positions, b, t, mask, cache, start, allPositions, false);
    }

    /**
     * One forward pass, as {@link #forward}, that copies the last position's float32 logits of the first
     * {@code rows} rows into {@code out} (row-major, {@code rows × vocab}). No array is allocated on the Java
     * heap: the logits are read straight from the native tensor's memory. With the compiled executor and
     * {@code b} from 2 to {@value #SMALL_ROWS} rows, the program returns them vocabulary-major
     * ({@code [vocab, b]}, the layout its {@code W · Xᵀ} head produces) and they are gathered here,
     * which is cheaper than transposing the tensor natively (measured for SmolLM2's 49,152-token
     * vocabulary and two rows: 0.12 vs 0.35 ms per step).
     */
    final void nextTokenLogits(long[] ids, long[] positions, int b, int t, float @Nullable [] mask, KvCache cache,
            int start, int rows, float[] out) {
        checkCapacity(cache, start, t);
        int vocab = arch.vocabSize();
        if (rows < 1 || rows > b || out.length < (long) rows * vocab) {
            throw new IllegalArgumentException("rows " + rows + " of " + b + " need " + (long) rows * vocab
                    + " floats; out has " + out.length);
        }
        boolean vocabMajor = program != null && matrices == MatrixFormat.AS_LOADED && !decodeKernel && b > 1
                && b <= SMALL_ROWS;
        NDArray logits = program == null
                ? forwardEager(ids, positions, b, t, mask, cache, start, false)
                : runProgram(ids, positions, b, t, mask, cache, start, false, vocabMajor);
        java.nio.FloatBuffer data = logits.toByteBuffer(true).asFloatBuffer();
        if (!vocabMajor) {
            data.get(out, 0, rows * vocab);
            return;
        }
        for (int v = 0; v < vocab; v++) {
            int at = v * b;
            for (int r = 0; r < rows; r++) {
                out[r * vocab + v] = data.get(at + r);
            }
        }
    }

    private static void checkCapacity(KvCache cache, int start, int t) {
        if (start + t > cache.capacity()) {
            throw new IllegalStateException("KV cache overflow: " + (start + t) + " > " + cache.capacity());
        }
    }

    /** Runs the compiled program; {@code vocabMajor} as the program's parameter of that name. */
    private NDArray runProgram(long[] ids, long[] positions, int b, int t, float @Nullable [] mask, KvCache cache,
            int start, boolean allPositions, boolean vocabMajor) {
        TorchScriptModule compiled = java.util.Objects.requireNonNull(program);
        NDArray idArray = manager.create(ids, new Shape(b, t));
        NDArray maskArray = maskArray(mask, b, t, start + t);
        List<IValue> arguments = new ArrayList<>(10);
        try {
            arguments.add(IValue.listFrom(tensors(cache.keys())));
            arguments.add(IValue.listFrom(tensors(cache.values())));
            arguments.add(IValue.from((PtNDArray) idArray));
            arguments.add(IValue.from((PtNDArray) manager.create(positions, new Shape(b, t))));
            arguments.add(IValue.listFrom(tensors(positionTables())));
            arguments.add(IValue.from((PtNDArray) (maskArray == null ? idArray : maskArray)));
            arguments.add(IValue.from(maskArray != null));
            arguments.add(IValue.from((long) start));
            arguments.add(IValue.from(allPositions));
            arguments.add(IValue.from(vocabMajor));
            int fixed = programPacks == null ? 1 : 2;
            IValue[] all = new IValue[arguments.size() + fixed];
            all[0] = programWeights;
            if (programPacks != null) {
                all[1] = programPacks;
            }
            for (int i = 0; i < arguments.size(); i++) {
                all[i + fixed] = arguments.get(i);
            }
            try (IValue out = compiled.run("forward", all)) {
                return out.toTensor((PtNDManager) manager);
            }
        } finally {
            arguments.forEach(IValue::close);
        }
    }

    private static PtNDArray[] tensors(List<NDArray> arrays) {
        PtNDArray[] t = new PtNDArray[arrays.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = (PtNDArray) arrays.get(i);
        }
        return t;
    }

    /**
     * One forward pass of the eager executor, with the contract of {@link #forward}.
     */
    abstract NDArray forwardEager(long[] ids, long[] positions, int b, int t, float @Nullable [] mask,
            KvCache cache, int start, boolean allPositions);

    /** A KV cache for a batch. */
    KvCache newCache(NDManager batchManager, int batch, int capacity) {
        return new KvCache(batchManager, arch.numLayers(), batch, kvHeads, capacity, headDim, dtype);
    }

    /** Rows of an embedding table. */
    static NDArray gather(NDArray table, NDArray ids) {
        NDList out = table.getNDArrayInternal().embedding(ids, table, SparseFormat.DENSE);
        return out.get(0);
    }

    /**
     * {@code x · wᵀ (+ bias)} for {@code x} of shape {@code [n, in]} and {@code w} of shape {@code [out, in]}:
     * one {@code linear} op for a single row or many rows, {@code (w · xᵀ)ᵀ} for 2 to
     * {@value #SMALL_ROWS} rows, where PyTorch's CPU GEMM is much faster that way round.
     */
    static NDArray linear(NDArray x, NDArray w, @Nullable NDArray bias) {
        long n = x.getShape().get(0);
        if (n == 1 || n > SMALL_ROWS) {
            return x.getNDArrayInternal().linear(x, w, bias).get(0);
        }
        NDArray y = w.matMul(x.transpose()).transpose();
        return bias == null ? y : y.add(bias);
    }

    /**
     * The input of a second matrix product made row-major. A small-batch {@link #linear} returns a
     * transposed view, and element-wise results keep that column-major layout; PyTorch's CPU GEMM is
     * several times slower when the next product's input is column-major (measured: 4 vs 21 GB/s of
     * weights read, one thread, for SmolLM2's down projection). Copies only in that case.
     */
    static NDArray rowMajor(NDArray a) {
        long n = a.getShape().get(0);
        return n > 1 && n <= SMALL_ROWS ? a.flatten().reshape(a.getShape()) : a;
    }

    /**
     * The additive mask in the compute dtype, shaped to broadcast over the attention scores:
     * {@code [b, 1, 1, length]} for one new token, {@code [b, 1, 1, t, length]} for several; or null.
     */
    @Nullable NDArray maskArray(float @Nullable [] mask, int b, int t, int length) {
        if (mask == null) {
            return null;
        }
        NDArray m = manager.create(mask, t == 1 ? new Shape(b, 1, 1, length) : new Shape(b, 1, 1, t, length));
        if (dtype != DataType.FLOAT32) {
            m = m.maximum(MASK_FP16).toType(dtype, false);
        }
        return m.toDevice(device, false);
    }

    /**
     * Attention of the new tokens' queries over the cached keys and values, after storing the new
     * keys and values. Queries must already be scaled by 1/√headDim. Grouped-query attention without
     * repeating K/V: the query heads of a group share one matmul. Inputs may have any shape whose
     * row-major order is {@code [b, t, heads, headDim]} (keys and values: {@code kvHeads}).
     *
     * @return {@code [b·t, heads·headDim]}
     */
    NDArray attention(NDArray q, NDArray k, NDArray v, @Nullable NDArray mask, KvCache cache, int layer,
            int start, int b, int t) {
        int length = start + t;
        int group = heads / kvHeads;
        if (t == 1) {
            cache.put(layer, k.reshape(b, kvHeads, headDim, 1), v.reshape(b, kvHeads, 1, headDim), start, 1);
            NDArray scores = q.reshape(b, kvHeads, group, headDim).matMul(cache.keysTransposed(layer, length));
            if (mask != null) {
                scores = scores.add(mask);
            }
            return scores.softmax(-1).matMul(cache.values(layer, length)).reshape(b, (long) heads * headDim);
        }
        cache.put(layer, k.reshape(b, t, kvHeads, headDim).transpose(0, 2, 3, 1),
                v.reshape(b, t, kvHeads, headDim).transpose(0, 2, 1, 3), start, t);
        NDArray qh = q.reshape(b, t, heads, headDim).transpose(0, 2, 1, 3).reshape(b, kvHeads, (long) group * t,
                headDim);
        NDArray scores = qh.matMul(cache.keysTransposed(layer, length));
        if (mask != null) {
            scores = scores.reshape(b, kvHeads, group, t, length).add(mask).reshape(b, kvHeads, (long) group * t,
                    length);
        }
        NDArray out = scores.softmax(-1).matMul(cache.values(layer, length));
        return out.reshape(b, heads, t, headDim).transpose(0, 2, 1, 3).reshape((long) b * t, (long) heads * headDim);
    }

    /** The hidden states whose logits are wanted: the last position of each row, or all. */
    static NDArray selectForLogits(NDArray x, int b, int t, boolean allPositions) {
        if (allPositions || t == 1) {
            return x;
        }
        return x.reshape(b, t, x.getShape().get(1)).get(":, -1, :");
    }

    /** LM head output as float32, shaped {@code [b, vocab]} or {@code [b, t, vocab]}. */
    NDArray logits(NDArray hidden, Linear lmHead, int b, int t, boolean allPositions) {
        NDArray logits = lmHead.apply(hidden);
        if (allPositions && t > 1) {
            logits = logits.reshape(b, t, arch.vocabSize());
        }
        return logits.toType(DataType.FLOAT32, false);
    }

    @Override
    public void close() {
        if (programWeights != null) {
            programWeights.close();
            programWeights = null;
        }
        if (programPacks != null) {
            programPacks.close();
            programPacks = null;
        }
        if (program != null) {
            program.close();
            program = null;
        }
        manager.close();
    }
}
