package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Keys and values of every layer for one batch, preallocated per layer: keys transposed as
 * {@code [batch, kvHeads, headDim, capacity]} (so scores are {@code q · K} with no transpose op),
 * values as {@code [batch, kvHeads, capacity, headDim]}. New entries are written in place
 * ({@code index_put_}) and attention reads slice views, so a decode step costs the same at any
 * length (concatenation would grow linearly). Owned by the batch's manager and freed with it.
 */
final class KvCache {
    private static final long[] ONES = {1, 1, 1, 1};
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int capacity;

    KvCache(NDManager manager, int layers, int batch, int kvHeads, int capacity, int headDim, DataType dtype) {
        this.capacity = capacity;
        keys = new NDArray[layers];
        values = new NDArray[layers];
        for (int i = 0; i < layers; i++) {
            // uninitialised on purpose: attention only ever reads slots already written
            keys[i] = manager.create(new Shape(batch, kvHeads, headDim, capacity), dtype);
            values[i] = manager.create(new Shape(batch, kvHeads, capacity, headDim), dtype);
        }
    }

    private KvCache(NDArray[] keys, NDArray[] values, int capacity) {
        this.keys = keys;
        this.values = values;
        this.capacity = capacity;
    }

    int capacity() {
        return capacity;
    }

    /** Every layer's key buffer ({@code [batch, kvHeads, headDim, capacity]}), in layer order. */
    List<NDArray> keys() {
        return List.of(keys);
    }

    /** Every layer's value buffer ({@code [batch, kvHeads, capacity, headDim]}), in layer order. */
    List<NDArray> values() {
        return List.of(values);
    }

    /** Frees the buffers now (they are otherwise freed with the batch's manager). */
    void close() {
        for (int i = 0; i < keys.length; i++) {
            keys[i].close();
            values[i].close();
        }
    }

    /** A copy of this one-row cache with the row repeated {@code rows} times (in {@code manager}). */
    KvCache repeatRows(NDManager manager, int rows) {
        NDArray[] k = new NDArray[keys.length];
        NDArray[] v = new NDArray[values.length];
        for (int i = 0; i < keys.length; i++) {
            k[i] = keys[i].repeat(0, rows);
            v[i] = values[i].repeat(0, rows);
            k[i].attach(manager);
            v[i].attach(manager);
        }
        return new KvCache(k, v, capacity);
    }

    /**
     * Writes keys ({@code [batch, kvHeads, headDim, t]}) and values ({@code [batch, kvHeads, t, headDim]})
     * at slots {@code [start, start + t)}.
     */
    void put(int layer, NDArray keysT, NDArray v, int start, int t) {
        if (start + t > capacity) {
            throw new IllegalStateException("KV cache overflow: " + (start + t) + " > " + capacity);
        }
        PtNDArray k = (PtNDArray) keys[layer];
        PtNDArray val = (PtNDArray) values[layer];
        long[] ks = k.getShape().getShape();
        long[] vs = val.getShape().getShape();
        // direct index_put_ (DJL's NDIndex path costs a few microseconds more per call)
        JniUtils.indexSet(k, (PtNDArray) keysT, new long[] {0, 0, 0, start}, new long[] {ks[0], ks[1], ks[2], start + t},
                ONES);
        JniUtils.indexSet(val, (PtNDArray) v, new long[] {0, 0, start, 0}, new long[] {vs[0], vs[1], start + t, vs[3]},
                ONES);
    }

    /** A view of the transposed keys of slots {@code [0, length)}: {@code [batch, kvHeads, headDim, length]}. */
    NDArray keysTransposed(int layer, int length) {
        return JniUtils.slice((PtNDArray) keys[layer], 3, 0, length, 1);
    }

    /** A view of the values of slots {@code [0, length)}. */
    NDArray values(int layer, int length) {
        return JniUtils.slice((PtNDArray) values[layer], 2, 0, length, 1);
    }
}
