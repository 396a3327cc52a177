package dev.lem.serving;

import dev.lem.config.Option;
import dev.lem.spi.BackendContext;
import dev.lem.spi.BackendSettings;
import java.util.List;
import dev.lem.spi.BackendProvider;
import dev.lem.spi.InferenceBackend;
import java.util.Set;

/**
 * Provides the generic backend {@code openai}: any server with the OpenAI completions or chat API
 * (SGLang, llama.cpp server, TGI, Ollama, LM Studio). Needs {@code server.url}; cannot start a server.
 */
public final class OpenAiBackendProvider implements BackendProvider {

    /** The provider of the {@code openai} backend; {@link java.util.ServiceLoader} creates it. */
    public OpenAiBackendProvider() {
    }

    @Override
    public String name() {
        return "openai";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("openai-compatible");
    }

    @Override
    public String description() {
        return "any OpenAI-compatible server (SGLang, llama.cpp, TGI, Ollama) at server.url, streamed";
    }

    @Override
    public List<Option<?>> options() {
        return OpenAiCompatibleBackend.COMMON_OPTIONS;
    }

    @Override
    public void check(BackendSettings settings) {
        OpenAiCompatibleBackend.check(settings, name(), false);
    }

    @Override
    public InferenceBackend create(BackendContext context) {
        return OpenAiCompatibleBackend.openAi(context);
    }
}
