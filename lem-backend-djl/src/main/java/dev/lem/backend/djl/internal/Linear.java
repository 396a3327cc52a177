package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import org.jspecify.annotations.Nullable;

/**
 * A linear map {@code y = x · Wᵀ + b} with {@code W} ({@code [out, in]}) stored as column blocks of at
 * most {@link DecoderModel#maxBlockColumns} inputs (default {@value #DEFAULT_MAX_BLOCK_COLUMNS}, the
 * backend option {@code max_block_columns}), computed as the sum of the blocks' products. PyTorch's CPU
 * GEMM reads a wide matrix (many inputs) for a few rows more slowly than narrower ones (two rows, two
 * threads, GB/s of weights read, same process): 2048×2048 at 32–33 and 2048×1024 at 34–37; 11264×2048 at
 * 33 and 11264×1024 at 26–38; 576×1536 at 21–24 and 576×768 at 30–36; TinyLlama's 2048×5632 down
 * projection at 14.7 whole. Matrices no wider than the limit, and matrices shared with the embedding,
 * keep one block.
 */
final class Linear {
    /** The default widest block, in inputs. */
    static final int DEFAULT_MAX_BLOCK_COLUMNS = 1024;

    private final NDArray[] blocks;
    private final long[] splits;
    private final @Nullable NDArray bias;
    private final @Nullable Lora lora;

    /**
     * An unmerged LoRA adapter on a (possibly fused) map: {@code y += concat(z_0·B_0ᵀ, 0, z_2·B_2ᵀ, ...)} with
     * {@code z = x·Aᵀ} split by rank, where {@code A} stacks the A matrices of the adapted parts (norm weights and
     * scales already folded in as in the base matrix) and each {@code B_i} carries the scaling. Parts of the fused map
     * without an adapter contribute zeros. One product for every A (as vLLM's "shrink"), one per B ("expand").
     *
     * @param a         the stacked A matrices, {@code [Σ r_i, in]}
     * @param b         each adapted part's B, {@code [out_i, r_i]}, in output order
     * @param ranks     r_i of each adapted part
     * @param segments  the output columns in order: {@code >= 0} the index of an adapted part, {@code < 0} a run of
     *                  {@code -segment} columns without an adapter
     */
    record Lora(NDArray a, NDArray[] b, long[] ranks, long[] segments) {
        /** {@return Σ r_i} */
        long rank() {
            long r = 0;
            for (long x : ranks) {
                r += x;
            }
            return r;
        }

        /** {@return parameters of A and every B} */
        long parameters() {
            long n = a.size();
            for (NDArray x : b) {
                n += x.size();
            }
            return n;
        }

        /** {@return FLOPs per input row: 2·r·in for A and 2·r_i·out_i for each B} */
        double flopsPerRow() {
            return 2.0 * parameters();
        }

        /** A text that is equal for two adapters with the same shapes (the compiled program's layers must agree). */
        String layout() {
            StringBuilder s = new StringBuilder(java.util.Arrays.toString(a.getShape().getShape()));
            for (NDArray x : b) {
                s.append(java.util.Arrays.toString(x.getShape().getShape()));
            }
            return s.append(java.util.Arrays.toString(segments)).toString();
        }
    }

    private Linear(NDArray[] blocks, long[] splits, @Nullable NDArray bias, @Nullable Lora lora) {
        this.blocks = blocks;
        this.splits = splits;
        this.bias = bias;
        this.lora = lora;
    }

    /** The same map with an unmerged adapter (or none). */
    Linear withLora(@Nullable Lora l) {
        return new Linear(blocks, splits, bias, l);
    }

    /** {@return the unmerged adapter on this map, or null} */
    @Nullable Lora lora() {
        return lora;
    }

    /**
     * Builds the map from a prepared float32 CPU matrix (closed afterwards) and bias, converted with
     * {@link DecoderModel#keep}. With {@code shared}, the matrix is also used elsewhere (a tied
     * embedding): it is kept whole, one block (column blocks of it would be strided views).
     */
    static Linear of(DecoderModel model, NDArray w, @Nullable NDArray bias, boolean shared) {
        long in = w.getShape().get(1);
        int widest = model.maxBlockColumns;
        int parts = shared ? 1 : (int) ((in + widest - 1) / widest);
        NDArray[] blocks = new NDArray[parts];
        long[] splits = new long[parts - 1];
        if (parts == 1) {
            blocks[0] = shared ? w : model.keep(w);
        } else {
            // as even as possible; DJL's split(sections) would add a remainder piece instead
            long at = 0;
            for (int i = 0; i < parts - 1; i++) {
                at += in / parts + (i < in % parts ? 1 : 0);
                splits[i] = at;
            }
            NDList views = w.split(splits, 1);
            for (int i = 0; i < parts; i++) {
                NDArray v = views.get(i);
                blocks[i] = model.keep(v.flatten().reshape(v.getShape()));
            }
            views.close();
            w.close();
        }
        return new Linear(blocks, splits, bias == null ? null : model.keep(bias), null);
    }

    /** The column blocks of {@code W}, each {@code [out, in_i]}, in input order. */
    NDArray[] blocks() {
        return blocks.clone();
    }

    /** {@return the number of outputs (rows of every block's matrix)} */
    long outputs() {
        return blocks[0].getShape().get(0);
    }

    /** The number of inputs of each block. */
    long[] blockWidths() {
        long[] widths = new long[blocks.length];
        for (int i = 0; i < blocks.length; i++) {
            widths[i] = blocks[i].getShape().get(1);
        }
        return widths;
    }

    /** The bias, or null. */
    @Nullable NDArray bias() {
        return bias;
    }

    /** {@code x · Wᵀ + b} (plus an unmerged adapter's update) for {@code x} of shape {@code [n, in]}. */
    NDArray apply(NDArray x) {
        NDArray y = applyBase(x);
        return lora == null ? y : y.add(loraUpdate(x, lora));
    }

    /** The adapter's update {@code concat(z_i · B_iᵀ, zeros)} for {@code x} of shape {@code [n, in]}. */
    static NDArray loraUpdate(NDArray x, Lora l) {
        NDArray z = DecoderModel.linear(x, l.a(), null);
        NDList zs;
        if (l.ranks().length == 1) {
            zs = new NDList(z);
        } else {
            long[] at = new long[l.ranks().length - 1];
            long sum = 0;
            for (int i = 0; i < at.length; i++) {
                sum += l.ranks()[i];
                at[i] = sum;
            }
            zs = z.split(at, 1);
        }
        long n = x.getShape().get(0);
        NDList pieces = new NDList();
        for (long seg : l.segments()) {
            if (seg >= 0) {
                pieces.add(DecoderModel.linear(zs.get((int) seg), l.b()[(int) seg], null));
            } else {
                pieces.add(z.getManager().zeros(new ai.djl.ndarray.types.Shape(n, -seg), z.getDataType()));
            }
        }
        return pieces.size() == 1 ? pieces.get(0) : ai.djl.ndarray.NDArrays.concat(pieces, 1);
    }

    private NDArray applyBase(NDArray x) {
        if (blocks.length == 1) {
            return DecoderModel.linear(x, blocks[0], bias);
        }
        NDList xs = x.split(splits, 1);
        long n = x.getShape().get(0);
        boolean small = n > 1 && n <= DecoderModel.SMALL_ROWS;
        NDArray sum = null;
        for (int i = 0; i < blocks.length; i++) {
            NDArray part = small ? blocks[i].matMul(xs.get(i).transpose()) : DecoderModel.linear(xs.get(i), blocks[i], null);
            sum = sum == null ? part : sum.add(part);
        }
        if (small) {
            sum = sum.transpose();
        }
        return bias == null ? sum : sum.add(bias);
    }
}
