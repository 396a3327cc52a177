package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every layer for one batch, preallocated as {@code [batch, kvHeads, capacity, headDim]}
 * per layer. New entries are written in place ({@code index_put_}) and attention reads slice views,
 * so a decode step costs the same at any length (concatenation would grow linearly). Owned by the
 * batch's manager and freed with it.
 */
final class KvCache {
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int capacity;

    KvCache(NDManager manager, int layers, int batch, int kvHeads, int capacity, int headDim, DataType dtype) {
        this.capacity = capacity;
        keys = new NDArray[layers];
        values = new NDArray[layers];
        Shape shape = new Shape(batch, kvHeads, capacity, headDim);
        for (int i = 0; i < layers; i++) {
            // uninitialised on purpose: attention only ever reads slots already written
            keys[i] = manager.create(shape, dtype);
            values[i] = manager.create(shape, dtype);
        }
    }

    int capacity() {
        return capacity;
    }

    /** Writes {@code k} and {@code v} ({@code [batch, kvHeads, t, headDim]}) at slots {@code [start, start + t)}. */
    void put(int layer, NDArray k, NDArray v, int start, int t) {
        if (start + t > capacity) {
            throw new IllegalStateException("KV cache overflow: " + (start + t) + " > " + capacity);
        }
        NDIndex at = new NDIndex().addAllDim(2).addSliceDim(start, start + t);
        keys[layer].set(at, k);
        values[layer].set(at, v);
    }

    /** A view of the keys of slots {@code [0, length)}. */
    NDArray keys(int layer, int length) {
        return keys[layer].get(new NDIndex().addAllDim(2).addSliceDim(0, length));
    }

    /** A view of the values of slots {@code [0, length)}. */
    NDArray values(int layer, int length) {
        return values[layer].get(new NDIndex().addAllDim(2).addSliceDim(0, length));
    }
}
