package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.lem.spi.BackendException;
import java.nio.file.Path;
import java.util.Map;

/** Tensors of a safetensors checkpoint (single file or sharded), converted to float32 while read. */
final class CheckpointWeights implements WeightSource {
    private final Path folder;
    private final Map<String, Safetensors.Tensor> tensors;

    CheckpointWeights(Path folder) {
        this.folder = folder;
        this.tensors = Safetensors.readFolder(folder);
    }

    @Override
    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public String dtype(String name) {
        return tensor(name).dtype();
    }

    /** The dtypes stored in the checkpoint, e.g. {@code [BF16]}. */
    java.util.Set<String> dtypes() {
        java.util.Set<String> s = new java.util.TreeSet<>();
        tensors.values().forEach(t -> s.add(t.dtype()));
        return s;
    }

    private Safetensors.Tensor tensor(String name) {
        Safetensors.Tensor t = tensors.get(name);
        if (t == null) {
            throw new BackendException("Tensor \"" + name + "\" is missing from the checkpoint in " + folder
                    + ": the weights do not match config.json (or the download is incomplete)");
        }
        return t;
    }

    @Override
    public NDArray load(String name, long[] expectedShape, NDManager manager) {
        Safetensors.Tensor t = tensor(name);
        WeightSource.checkShape(name, t.shape(), expectedShape, folder.toString());
        return WeightSource.fill(manager, t.shape(), fb -> Safetensors.readFloats(t, fb));
    }
}
