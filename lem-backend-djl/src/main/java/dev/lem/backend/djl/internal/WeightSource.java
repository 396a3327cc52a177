package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.lem.spi.BackendException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Where a model's tensors come from, by their Hugging Face names: a safetensors checkpoint or seeded
 * random numbers. Every tensor is handed out as a float32 {@link NDArray}; the model converts to
 * its compute dtype afterwards, so no bf16 tensor ever reaches DJL.
 */
interface WeightSource {

    /** True when the source holds a tensor of this name. */
    boolean has(String name);

    /** The tensor's stored dtype as written in safetensors headers (e.g. {@code BF16}). */
    String dtype(String name);

    /**
     * Loads a tensor as float32 into {@code manager}, checking its shape.
     *
     * @throws BackendException when the tensor is missing or has another shape
     */
    NDArray load(String name, long[] expectedShape, NDManager manager);

    /** Creates an uninitialised float32 array and lets {@code fill} write its elements in order. */
    static NDArray fill(NDManager manager, long[] shape, java.util.function.Consumer<FloatBuffer> fill) {
        NDArray a = manager.create(new Shape(shape), DataType.FLOAT32);
        FloatBuffer fb = a.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
        fill.accept(fb);
        return a;
    }

    /** Throws the error for a tensor whose shape differs from the architecture's. */
    static void checkShape(String name, long[] actual, long[] expected, String where) {
        if (!Arrays.equals(actual, expected)) {
            throw new BackendException("Tensor \"" + name + "\" in " + where + " has shape " + Arrays.toString(actual)
                    + " but config.json implies " + Arrays.toString(expected)
                    + ": the weights do not match the configuration");
        }
    }
}
