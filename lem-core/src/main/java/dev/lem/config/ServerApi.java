package dev.lem.config;

/** The server API a served backend calls ({@code server.api}). */
public enum ServerApi implements Choice {
    /** OpenAI {@code /v1/completions}. */
    COMPLETIONS("OpenAI /v1/completions"),
    /** OpenAI {@code /v1/chat/completions}. */
    CHAT("OpenAI /v1/chat/completions"),
    /** Triton's {@code generate_stream} (backend trtllm only). */
    TRITON("Triton generate_stream (backend trtllm only)");

    private final String description;

    ServerApi(String description) {
        this.description = description;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return Choice.word(this);
    }
}
