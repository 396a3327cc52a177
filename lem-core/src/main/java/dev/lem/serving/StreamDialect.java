package dev.lem.serving;

/** The shape of a server's streamed response, which decides how each event is read. */
public enum StreamDialect {
    /**
     * OpenAI {@code /v1/completions}: {@code choices[0].text}, optional {@code choices[0].token_ids}
     * (vLLM {@code return_token_ids}), {@code usage} chunks, {@code data: [DONE]} at the end.
     */
    OPENAI_COMPLETIONS,
    /**
     * OpenAI {@code /v1/chat/completions}: {@code choices[0].delta.content} (or
     * {@code reasoning_content}), otherwise as {@link #OPENAI_COMPLETIONS}; the first chunk carries only
     * the role and no token.
     */
    OPENAI_CHAT,
    /**
     * Triton Inference Server {@code generate_stream} (TensorRT-LLM backend): {@code text_output} per
     * event, optional {@code return_perf_metrics} timestamps, no {@code [DONE]} sentinel; the stream simply
     * ends.
     */
    TRITON;

    /** {@return whether a well-formed stream ends with {@code data: [DONE]}} */
    public boolean endsWithDone() {
        return this != TRITON;
    }
}
