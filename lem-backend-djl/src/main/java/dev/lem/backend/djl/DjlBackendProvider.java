package dev.lem.backend.djl;

import dev.lem.backend.djl.internal.DjlBackend;
import dev.lem.spi.Availability;
import dev.lem.config.Option;
import dev.lem.spi.BackendContext;
import dev.lem.spi.BackendSettings;
import dev.lem.spi.BackendProvider;
import dev.lem.spi.InferenceBackend;
import java.util.List;
import java.util.Set;

/**
 * The {@code djl} backend: in-process inference on DJL's PyTorch engine, for Llama-family (Llama 2/3,
 * TinyLlama, SmolLM, Mistral, Qwen2) and GPT-2 checkpoints from Hugging Face folders or the local
 * Hugging Face cache, and for {@code synthetic:<preset>} models with seeded random weights.
 * Registered in {@code META-INF/services/dev.lem.spi.BackendProvider}; constructing it does nothing
 * native, and {@link #availability()} only checks that the engine and its natives are on the classpath.
 *
 * <p>Backend options: {@code lem config keys --backend djl} lists them ({@code options.threads},
 * {@code options.executor}, {@code options.weight_seed}, custom synthetic shapes such as
 * {@code options.hidden_size}); see also {@code docs/djl.md}.
 */
public final class DjlBackendProvider implements BackendProvider {

    /** Public no-argument constructor for {@link java.util.ServiceLoader}. */
    public DjlBackendProvider() {
    }

    @Override
    public String name() {
        return "djl";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("pytorch", "djl-pytorch");
    }

    @Override
    public String description() {
        return "In-process inference on DJL's PyTorch engine (Llama family, GPT-2, synthetic models)";
    }

    @Override
    public Availability availability() {
        try {
            return DjlBackend.availability();
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("cannot check DJL's PyTorch natives: " + e);
        }
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public String artifact() {
        return "dev.lem:lem-backend-djl";
    }

    @Override
    public boolean inProcess() {
        return true;
    }

    @Override
    public List<Option<?>> options() {
        return DjlBackend.options();
    }

    @Override
    public void check(BackendSettings settings) {
        DjlBackend.check(settings);
    }

    @Override
    public java.util.Optional<dev.lem.config.ParameterCoverage> parameterCoverage() {
        return java.util.Optional.of(DjlBackend.coverage());
    }

    @Override
    public InferenceBackend create(BackendContext context) {
        return new DjlBackend(context.settings());
    }
}
