package dev.lem.config;

/** The server API a served backend calls ({@code server.api}). */
public enum ServerApi implements Choice {
    /** OpenAI {@code /v1/completions}. */
    @Doc("OpenAI /v1/completions")
    COMPLETIONS,
    /** OpenAI {@code /v1/chat/completions}. */
    @Doc("OpenAI /v1/chat/completions")
    CHAT,
    /** Triton's {@code generate_stream} (backend trtllm only). */
    @Doc("Triton generate_stream (backend trtllm only)")
    TRITON;

    @Override
    public String toString() {
        return Choice.word(this);
    }
}
