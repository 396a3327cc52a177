package dev.lem.backend.vllm;

import dev.lem.config.Option;
import dev.lem.spi.BackendContext;
import dev.lem.spi.BackendSettings;
import java.util.List;
import dev.lem.spi.BackendProvider;
import dev.lem.spi.InferenceBackend;

/** Provides the backend {@code vllm}: a vLLM OpenAI-compatible server at {@code server.url}, or a managed one. */
public final class VllmBackendProvider implements BackendProvider {

    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public VllmBackendProvider() {
        // the same as the implicit constructor; declared so that it can carry this comment
    }

    @Override
    public String name() {
        return "vllm";
    }

    @Override
    public String description() {
        return "vLLM server (OpenAI API, /metrics, /tokenize), at server.url or started with server.managed";
    }

    @Override
    public String artifact() {
        return "dev.lem:lem-backend-vllm-client";
    }

    @Override
    public List<Option<?>> options() {
        return VllmBackend.OPTIONS;
    }

    @Override
    public void check(BackendSettings settings) {
        VllmBackend.check(settings);
    }

    @Override
    public java.util.Optional<dev.lem.config.ParameterCoverage> parameterCoverage() {
        return java.util.Optional.of(VllmEngineOptions.coverage());
    }

    @Override
    public InferenceBackend create(BackendContext context) {
        return new VllmBackend(context);
    }
}
