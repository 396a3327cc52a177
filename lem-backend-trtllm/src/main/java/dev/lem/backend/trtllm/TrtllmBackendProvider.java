package dev.lem.backend.trtllm;

import dev.lem.config.Option;
import dev.lem.spi.BackendContext;
import dev.lem.spi.BackendSettings;
import dev.lem.spi.BackendProvider;
import dev.lem.spi.InferenceBackend;
import java.util.List;
import java.util.Set;

/**
 * Provides the backend {@code trtllm}: {@code trtllm-serve} (server.api completions or chat) or Triton with the
 * TensorRT-LLM backend (server.api triton), at {@code server.url}, or a managed {@code trtllm-serve}.
 */
public final class TrtllmBackendProvider implements BackendProvider {

    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public TrtllmBackendProvider() {
        // the same as the implicit constructor; declared so that it can carry this comment
    }

    @Override
    public String name() {
        return "trtllm";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("tensorrt-llm", "trtllm-serve");
    }

    @Override
    public String description() {
        return "TensorRT-LLM: trtllm-serve (OpenAI API, iteration stats) or Triton generate_stream, at server.url";
    }

    @Override
    public String artifact() {
        return "dev.lem:lem-backend-trtllm";
    }

    @Override
    public List<Option<?>> options() {
        return TrtllmBackend.OPTIONS;
    }

    @Override
    public void check(BackendSettings settings) {
        TrtllmBackend.check(settings);
    }

    @Override
    public java.util.Optional<dev.lem.config.ParameterCoverage> parameterCoverage() {
        return java.util.Optional.of(TrtllmEngineOptions.coverage());
    }

    @Override
    public InferenceBackend create(BackendContext context) {
        return new TrtllmBackend(context);
    }
}
