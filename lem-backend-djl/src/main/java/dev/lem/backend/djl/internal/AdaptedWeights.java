package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Optional;

/**
 * A model's weights with a LoRA adapter merged in as they are read: an adapted matrix is handed out as
 * {@code W + s·B·A} (PEFT's {@code merge}; float32), or {@code W + s·(B·A)ᵀ} for GPT-2's Conv1D matrices, which are
 * stored {@code [in, out]}. The model then rearranges and fuses it like any other weight, so the merged model runs at
 * the base model's cost.
 */
final class AdaptedWeights implements WeightSource {
    private final WeightSource base;
    private final LoraAdapter adapter;
    private final boolean conv1d;

    AdaptedWeights(WeightSource base, LoraAdapter adapter, boolean conv1d) {
        this.base = base;
        this.adapter = adapter;
        this.conv1d = conv1d;
    }

    @Override
    public boolean has(String name) {
        return base.has(name);
    }

    @Override
    public String dtype(String name) {
        return base.dtype(name);
    }

    @Override
    public NDArray load(String name, long[] expectedShape, NDManager manager) {
        NDArray w = base.load(name, expectedShape, manager);
        Optional<LoraAdapter.Module> m = adapter.module(name);
        if (m.isEmpty()) {
            return w;
        }
        try (NDManager tmp = manager.newSubManager()) {
            NDArray a = m.get().a().load(tmp);
            NDArray b = m.get().b().load(tmp);
            NDArray delta = b.matMul(a).mul((float) m.get().scaling());
            NDArray merged = w.add(conv1d ? delta.transpose() : delta);
            merged.attach(manager);
            w.close();
            return merged;
        }
    }
}
