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

    private Linear(NDArray[] blocks, long[] splits, @Nullable NDArray bias) {
        this.blocks = blocks;
        this.splits = splits;
        this.bias = bias;
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
        return new Linear(blocks, splits, bias == null ? null : model.keep(bias));
    }

    /** The column blocks of {@code W}, each {@code [out, in_i]}, in input order. */
    NDArray[] blocks() {
        return blocks.clone();
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

    /** {@code x · Wᵀ + b} for {@code x} of shape {@code [n, in]}. */
    NDArray apply(NDArray x) {
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
