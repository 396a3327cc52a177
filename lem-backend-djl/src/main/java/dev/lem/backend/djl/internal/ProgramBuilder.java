package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Writes the TorchScript source of a model's forward pass (see {@link TorchScriptModule}) and collects
 * the weight tensors it reads, in the order of the program's weight list {@code w}. The emitted code
 * makes the same choices as the eager path ({@link DecoderModel#linear}, {@link Linear#apply},
 * {@link DecoderModel#attention}), so both compute the same function the same way.
 */
final class ProgramBuilder {
    /** The module's class name in the generated source. */
    static final String CLASS_NAME = "DecoderProgram";

    /** TorchScript's type of a quantised linear map's packed weights. */
    static final String PACKED = "__torch__.torch.classes.quantized.LinearPackedParamsBase";

    private final StringBuilder code = new StringBuilder();
    private final List<NDArray> weights = new ArrayList<>();
    /** Indices of the weights that are matrices of products (a linear map's blocks): what {@link MatrixFormat} converts. */
    private final java.util.BitSet products = new java.util.BitSet();
    private final MatrixFormat format;
    /** Whether products of up to {@value DecoderModel#SMALL_ROWS} rows call LEM's kernel ({@link DecodeKernels}). */
    private final boolean decodeKernel;
    /** Whether product matrices take LEM's packed layout, float32 or bf16 pairs ({@link #lemPacked()}). */
    private final boolean lemPacked;
    private int indent;

    /** A builder for a program whose products use float32/float16 matrices as loaded, with libtorch's products. */
    ProgramBuilder() {
        this(MatrixFormat.AS_LOADED, false);
    }

    /**
     * A builder for a program whose products use matrices in {@code format}; with {@code decodeKernel}, products of
     * up to {@value DecoderModel#SMALL_ROWS} rows call {@code lem::small_linear} ({@link DecodeKernels}: float32 or
     * bf16 matrices on the CPU, which the caller must have checked), larger ones libtorch's.
     */
    ProgramBuilder(MatrixFormat format, boolean decodeKernel) {
        if (decodeKernel && format == MatrixFormat.INT8) {
            throw new IllegalArgumentException("LEM's decode kernel takes float32 or bf16 matrices, not int8");
        }
        this.format = format;
        this.decodeKernel = decodeKernel;
        this.lemPacked = decodeKernel && (format == MatrixFormat.AS_LOADED && DecodeKernels.status().packedLayout()
                || format == MatrixFormat.BF16 && DecodeKernels.status().bf16PairsLayout());
        line("class " + CLASS_NAME + "(Module):");
        indent++;
        line("__parameters__ = []");
        line("__buffers__ = []");
        line("training : bool");
        line("def forward(self: __torch__." + CLASS_NAME + ", w: List[Tensor], "
                + (format == MatrixFormat.INT8 ? "packs: List[" + PACKED + "], " : "") + "keys: List[Tensor],"
                + " values: List[Tensor], ids: Tensor, positions: Tensor, tables: List[Tensor], mask: Tensor,"
                + " masked: bool, start: int, all_positions: bool, vocab_major: bool) -> Tensor:");
        indent++;
        line("b = torch.size(ids, 0)");
        line("t = torch.size(ids, 1)");
        line("n = b * t");
        line("small = n > 1 and n <= " + DecoderModel.SMALL_ROWS);
        line("few = n <= " + DecoderModel.SMALL_ROWS);
        if (switchesToPacked()) {
            // the last weight says whether repack has put the product matrices in the packed layout (oneDNN's, or LEM's
            // for float32 on AVX-512 CPUs, where the model repacks at load)
            line("packed = bool(torch.gt(w[-1], 0.5))");
            line("few = few and not packed");
        }
        line("length = start + t");
    }

    /**
     * {@return whether the program's product matrices start in the plain layout LEM's decode kernel reads and can be
     * moved to oneDNN's prepacked layout by its {@code repack} method}: float32 matrices with the decode kernel, and
     * bf16 ones on a CPU with bf16 arithmetic ({@link MatrixFormat#ONEDNN_BF16}). oneDNN's prepacked product is about
     * twice as fast for 2 to 8 rows, the kernel for one. The program's weight list then ends with a one-element flag:
     * 0 plain, 1 prepacked. Not bf16 matrices in LEM's pairs layout: {@code prepare} packs those at load.
     */
    boolean switchesToPacked() {
        return decodeKernel && (format == MatrixFormat.AS_LOADED
                || format == MatrixFormat.BF16 && MatrixFormat.ONEDNN_BF16 && !lemPacked);
    }

    /**
     * {@return whether the program's product matrices take LEM's packed layout, read by {@code lem::packed_linear} for
     * products of any number of rows} That is the case with the decode kernel for float32 matrices on an AVX-512 CPU
     * ({@code lem::pack_columns}: blocks of 32 output columns, input by input), packed once at load by
     * {@link DecoderModel} instead of moving them to oneDNN's layout at the first batch, and for bf16 matrices on a CPU
     * with AVX512_BF16 ({@code lem::pack_bf16_pairs}: the same blocks, pairs of inputs as vdpbf16ps reads them), packed
     * by {@code prepare}. Either packed product reads the weights at least as fast as the plain kernel at one row,
     * faster than oneDNN's prepacked layout at 2 to 8 rows and as fast at 64 to 128 (docs/performance.md).
     */
    boolean lemPacked() {
        return lemPacked;
    }

    /** The expression of LEM's product of a float32 input with a matrix of {@code outputs} rows in its packed layout. */
    private static java.util.function.BinaryOperator<String> lemPackedProduct(long outputs) {
        return (in, matrix) -> "ops.lem.packed_linear(" + in + ", " + matrix + ", " + outputs + ")";
    }

    /** The expression of oneDNN's product of a float32 input with a prepacked float32 matrix. */
    private static String onednnFloat32(String in, String matrix) {
        return "ops.mkldnn._linear_pointwise(" + in + ", " + matrix + ", None, \"none\", annotate(List[Optional[number]], []),"
                + " None)";
    }

    /** {@return whether products of few rows call LEM's decode kernel} */
    boolean decodeKernel() {
        return decodeKernel;
    }

    /** Appends a weight to the list; returns its index. */
    int weight(NDArray a) {
        weights.add(a);
        return weights.size() - 1;
    }

    /** Appends a linear map's blocks, then its bias if any; returns the index of the first. */
    int weights(Linear linear) {
        int first = weights.size();
        for (NDArray block : linear.blocks()) {
            products.set(weights.size());
            weights.add(block);
        }
        NDArray bias = linear.bias();
        if (bias != null) {
            weights.add(bias);
        }
        Linear.Lora lora = linear.lora();
        if (lora != null) {
            weights.add(lora.a());
            weights.addAll(java.util.Arrays.asList(lora.b()));
        }
        return first;
    }

    List<NDArray> weightList() {
        return List.copyOf(weights);
    }

    ProgramBuilder line(String text) {
        code.append("  ".repeat(indent)).append(text).append('\n');
        return this;
    }

    ProgramBuilder indent() {
        indent++;
        return this;
    }

    ProgramBuilder dedent() {
        indent--;
        return this;
    }

    /**
     * {@code out = in · Wᵀ (+ b)} for the map whose tensors start at weight index {@code first} (an
     * expression): {@code (W · inᵀ)ᵀ} for 2 to {@value DecoderModel#SMALL_ROWS} rows, {@code linear}
     * otherwise; a matrix stored as column blocks is applied block by block and summed.
     */
    void linear(String out, String in, Linear linear, String first) {
        linear(out, in, linear, first, null);
    }

    /**
     * As {@link #linear(String, String, Linear, String)}; with {@code untransposedIf} (a boolean
     * expression, or null), the {@code W · inᵀ} form leaves {@code out} as {@code [out, n]} when that
     * expression is true. Not for maps with a bias.
     */
    void linear(String out, String in, Linear linear, String first, @Nullable String untransposedIf) {
        Linear.Lora lora = linear.lora();
        if (lora != null && untransposedIf != null) {
            throw new IllegalArgumentException("an untransposed product cannot take an adapter");
        }
        linearBase(out, in, linear, first, untransposedIf);
        if (lora != null) {
            loraUpdate(out, in, lora, first + " + " + (linear.blockWidths().length + (linear.bias() != null ? 1 : 0)));
        }
    }

    /**
     * {@code out = out + concat(z_i · B_iᵀ, zeros)} with {@code z = in · Aᵀ}, as {@link Linear#loraUpdate} computes
     * it: A at weight index {@code aIndex}, the B matrices after it.
     */
    private void loraUpdate(String out, String in, Linear.Lora lora, String aIndex) {
        String z = out + "_z";
        line(z + " = torch.linear(" + in + ", w[" + aIndex + "])");
        String zs = z;
        if (lora.ranks().length > 1) {
            zs = split(out + "_zs", z, lora.ranks());
        }
        List<String> pieces = new ArrayList<>();
        for (long seg : lora.segments()) {
            if (seg >= 0) {
                String part = lora.ranks().length > 1 ? zs + "[" + seg + "]" : z;
                pieces.add("torch.linear(" + part + ", w[" + aIndex + " + " + (seg + 1) + "])");
            } else {
                pieces.add("torch.new_zeros(" + z + ", [torch.size(" + z + ", 0), " + (-seg) + "])");
            }
        }
        line(out + " = " + out + " + " + (pieces.size() == 1 ? pieces.get(0)
                : "torch.cat([" + String.join(", ", pieces) + "], 1)"));
    }

    private void linearBase(String out, String in, Linear linear, String first, @Nullable String untransposedIf) {
        long[] widths = linear.blockWidths();
        boolean bias = linear.bias() != null;
        if (bias && untransposedIf != null) {
            throw new IllegalArgumentException("an untransposed product cannot take a bias");
        }
        if (format != MatrixFormat.AS_LOADED) {
            convertedLinear(out, in, linear.outputs(), widths, bias, first);
            return;
        }
        if (decodeKernel) {
            if (untransposedIf != null) {
                throw new IllegalArgumentException("the decode kernel's products are row-major: no untransposed form");
            }
            line("if few:").indent();
            blockProducts(out, in, widths, first, (x, m) -> "ops.lem.small_linear(" + x + ", " + m + ")");
            if (switchesToPacked()) {
                dedent().line("elif packed:").indent();
                blockProducts(out, in, widths, first, lemPacked ? lemPackedProduct(linear.outputs())
                        : ProgramBuilder::onednnFloat32);
            }
            dedent().line("else:").indent();
            blockProducts(out, in, widths, first, (x, m) -> "torch.linear(" + x + ", " + m + ")");
            dedent();
            if (bias) {
                line(out + " = " + out + " + w[" + first + " + " + widths.length + "]");
            }
            return;
        }
        @Nullable String transpose = untransposedIf == null ? null : "if not " + untransposedIf + ":";
        String biasIndex = "w[" + first + " + " + widths.length + "]";
        if (widths.length == 1) {
            line("if small:").indent();
            if (transpose == null) {
                line(out + " = torch.t(torch.mm(w[" + first + "], torch.t(" + in + ")))");
            } else {
                line(out + " = torch.mm(w[" + first + "], torch.t(" + in + "))");
                line(transpose).indent().line(out + " = torch.t(" + out + ")").dedent();
            }
            if (bias) {
                line(out + " = " + out + " + " + biasIndex);
            }
            dedent().line("else:").indent();
            line(out + " = torch.linear(" + in + ", w[" + first + "]" + (bias ? ", " + biasIndex : "") + ")");
            dedent();
            return;
        }
        String parts = split(out + "_in", in, widths);
        line("if small:").indent();
        line(out + " = torch.mm(w[" + first + "], torch.t(" + parts + "[0]))");
        for (int i = 1; i < widths.length; i++) {
            line(out + " = torch.addmm(" + out + ", w[" + first + " + " + i + "], torch.t(" + parts + "[" + i + "]))");
        }
        if (transpose == null) {
            line(out + " = torch.t(" + out + ")");
        } else {
            line(transpose).indent().line(out + " = torch.t(" + out + ")").dedent();
        }
        dedent().line("else:").indent();
        line(out + " = torch.linear(" + parts + "[0], w[" + first + "])");
        for (int i = 1; i < widths.length; i++) {
            line(out + " = " + out + " + torch.linear(" + parts + "[" + i + "], w[" + first + " + " + i + "])");
        }
        dedent();
        if (bias) {
            line(out + " = " + out + " + " + biasIndex);
        }
    }

    /**
     * {@code out = in · Wᵀ (+ b)} with converted matrices: one product per block (float32 in and out: see
     * {@link #product}, or {@code lem::packed_linear} for every product of bf16 matrices in LEM's pairs layout,
     * {@link #lemPacked()}), summed; the bias in float32. Always row-major ({@code [n, out]}): the caller must not ask
     * for the vocabulary-major head ({@link DecoderModel#nextTokenLogits} does not with converted matrices).
     */
    private void convertedLinear(String out, String in, long outputs, long[] widths, boolean bias, String first) {
        if (lemPacked) {
            blockProducts(out, in, widths, first, lemPackedProduct(outputs));
        } else if (decodeKernel) {
            line("if few:").indent();
            blockProducts(out, in, widths, first, (x, m) -> "ops.lem.small_linear(" + x + ", " + m + ")");
            dedent().line("else:").indent();
            blockProducts(out, in, widths, first, this::product);
            dedent();
        } else {
            blockProducts(out, in, widths, first, this::product);
        }
        if (bias) {
            line(out + " = " + out + " + w[" + first + " + " + widths.length + "]");
        }
    }

    /** Emits {@code parts = in} split along its columns into pieces of {@code sizes}; returns {@code parts}. */
    private String split(String parts, String in, long[] sizes) {
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < sizes.length; i++) {
            list.append(i == 0 ? "" : ", ").append(sizes[i]);
        }
        line(parts + " = torch.split_with_sizes(" + in + ", [" + list + "], 1)");
        return parts;
    }

    /**
     * {@code out = Σ product(in_i, W_i)} over a map's column blocks (the input split to match), {@code product} giving
     * the expression of one block's product from the input's and the matrix's expressions.
     */
    private void blockProducts(String out, String in, long[] widths, String first,
            java.util.function.BinaryOperator<String> product) {
        if (widths.length == 1) {
            line(out + " = " + product.apply(in, "w[" + first + "]"));
            return;
        }
        String parts = split(out + "_in", in, widths);
        line(out + " = " + product.apply(parts + "[0]", "w[" + first + "]"));
        for (int i = 1; i < widths.length; i++) {
            line(out + " = " + out + " + " + product.apply(parts + "[" + i + "]", "w[" + first + " + " + i + "]"));
        }
    }

    /**
     * The expression of one product {@code in · Wᵀ} with a converted matrix at weight index {@code index}, float32
     * in and out: bf16 rounds the input to bf16 and multiplies with oneDNN's prepacked bf16 kernel where the CPU
     * has bf16 arithmetic ({@link MatrixFormat#ONEDNN_BF16}), else libtorch's bf16 {@code linear} (float32
     * accumulation, bf16 result); int8 is {@code quantized::linear_dynamic} (the input quantised per call to uint8, in
     * the reduced range on CPUs without VNNI, see {@link MatrixFormat#REDUCED_RANGE}; float32 result).
     */
    private String product(String in, String matrix) {
        String index = matrix.substring(2, matrix.length() - 1);
        return switch (format) {
            case BF16 -> MatrixFormat.ONEDNN_BF16
                    ? "torch.to(ops.mkldnn._linear_pointwise(torch.to(" + in + ", " + MatrixFormat.BF16_CODE + "), "
                    + matrix + ", None, \"none\", annotate(List[Optional[number]], []), None), 6)"
                    : "torch.to(torch.linear(torch.to(" + in + ", " + MatrixFormat.BF16_CODE + "), " + matrix + "), 6)";
            case INT8 -> "ops.quantized.linear_dynamic(" + in + ", packs[" + index + "], "
                    + (MatrixFormat.REDUCED_RANGE ? "True" : "False") + ")";
            case AS_LOADED -> throw new IllegalStateException("not a converted format");
        };
    }

    /**
     * The program's {@code prepare} method, run once at load on the weight list as loaded (float32): it returns the
     * list the program's {@code forward} reads, every product matrix converted to {@link #format} and every other
     * weight unchanged — for bf16 a {@code List[Tensor]} (the matrices in LEM's pairs layout where
     * {@link #lemPacked()}, else plain bf16, or oneDNN's prepacked bf16 without the decode kernel); for int8 a tuple of
     * that list, in which each product matrix is replaced by an empty tensor, and the packed int8 matrices at the
     * same indices ({@code packs}; a packed 1×1 placeholder at the others). Int8 matrices are quantised symmetrically
     * per output channel
     * ({@code scale = max|row| / 127}, zero point 0) and packed by {@code quantized::linear_prepack} for libtorch's
     * quantised engine.
     */
    private void prepareMethod() {
        String kinds = kinds();
        indent = 1;
        if (format == MatrixFormat.BF16) {
            line("def prepare(self: __torch__." + CLASS_NAME + ", w: List[Tensor]) -> List[Tensor]:").indent();
        } else {
            line("def prepare(self: __torch__." + CLASS_NAME + ", w: List[Tensor]) -> Tuple[List[Tensor], List["
                    + PACKED + "]]:").indent();
            line("packs = annotate(List[" + PACKED + "], [])");
            line("empty = torch.zeros([0], dtype=6)");
            line("placeholder = ops.quantized.linear_prepack(torch.quantize_per_tensor(torch.zeros([1, 1], dtype=6),"
                    + " 1.0, 0, 12), None)");
        }
        line("kinds = [" + kinds + "]");
        line("out = annotate(List[Tensor], [])");
        line("for i in range(torch.len(w)):").indent();
        line("if kinds[i] == 1:").indent();
        if (format == MatrixFormat.BF16) {
            String bf16 = "torch.contiguous(torch.to(w[i], " + MatrixFormat.BF16_CODE + "))";
            line("torch.append(out, " + (lemPacked ? "ops.lem.pack_bf16_pairs(w[i])"
                    : MatrixFormat.ONEDNN_BF16 && !decodeKernel ? "ops.mkldnn._reorder_linear_weight(" + bf16 + ", None)"
                    : bf16) + ")");
        } else {
            line("m = torch.contiguous(w[i])");
            line("scales = torch.div(torch.clamp_min(torch.amax(torch.abs(m), [1]), 1e-30), 127.0)");
            line("zeros = torch.zeros([torch.size(m, 0)], dtype=4)");
            line("torch.append(packs, ops.quantized.linear_prepack(torch.quantize_per_channel(m, scales, zeros, 0, 12),"
                    + " None))");
            line("torch.append(out, empty)");
        }
        dedent().line("else:").indent();
        line("torch.append(out, w[i])");
        if (format == MatrixFormat.INT8) {
            line("torch.append(packs, placeholder)");
        }
        dedent().dedent();
        if (switchesToPacked()) {
            line("torch.append(out, torch.zeros([1]))");
        }
        line(format == MatrixFormat.BF16 ? "return out" : "return (out, packs)");
    }

    /** The product matrices' kinds: 1 for a product matrix, 0 for any other weight, in list order. */
    private String kinds() {
        StringBuilder kinds = new StringBuilder();
        for (int i = 0; i < weights.size(); i++) {
            kinds.append(i == 0 ? "" : ", ").append(products.get(i) ? 1 : 0);
        }
        return kinds.toString();
    }

    /**
     * The program's {@code repack} method ({@link #switchesToPacked()}): the weight list with every product matrix in
     * the packed layout — LEM's ({@code lem::pack_columns}, {@link #lemPacked()}) or else oneDNN's prepacked one
     * ({@code mkldnn::_reorder_linear_weight}) — and the flag at its end set to 1.
     */
    private void repackMethod() {
        indent = 1;
        line("def repack(self: __torch__." + CLASS_NAME + ", w: List[Tensor]) -> List[Tensor]:").indent();
        line("kinds = [" + kinds() + "]");
        line("out = annotate(List[Tensor], [])");
        line("for i in range(torch.len(kinds)):").indent();
        line("if kinds[i] == 1:").indent();
        line("torch.append(out, " + (lemPacked ? "ops.lem.pack_columns(w[i])"
                : "ops.mkldnn._reorder_linear_weight(w[i], None)") + ")");
        dedent().line("else:").indent();
        line("torch.append(out, w[i])");
        dedent().dedent();
        line("torch.append(out, torch.ones([1]))");
        line("return out");
    }

    /**
     * Attention of the new queries over the cache of layer {@code l}, after writing the new keys and
     * values into it, as {@link DecoderModel#attention} does: keys cached transposed
     * ({@code [b, kvHeads, headDim, capacity]}), grouped-query attention without repeating K/V. Queries
     * must already be scaled; {@code q}, {@code k}, {@code v} may have any shape whose row-major order is
     * {@code [b, t, heads, headDim]}. Leaves {@code att} as {@code [n, heads·headDim]}. With the decode kernel on an
     * AVX-512 CPU, one new token per row ({@code t == 1}) takes {@code lem::decode_attention}: the cache writes,
     * scores, mask, softmax and weighted values in one call ({@link #decodeAttention()}).
     */
    void attention(int heads, int kvHeads, int headDim) {
        attention(heads, kvHeads, headDim, false);
    }

    /**
     * As {@link #attention(int, int, int)}; with {@code prefillOnly} the caller has already handled {@code t == 1}
     * (with {@link #decodeAttentionCall}) and only the form for several new tokens is written.
     */
    void attention(int heads, int kvHeads, int headDim, boolean prefillOnly) {
        int group = heads / kvHeads;
        int qDim = heads * headDim;
        line("kc = keys[l]");
        line("vc = values[l]");
        if (!prefillOnly) {
            line("if t == 1:").indent();
            if (decodeAttention()) {
                line("att = " + decodeAttentionCall("q", "k", "v", heads, kvHeads, headDim, null, null));
            } else {
                decodeAttentionOps(kvHeads, headDim, group, qDim);
            }
            dedent().line("else:").indent();
        }
        line("torch.copy_(torch.slice(kc, 3, start, length), torch.permute(torch.reshape(k, [b, t, " + kvHeads
                + ", " + headDim + "]), [0, 2, 3, 1]))");
        line("torch.copy_(torch.slice(vc, 2, start, length), torch.permute(torch.reshape(v, [b, t, " + kvHeads
                + ", " + headDim + "]), [0, 2, 1, 3]))");
        line("qh = torch.reshape(torch.permute(torch.reshape(q, [b, t, " + heads + ", " + headDim
                + "]), [0, 2, 1, 3]), [b, " + kvHeads + ", " + group + " * t, " + headDim + "])");
        line("scores = torch.matmul(qh, torch.slice(kc, 3, 0, length))");
        line("if masked:").indent();
        line("scores = torch.reshape(torch.reshape(scores, [b, " + kvHeads + ", " + group
                + ", t, length]) + mask, [b, " + kvHeads + ", " + group + " * t, length])");
        dedent();
        line("out = torch.matmul(torch.softmax(scores, -1), torch.slice(vc, 2, 0, length))");
        line("att = torch.reshape(torch.permute(torch.reshape(out, [b, " + heads + ", t, " + headDim
                + "]), [0, 2, 1, 3]), [n, " + qDim + "])");
        if (!prefillOnly) {
            dedent();
        }
    }

    /**
     * {@return whether a decode step's attention is one {@code lem::decode_attention} call} (the decode kernel on an
     * AVX-512 CPU; see docs/performance.md, "bf16 pairs layout and decode attention")
     */
    boolean decodeAttention() {
        return decodeKernel && DecodeKernels.status().decodeAttention();
    }

    /**
     * The expression of {@code lem::decode_attention} for one new token per row of layer {@code l}: {@code q},
     * {@code k}, {@code v} expressions whose row-major order is {@code [b, 1, heads, headDim]} (k and v with
     * {@code kvHeads}); with {@code cos} and {@code sin} (the rotary tables at the rows' positions, any shape of
     * {@code b · headDim} values) q and k are not yet rotated and the kernel rotates them as the program's RoPE does.
     */
    String decodeAttentionCall(String q, String k, String v, int heads, int kvHeads, int headDim, @Nullable String cos,
            @Nullable String sin) {
        String kv = Integer.toString(kvHeads * headDim);
        String tables = cos == null || sin == null ? "mask, mask, 0"
                : "torch.reshape(" + cos + ", [b, " + headDim + "]), torch.reshape(" + sin + ", [b, " + headDim + "]), 1";
        return "ops.lem.decode_attention(torch.reshape(" + q + ", [b, " + heads * headDim + "]), torch.reshape(" + k
                + ", [b, " + kv + "]), torch.reshape(" + v + ", [b, " + kv + "]), keys[l], values[l], start, mask, "
                + "1 if masked else 0, " + tables + ")";
    }

    /** Attention of one new token per row ({@code t == 1}) with torch operations. */
    private void decodeAttentionOps(int kvHeads, int headDim, int group, int qDim) {
        line("torch.copy_(torch.select(kc, 3, start), torch.reshape(k, [b, " + kvHeads + ", " + headDim + "]))");
        line("torch.copy_(torch.select(vc, 2, start), torch.reshape(v, [b, " + kvHeads + ", " + headDim + "]))");
        line("scores = torch.matmul(torch.reshape(q, [b, " + kvHeads + ", " + group + ", " + headDim
                + "]), torch.slice(kc, 3, 0, length))");
        line("if masked:").indent().line("scores = scores + mask").dedent();
        line("att = torch.reshape(torch.matmul(torch.softmax(scores, -1), torch.slice(vc, 2, 0, length)), [n, "
                + qDim + "])");
    }

    /**
     * The end of the pass: the hidden states whose logits are wanted ({@code last}, from {@code x}),
     * normalised by {@code norm} (an expression using {@code last}), through the LM head, as float32:
     * {@code [n, vocab]}, or {@code [vocab, n]} when the program's {@code vocab_major} is true and the
     * head used the {@code W · Xᵀ} form (2 to {@value DecoderModel#SMALL_ROWS} rows; see
     * {@link DecoderModel#nextTokenLogits}).
     */
    void logits(long hidden, long vocab, String norm, Linear head, int headIndex) {
        line("if all_positions or t == 1:").indent().line("last = x").dedent();
        line("else:").indent().line("last = torch.select(torch.reshape(x, [b, t, " + hidden + "]), 1, -1)").dedent();
        line("last = " + norm);
        line("small = torch.size(last, 0) > 1 and torch.size(last, 0) <= " + DecoderModel.SMALL_ROWS);
        line("few = torch.size(last, 0) <= " + DecoderModel.SMALL_ROWS + (switchesToPacked() ? " and not packed" : ""));
        linear("logits", "last", head, Integer.toString(headIndex), decodeKernel ? null : "vocab_major");
        line("if all_positions and t > 1:").indent();
        line("logits = torch.reshape(logits, [b, t, " + vocab + "])").dedent();
        line("return torch.to(logits, 6)");
    }

    /** A float literal TorchScript parses exactly. */
    static String number(double v) {
        return String.format(Locale.ROOT, "%.17e", v);
    }

    /** The weight index of a layer's tensor: {@code p} is the first index of the current layer. */
    static String at(int offset) {
        return offset == 0 ? "p" : "p + " + offset;
    }

    /** The program's source: {@code forward}, and {@code prepare} when the matrices are converted. */
    String source() {
        if (format == MatrixFormat.AS_LOADED && !switchesToPacked()) {
            return code.toString();
        }
        int saved = indent;
        int length = code.length();
        if (format != MatrixFormat.AS_LOADED) {
            prepareMethod();
        }
        if (switchesToPacked()) {
            repackMethod();
        }
        if (lemPacked && format == MatrixFormat.AS_LOADED) {
            indent = 1;
            line("def pack_one(self: __torch__." + CLASS_NAME + ", w: Tensor) -> Tensor:").indent();
            line("return ops.lem.pack_columns(w)");
        }
        String all = code.toString();
        code.setLength(length);
        indent = saved;
        return all;
    }

    /** {@return whether weight {@code index} is a product matrix (converted by {@code prepare})} */
    boolean isProduct(int index) {
        return products.get(index);
    }

    /**
     * Where each layer's weights sit in the list, as the program's layer loop reads them: layer
     * {@code l}'s tensors start at {@code first + stride · l}, and {@code offsets} are the positions
     * (relative to that start) of the tensors {@code addLayer} reported for layer 0.
     */
    record LayerLayout(int first, int stride, int[] offsets) {
    }

    /**
     * Appends every layer's weights with {@code addLayer} (which returns the indices of the tensors it
     * added that the program refers to) and checks that every layer adds the same number.
     */
    LayerLayout layers(int count, java.util.function.IntFunction<int[]> addLayer) {
        int first = weights.size();
        int[] offsets = addLayer.apply(0);
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] -= first;
        }
        int stride = weights.size() - first;
        for (int l = 1; l < count; l++) {
            addLayer.apply(l);
        }
        if (weights.size() != first + stride * count) {
            throw new IllegalStateException("layers differ in their weights: " + weights.size() + " != " + first
                    + " + " + stride + " × " + count);
        }
        return new LayerLayout(first, stride, offsets);
    }

    /** Opens the layer loop: {@code l} counts the layers, {@code p} is the current layer's first weight. */
    void beginLayerLoop(int count, LayerLayout layout) {
        line("for l in range(" + count + "):").indent();
        line("p = " + layout.first() + " + " + layout.stride() + " * l");
    }
}
