package dev.lem.examples;

import dev.lem.backend.djl.DjlBackendProvider;
import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.ValueSource;
import dev.lem.spi.BackendContext;
import dev.lem.spi.Completion;
import dev.lem.spi.GenerationListener;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.ModelInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A model loaded in this JVM with the djl backend, to call from a JUnit test or a JMH benchmark: greedy decoding
 * that never stops early, so every call generates exactly the tokens asked for. Not thread-safe.
 *
 * <pre>{@code
 * try (LocalModel m = LocalModel.load("synthetic:SmolLM2-135M", 1)) {
 *     int tokens = m.generate("Hello", 16);
 * }
 * }</pre>
 */
public final class LocalModel implements AutoCloseable {
    private final InferenceBackend backend;
    private final ExperimentConfig config;
    private final ModelInfo info;
    private final AtomicLong ids = new AtomicLong();

    private LocalModel(InferenceBackend backend, ExperimentConfig config, ModelInfo info) {
        this.backend = backend;
        this.config = config;
        this.info = info;
    }

    /**
     * Loads a model on the CPU.
     *
     * @param model   a local Hugging Face folder, an HF id in the local cache, or {@code synthetic:<preset>}
     * @param threads PyTorch intra-op threads
     * @return the loaded model (close it when done)
     */
    public static LocalModel load(String model, int threads) {
        return load(model, threads, "fp32");
    }

    /**
     * Loads a model on the CPU with its matrices in a given format.
     *
     * @param model   a local Hugging Face folder, an HF id in the local cache, or {@code synthetic:<preset>}
     * @param threads PyTorch intra-op threads
     * @param weights {@code fp32}, {@code bf16} ({@code precision: bf16}) or {@code int8}
     *                ({@code options.quantization: int8})
     * @return the loaded model (close it when done)
     * @throws IllegalArgumentException for another {@code weights}
     */
    public static LocalModel load(String model, int threads, String weights) {
        ConfigResolver resolver = ConfigResolver.withDefaults();
        switch (weights) {
            case "fp32" -> resolver.set("precision", "fp32", ValueSource.OVERRIDE);
            case "bf16" -> resolver.set("precision", "bf16", ValueSource.OVERRIDE);
            case "int8" -> resolver.set("options.quantization", "int8", ValueSource.OVERRIDE);
            default -> throw new IllegalArgumentException("weights \"" + weights + "\" must be fp32, bf16 or int8");
        }
        ExperimentConfig config = resolver
                .set("model", model, ValueSource.OVERRIDE)
                .set("backend", "djl", ValueSource.OVERRIDE)
                .set("options.threads", threads, ValueSource.OVERRIDE)
                .set("decoding.preset", "deterministic", ValueSource.OVERRIDE)
                .set("decoding.ignore_eos", true, ValueSource.OVERRIDE)
                .resolve();
        DjlBackendProvider provider = new DjlBackendProvider();
        InferenceBackend backend = provider.create(BackendContext.of(config, provider,
                Path.of(System.getProperty("java.io.tmpdir")), 0));
        try {
            return new LocalModel(backend, config, backend.load());
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** {@return what was loaded} */
    public ModelInfo info() {
        return info;
    }

    /**
     * Generates exactly {@code tokens} tokens after {@code prompt}.
     *
     * @param prompt the prompt
     * @param tokens how many tokens to generate
     * @return the number generated
     * @throws IllegalStateException when the backend reports the request failed
     */
    public int generate(String prompt, int tokens) {
        Result r = new Result();
        backend.generate(List.of(new GenerationRequest("r" + ids.incrementAndGet(), prompt, null, tokens, tokens,
                config.decoding(), config.seed(), false)), r);
        if (r.failure != null || r.completion == null) {
            throw new IllegalStateException("generation failed: " + r.failure);
        }
        return r.completion.outputTokens();
    }

    @Override
    public void close() {
        backend.close();
    }

    private static final class Result implements GenerationListener {
        @Nullable Completion completion;
        @Nullable String failure;

        @Override
        public void requestStarted(String requestId, long nanoTime) {
        }

        @Override
        public void tokens(String requestId, long nanoTime, int count, @Nullable List<Integer> tokenIds,
                @Nullable String text) {
        }

        @Override
        public void requestCompleted(String requestId, long nanoTime, Completion c) {
            completion = c;
        }

        @Override
        public void requestFailed(String requestId, long nanoTime, String cause) {
            failure = cause;
        }
    }
}
