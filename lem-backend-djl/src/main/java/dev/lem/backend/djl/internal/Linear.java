package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import org.jspecify.annotations.Nullable;

/**
 * A linear map {@code y = x · Wᵀ + b} with {@code W} ({@code [out, in]}) stored as column blocks of at
 * most {@value #MAX_BLOCK_COLUMNS} inputs, computed as the sum of the blocks' products. PyTorch's CPU
 * GEMM reads a wide matrix (many inputs) for a few rows much more slowly than narrower ones:
 * TinyLlama's 2048×5632 down projection was read at 14.7 GB/s whole and 34.4 GB/s as four blocks
 * (two rows, two threads). Models narrower than the limit keep one block.
 */
final class Linear {
    static final int MAX_BLOCK_COLUMNS = 2048;

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
     * embedding): it is kept whole and the blocks are views of it.
     */
    static Linear of(DecoderModel model, NDArray w, @Nullable NDArray bias, boolean shared) {
        long in = w.getShape().get(1);
        int parts = (int) ((in + MAX_BLOCK_COLUMNS - 1) / MAX_BLOCK_COLUMNS);
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
                blocks[i] = shared ? v : model.keep(v.flatten().reshape(v.getShape()));
            }
            if (!shared) {
                views.close();
                w.close();
            }
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
