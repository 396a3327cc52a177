package dev.lem.backend.djl.internal;

import dev.lem.config.DecodingConfig;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from one row of logits, in Java: greedy arg-max (lowest id on ties), or
 * sampling with temperature, then top-k, then top-p (nucleus), as Hugging Face's warpers apply
 * them. Each request has its own seeded generator, so a request's tokens do not depend on the other
 * rows of its batch.
 */
final class Sampler {
    private Sampler() {
    }

    /**
     * @param logits  logits of all rows, row-major
     * @param offset  where this row starts
     * @param vocab   row length
     * @param blocked token ids that may not be chosen now (end-of-sequence before min tokens), or empty
     */
    static int next(float[] logits, int offset, int vocab, DecodingConfig d, SplittableRandom rng, int[] blocked) {
        for (int id : blocked) {
            if (id >= 0 && id < vocab) {
                logits[offset + id] = Float.NEGATIVE_INFINITY;
            }
        }
        if (d.isGreedy()) {
            return argMax(logits, offset, vocab);
        }
        int k = d.topK() > 0 ? Math.min(d.topK(), vocab) : vocab;
        int[] order = topIndices(logits, offset, vocab, k);
        double t = d.temperature();
        double max = logits[offset + order[0]];
        double[] p = new double[order.length];
        double total = 0;
        for (int i = 0; i < order.length; i++) {
            p[i] = Math.exp((logits[offset + order[i]] - max) / t);
            total += p[i];
        }
        int keep = order.length;
        if (d.topP() < 1.0) {
            double cumulative = 0;
            for (int i = 0; i < order.length; i++) {
                cumulative += p[i] / total;
                if (cumulative >= d.topP()) {
                    keep = i + 1;
                    break;
                }
            }
            total = 0;
            for (int i = 0; i < keep; i++) {
                total += p[i];
            }
        }
        double u = rng.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            u -= p[i];
            if (u < 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    static int argMax(float[] logits, int offset, int vocab) {
        int best = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            float v = logits[offset + i];
            if (v > max) {
                max = v;
                best = i;
            }
        }
        return best;
    }

    /**
     * The ids of the {@code k} largest logits, largest first (lower id first on ties). Sorts packed
     * (logit, id) keys; NaN logits count as -∞.
     */
    static int[] topIndices(float[] logits, int offset, int vocab, int k) {
        long[] keys = new long[vocab];
        for (int i = 0; i < vocab; i++) {
            keys[i] = ((long) descendingKey(logits[offset + i]) << 32) | i;
        }
        if (k < vocab / 8) {
            // partial selection: keep the k smallest keys with a bounded max-heap
            long[] heap = new long[k];
            int size = 0;
            for (long key : keys) {
                if (size < k) {
                    heap[size++] = key;
                    siftUp(heap, size - 1);
                } else if (key < heap[0]) {
                    heap[0] = key;
                    siftDown(heap, k);
                }
            }
            keys = heap;
        }
        Arrays.sort(keys);
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = (int) keys[i];
        }
        return out;
    }

    /** A key whose signed order puts larger floats first (NaN as -∞). */
    private static int descendingKey(float f) {
        int bits = Float.floatToIntBits(Float.isNaN(f) ? Float.NEGATIVE_INFINITY : f);
        // ascending signed order of floats: flip the magnitude bits of negatives; then negate the order
        int ascending = bits >= 0 ? bits : bits ^ 0x7fffffff;
        return ~ascending;
    }

    private static void siftUp(long[] h, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (h[parent] >= h[i]) {
                return;
            }
            long tmp = h[parent];
            h[parent] = h[i];
            h[i] = tmp;
            i = parent;
        }
    }

    private static void siftDown(long[] h, int size) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            int r = l + 1;
            int largest = i;
            if (l < size && h[l] > h[largest]) {
                largest = l;
            }
            if (r < size && h[r] > h[largest]) {
                largest = r;
            }
            if (largest == i) {
                return;
            }
            long tmp = h[largest];
            h[largest] = h[i];
            h[i] = tmp;
            i = largest;
        }
    }
}
